namespace Astromech.Training.Meta;

/// <summary>
/// The outer loop shared by the population and meta runners: iterations over a set of units (PBT's members, a meta-learner's
/// sampled tasks), where every unit takes one step (a training slice, an adaptation), one after another or on worker
/// threads, and then one update sees all the results on the calling thread (PBT's exploit/explore, a meta-gradient step,
/// writing metrics, a checkpoint). The units of an iteration are chosen before any of them steps and their results are
/// handed over in unit order, so a run is repeatable whenever the steps are, whatever the number of workers.
/// </summary>
public static class OuterLoop
{
    /// <summary>
    /// Runs iterations <paramref name="first"/> … <paramref name="end"/> − 1 (a resumed run starts after the last one it
    /// checkpointed): <paramref name="units"/> picks the iteration's units, <paramref name="step"/> runs on each, and
    /// <paramref name="update"/> gets the iteration, its units and their results in order.
    /// </summary>
    public static void Run<TUnit, TResult>(int first, int end, Func<int, IReadOnlyList<TUnit>> units, Func<int, TUnit, TResult> step,
        Action<int, IReadOnlyList<TUnit>, TResult[]> update, int workers = 1)
    {
        if (first < 0 || end < first) throw new ArgumentOutOfRangeException(nameof(first), $"iterations [{first}, {end}) are not a range");
        for (int it = first; it < end; it++)
        {
            var these = units(it);
            int i = it;
            update(it, these, StepAll(these, workers, u => step(i, u)));
        }
    }

    /// <summary>Applies <paramref name="step"/> to every unit, on up to <paramref name="workers"/> threads (1: in order on this
    /// thread), and returns the results in unit order.</summary>
    public static TResult[] StepAll<TUnit, TResult>(IReadOnlyList<TUnit> units, int workers, Func<TUnit, TResult> step)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "workers must be ≥ 1");
        var results = new TResult[units.Count];
        if (workers == 1)
            for (int i = 0; i < units.Count; i++) results[i] = step(units[i]);
        else
            Parallel.For(0, units.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => results[i] = step(units[i]));
        return results;
    }
}
