namespace Astromech.Envs.Meta.Baselines;

/// <summary>
/// Plays baselines on trials exactly as a trained agent is played (<see cref="TrialWrapper"/> with the task set per trial),
/// so every row of a comparison sees the same tasks and the same trial mechanics.
/// </summary>
public static class TrialRunner
{
    /// <summary>
    /// Plays <paramref name="policy"/> on one trial per task; trial i resets with seed <paramref name="seed"/> + i and the
    /// policy draws its own randomness from an Rng seeded with the same. Returns [task][inner episode] returns.
    /// </summary>
    public static double[][] Run(ITrialPolicy policy, TrialWrapper trials, IReadOnlyList<double[]> tasks, int seed)
    {
        var inner = trials.Inner;
        int innerSize = inner.ObservationSpace.FlatSize;
        int doneAt = trials.ObservationSpace.FlatSize - 1;
        var obs = new float[trials.ObservationSpace.FlatSize];
        Span<float> action = stackalloc float[1];
        var results = new double[tasks.Count][];
        var rng = new Rng(0);
        for (int i = 0; i < tasks.Count; i++)
        {
            trials.NextTask = tasks[i];
            trials.Reset(obs, seed + i);
            rng.Seed(unchecked(seed + i + 0x3C6EF372L));
            policy.BeginTrial(trials.TrialEpisodes);
            policy.BeginEpisode(obs.AsSpan(0, innerSize));
            while (true)
            {
                int a = policy.Act(obs.AsSpan(0, innerSize), rng);
                action[0] = a;
                var r = trials.Step(action, obs);
                bool episodeEnd = obs[doneAt] == 1;
                policy.Observe(a, r.Reward, episodeEnd ? trials.FinalInnerObservation : obs.AsSpan(0, innerSize), episodeEnd);
                if (r.Done) break;
                if (episodeEnd) policy.BeginEpisode(obs.AsSpan(0, innerSize));
            }
            results[i] = trials.EpisodeReturns.ToArray();
        }
        return results;
    }

    /// <summary>
    /// The baselines with one parameter worth tuning, with the grid to tune it on: UCB1's coefficient c and ε of
    /// ε-greedy for bandits, ε for tabular MDPs. Empty for other families.
    /// </summary>
    public static IReadOnlyList<(string Label, double[] Grid, Func<double, ITrialPolicy> Make)> TunableFor(IEnv familyEnv)
    {
        var env = familyEnv is Wrappers.Wrapper w ? w.Unwrapped : familyEnv;
        double[] eps = { 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3 };
        switch (env)
        {
            case BernoulliBandit b:
                int k = b.Arms;
                return new (string, double[], Func<double, ITrialPolicy>)[]
                {
                    ("ucb1", new[] { 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0 }, c => new Ucb1Bandit(k, c)),
                    ("ucb1-prior", new[] { 0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0 }, c => new Ucb1Bandit(k, c, pseudoCount: true)),
                    ("epsilon-greedy", eps, e => new EpsilonGreedyBandit(k, e)),
                };
            case TabularMdp m:
                return new (string, double[], Func<double, ITrialPolicy>)[]
                {
                    ("epsilon-greedy", eps, e => new EpsilonGreedyMdpPolicy(m.States, m.ActionCount, m.Horizon, e)),
                };
            default:
                return Array.Empty<(string, double[], Func<double, ITrialPolicy>)>();
        }
    }

    /// <summary>The baselines for a family's env: bandits (Bernoulli) or tabular MDPs; empty for others.</summary>
    public static IReadOnlyList<Func<ITrialPolicy>> BaselinesFor(IEnv familyEnv, int seed)
    {
        var env = familyEnv is Wrappers.Wrapper w ? w.Unwrapped : familyEnv;
        switch (env)
        {
            case BernoulliBandit b:
                int k = b.Arms;
                return new Func<ITrialPolicy>[]
                {
                    () => new GittinsBandit(k), () => new Ucb1Bandit(k), () => new ThompsonBandit(k),
                    () => new EpsilonGreedyBandit(k, 0.1), () => new EpsilonGreedyBandit(k, 0), () => new RandomBandit(k),
                };
            case TabularMdp m:
                return new Func<ITrialPolicy>[]
                {
                    () => new PsrlPolicy(m.States, m.ActionCount, m.Horizon, new Rng(seed ^ 0x51ED270B)),
                    () => new EpsilonGreedyMdpPolicy(m.States, m.ActionCount, m.Horizon, 0.1),
                    () => new EpsilonGreedyMdpPolicy(m.States, m.ActionCount, m.Horizon, 0),
                    () => new RandomMdpPolicy(m.States, m.ActionCount, m.Horizon),
                };
            default:
                return Array.Empty<Func<ITrialPolicy>>();
        }
    }
}
