using Astromech.Training.Config;

namespace Astromech.Replay;

/// <summary>
/// The prioritized replay of a distributed learner (Ape-X's transitions, R2D2's sequences), a record of its own so the
/// algorithms that keep one bind the same keys under <c>replay</c>: its size, when sampling starts, the priority and
/// importance-sampling exponents of Schaul et al. 2016, and the sample-to-insert rate limiter (Reverb's, off by default).
/// Items are whatever the owner stores: transitions for Ape-X, sequences for R2D2. Defaults are the PER paper's
/// α = 0.6, β = 0.4; each algorithm's config sets its own.
/// </summary>
public sealed record ReplayConfig : IValidatableConfig
{
    /// <summary>Items the replay holds; the oldest are overwritten.</summary>
    [ConfigRange(1, 1e9)] public int Capacity { get; init; } = 1_000_000;
    /// <summary>Items inserted before the learner starts sampling.</summary>
    [ConfigRange(1, 1e9)] public int MinSize { get; init; } = 1_000;
    /// <summary>α: items are sampled with probability ∝ priority^α (0 is uniform).</summary>
    [ConfigRange(0, 10)] public double PriorityExponent { get; init; } = 0.6;
    /// <summary>β: importance-sampling weights (N·P(i))^−β correct for the prioritized sampling (fixed, not annealed).</summary>
    [ConfigRange(0, 1)] public double ImportanceSamplingExponent { get; init; } = 0.4;
    /// <summary>Sampled items per inserted item the rate limiter holds both sides to; 0 turns it off.</summary>
    [ConfigRange(0, 1e6)] public double SamplesPerInsert { get; init; } = 0;
    /// <summary>How far (in items) either side may run ahead of samples_per_insert before it waits.</summary>
    [ConfigRange(0, 1e12)] public double SamplesPerInsertTolerance { get; init; } = 1_000;

    /// <summary>The rate limiter these settings describe.</summary>
    public SampleToInsertRateLimiter RateLimiter() => new(SamplesPerInsert, MinSize, SamplesPerInsertTolerance);

    public IEnumerable<string> Validate() => Validate(ConfigPath.Root);

    public IEnumerable<string> Validate(ConfigPath at)
    {
        if (MinSize > Capacity)
            yield return $"{at.Name("min_size")} ({MinSize}) must not exceed {at.Name("capacity")} ({Capacity})";
    }
}
