using Astromech.Envs;
using Astromech.Envs.Vector;

namespace Astromech.Training;

/// <summary>Returns and lengths of finished evaluation episodes, and success where the env reports it.</summary>
public sealed record EvalResult(double[] Returns, int[] Lengths, double? SuccessRate)
{
    public double MeanReturn => Returns.Length == 0 ? double.NaN : Returns.Average();
    public double StdReturn => Returns.Length == 0 ? double.NaN : Math.Sqrt(Returns.Select(r => (r - MeanReturn) * (r - MeanReturn)).Average());
}

/// <summary>
/// Runs an agent deterministically for a fixed number of whole episodes on fresh env copies. Episodes are
/// split evenly over the copies before starting, so short episodes are not over-counted (a vector env that
/// just stops at the first N finished episodes biases the mean toward short ones).
/// <para>Success rate: the fraction of episodes whose last step's info held <c>is_success == true</c> (see
/// <see cref="EpisodeSuccess"/>); null when no episode reported <c>is_success</c> at all (envs without a goal). An
/// episode that did not report it while others did (e.g. cut by an outer time limit) counts as a failure.</para>
/// </summary>
public static class Evaluator
{
    /// <param name="stop">Ends the evaluation early: the result then holds the episodes finished so far.</param>
    public static EvalResult Run(IAgent agent, Func<IEnv> makeEnv, int episodes, int seed, Progress progress, int maxCopies = 16, CancellationToken stop = default)
    {
        if (episodes <= 0) return new EvalResult(Array.Empty<double>(), Array.Empty<int>(), null);
        int copies = Math.Min(maxCopies, episodes);
        var quota = new int[copies];
        for (int i = 0; i < episodes; i++) quota[i % copies]++;

        using var venv = new SyncVectorEnv(Enumerable.Range(0, copies).Select(_ => makeEnv()).ToArray());
        int obsSize = venv.SingleObservationSpace.FlatSize, actSize = venv.SingleActionSpace.FlatSize;
        var actions = new float[copies * actSize];
        var ret = new double[copies];
        var len = new int[copies];
        var returns = new List<double>(episodes);
        var lengths = new List<int>(episodes);
        int successes = 0;
        bool anyReported = false;
        var starts = new bool[copies];
        Array.Fill(starts, true);
        venv.Reset(seed);
        agent.OnEpisodeStart(starts);
        while (returns.Count < episodes && !stop.IsCancellationRequested)
        {
            agent.Act(venv.Observations, actions, progress, deterministic: true);
            venv.Step(actions);
            agent.OnRewards(venv.Rewards);
            Array.Clear(starts);
            for (int i = 0; i < copies; i++)
            {
                if (quota[i] == 0) continue; // this copy has run its share; its extra episodes are ignored
                ret[i] += venv.Rewards[i];
                len[i]++;
                if (venv.Terminated[i] || venv.Truncated[i])
                {
                    returns.Add(ret[i]);
                    lengths.Add(len[i]);
                    ret[i] = 0;
                    len[i] = 0;
                    quota[i]--;
                    starts[i] = true;
                    if (EpisodeSuccess.Of(venv.FinalInfos[i]) is bool success)
                    {
                        anyReported = true;
                        if (success) successes++;
                    }
                }
            }
            agent.OnEpisodeStart(starts);
        }
        double? successRate = anyReported ? (double)successes / returns.Count : null;
        return new EvalResult(returns.ToArray(), lengths.ToArray(), successRate);
    }
}

