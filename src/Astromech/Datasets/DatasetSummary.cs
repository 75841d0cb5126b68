namespace Astromech.Datasets;

/// <summary>
/// D4RL's reference returns for its normalised score, 100 · (R − random) / (expert − random): the values of
/// <c>REF_MIN_SCORE</c> / <c>REF_MAX_SCORE</c> in d4rl's <c>d4rl/infos.py</c> for the locomotion tasks, the returns of a
/// random policy and of the expert policy on the Gym v2 envs (mujoco-py). Astromech's envs are the v5 versions on
/// MuJoCo 2.2.2, so a normalised score here is comparable only approximately (the dynamics and reward terms are the
/// same family, not the same simulator build).
/// </summary>
public static class D4rlReference
{
    private static readonly (string Prefix, string Task, double Random, double Expert)[] Table =
    {
        ("HalfCheetah-", "halfcheetah", -280.178953, 12135.0),
        ("Hopper-", "hopper", -20.272305, 3234.3),
        ("Walker2d-", "walker2d", 1.629008, 4592.3),
        ("Ant-", "ant", -325.6, 3879.7),
    };

    /// <summary>The reference (random, expert) returns for <paramref name="envId"/>, or null when D4RL has none for it.</summary>
    public static (string Task, double Random, double Expert)? For(string? envId)
    {
        if (envId is null) return null;
        foreach (var (prefix, task, random, expert) in Table)
            if (envId.StartsWith(prefix, StringComparison.Ordinal)) return (task, random, expert);
        return null;
    }

    /// <summary>100 · (R − random) / (expert − random), or null when the env has no reference.</summary>
    public static double? NormalizedScore(string? envId, double episodeReturn) =>
        For(envId) is var (_, lo, hi) ? 100.0 * (episodeReturn - lo) / (hi - lo) : null;
}

/// <summary>What <c>astromech dataset info</c> reports about a dataset.</summary>
public sealed record DatasetSummary(int Episodes, int Steps, double ReturnMean, double ReturnStd, double ReturnMin, double ReturnMax,
    int Terminals, int Timeouts, double MeanLength)
{
    /// <summary>
    /// Statistics over <see cref="OfflineDataset.Episodes"/>. Every episode counts, including a partial first one of an
    /// exported replay that wrapped (its start was overwritten), so the mean return of such data is a little low.
    /// </summary>
    public static DatasetSummary Of(OfflineDataset d)
    {
        var returns = d.EpisodeReturns();
        var eps = d.Episodes();
        double mean = returns.Length == 0 ? double.NaN : returns.Average();
        double std = returns.Length == 0 ? double.NaN : Math.Sqrt(returns.Select(r => (r - mean) * (r - mean)).Average());
        return new DatasetSummary(eps.Count, d.Count, mean, std,
            returns.Length == 0 ? double.NaN : returns.Min(), returns.Length == 0 ? double.NaN : returns.Max(),
            d.Terminals.Count(t => t), d.Timeouts.Count(t => t), eps.Count == 0 ? 0 : (double)d.Count / eps.Count);
    }
}
