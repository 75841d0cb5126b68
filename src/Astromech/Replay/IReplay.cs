using Astromech.Envs;

namespace Astromech.Replay;

/// <summary>
/// A bounded table of transitions (o, a, R, γ^k, o'): insert, sample, update priorities. Uniform and
/// prioritized replay share this surface, so learners and adders do not care which one they are given.
/// </summary>
public interface IReplay
{
    int Count { get; }
    int Capacity { get; }
    long BytesUsed { get; }

    /// <summary>Stores one transition, overwriting the oldest when full; returns its slot.</summary>
    int Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, float discount, ReadOnlySpan<float> nextObs);

    /// <summary>Fills <paramref name="into"/> with <paramref name="batchSize"/> rows; β is the importance-sampling exponent (ignored by uniform replay).</summary>
    void Sample(int batchSize, Rng rng, double beta, ReplayBatch into);

    /// <summary>Sets the priorities of sampled slots from |δ|; a no-op for uniform replay.</summary>
    void UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<float> tdErrors);

    void Save(Stream stream);
    void Load(Stream stream);
}
