using Astromech.Agents.ActorCritic;
using Astromech.Envs;
using Astromech.Envs.Meta;
using Astromech.Envs.Meta.Baselines;

namespace Astromech.Training.Meta;

/// <summary>One method's returns on held-out trials: [task][inner episode].</summary>
public sealed record TrialReturns(string Name, double[][] Returns)
{
    /// <summary>For a tuned baseline: the parameter chosen on the tuning tasks, and the policy's full name with it.</summary>
    public double? Parameter { get; init; }
    public string? Policy { get; init; }

    /// <summary>Wall-clock seconds the held-out trials took (tuning not included).</summary>
    public double Seconds { get; init; }

    public int Tasks => Returns.Length;
    public int Episodes => Returns.Length == 0 ? 0 : Returns[0].Length;

    /// <summary>Mean trial return (the inner returns summed) over the tasks.</summary>
    public double Mean => Returns.Average(r => r.Sum());

    /// <summary>Standard error of <see cref="Mean"/>.</summary>
    public double StandardError
    {
        get
        {
            if (Returns.Length < 2) return double.NaN;
            double m = Mean, ss = Returns.Sum(r => (r.Sum() - m) * (r.Sum() - m));
            return Math.Sqrt(ss / (Returns.Length - 1) / Returns.Length);
        }
    }

    /// <summary>Mean return of each inner episode of the trial.</summary>
    public double[] PerEpisode => Enumerable.Range(0, Episodes).Select(e => Returns.Average(r => r[e])).ToArray();
}

/// <summary>
/// Meta-evaluation by held-out trials: a trained memory-based agent (RL²) and the hand-designed baselines play one trial
/// of <see cref="TrialWrapper.TrialEpisodes"/> episodes on each of the same tasks, trial i reset with seed + i.
/// </summary>
public static class TrialEvaluation
{
    /// <summary>
    /// Plays the agent on one trial per task, <paramref name="batch"/> trials side by side (one row each), sampling its
    /// actions unless <paramref name="deterministic"/>. The agent acts through <see cref="IHeldOutActor"/>, so its training
    /// state is untouched; its evaluation core state is reset at every trial start.
    /// </summary>
    public static TrialReturns RunAgent(string name, IAgent agent, Func<TrialWrapper> makeTrials, IReadOnlyList<double[]> tasks, int seed,
        bool deterministic = false, int batch = 250)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (agent is not IHeldOutActor actor)
            throw new ArgumentException($"meta eval: agent '{agent.Algo}' cannot act on held-out rows (it is not an on-policy actor-critic)");
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 1");
        var results = new double[tasks.Count][];
        var envs = new List<TrialWrapper>();
        try
        {
            for (int i = 0; i < Math.Min(batch, tasks.Count); i++) envs.Add(makeTrials());
            int obsSize = envs[0].ObservationSpace.FlatSize, actSize = envs[0].ActionSpace.FlatSize;
            for (int start = 0; start < tasks.Count; start += batch)
            {
                int b = Math.Min(batch, tasks.Count - start);
                var obs = new float[b * obsSize];
                var actions = new float[b * actSize];
                var done = new bool[b];
                for (int j = 0; j < b; j++)
                {
                    envs[j].NextTask = tasks[start + j];
                    envs[j].Reset(obs.AsSpan(j * obsSize, obsSize), seed + start + j);
                }
                var starts = new bool[b];
                Array.Fill(starts, true);
                agent.OnEpisodeStart(starts);
                int live = b;
                while (live > 0)
                {
                    actor.ActHeldOut(obs, actions, deterministic);
                    for (int j = 0; j < b; j++)
                    {
                        if (done[j]) continue;
                        var r = envs[j].Step(actions.AsSpan(j * actSize, actSize), obs.AsSpan(j * obsSize, obsSize));
                        if (!r.Done) continue;
                        done[j] = true;
                        live--;
                        results[start + j] = envs[j].EpisodeReturns.ToArray();
                    }
                }
            }
        }
        finally
        {
            foreach (var e in envs) e.Dispose();
        }
        return new TrialReturns(name, results) { Seconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>
    /// Plays each baseline of the family (<see cref="TrialRunner.BaselinesFor"/>) on the same tasks and seeds, then the tuned
    /// variants (<see cref="TrialRunner.TunableFor"/>): each one's parameter is chosen on <paramref name="tuningTasks"/> tasks
    /// drawn from another seed (RL²'s comparison tunes its baselines' parameters), then played on the held-out tasks.
    /// </summary>
    public static IReadOnlyList<TrialReturns> RunBaselines(Func<TrialWrapper> makeTrials, IReadOnlyList<double[]> tasks, int seed, int tuningTasks = 2000)
    {
        using var trials = makeTrials();
        var list = new List<TrialReturns>();
        foreach (var make in TrialRunner.BaselinesFor(trials.Inner, seed))
        {
            var policy = make();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var returns = TrialRunner.Run(policy, trials, tasks, seed);
            list.Add(new TrialReturns(policy.Name, returns) { Seconds = sw.Elapsed.TotalSeconds });
        }
        if (tuningTasks > 0)
        {
            int tuneSeed = unchecked(seed * 31 + 7);
            var tuning = trials.Family.SampleTasks(new Rng(tuneSeed), tuningTasks);
            foreach (var (label, grid, make) in TrialRunner.TunableFor(trials.Inner))
            {
                double best = grid[0], bestMean = double.NegativeInfinity;
                foreach (double v in grid)
                {
                    double m = TrialRunner.Run(make(v), trials, tuning, tuneSeed).Average(r => r.Sum());
                    if (m > bestMean) { bestMean = m; best = v; }
                }
                var policy = make(best);
                var sw = System.Diagnostics.Stopwatch.StartNew();
                var returns = TrialRunner.Run(policy, trials, tasks, seed);
                list.Add(new TrialReturns($"{label} tuned", returns) { Parameter = best, Policy = policy.Name, Seconds = sw.Elapsed.TotalSeconds });
            }
        }
        return list;
    }
}
