using Astromech.Envs;

namespace Astromech.Replay;

/// <summary>
/// A bounded table of transitions (o, a, R, γ^k, o'): insert, sample, update priorities. Uniform and
/// prioritized replay share this surface, so learners and adders do not care which one they are given.
/// </summary>
public interface IReplay : ITransitionWriter
{
    int Count { get; }
    int Capacity { get; }
    long BytesUsed { get; }

    // Add (from ITransitionWriter) stores one transition, overwriting the oldest when full, and returns its slot.

    /// <summary>Fills <paramref name="into"/> with <paramref name="batchSize"/> rows; β is the importance-sampling exponent (ignored by uniform replay).</summary>
    void Sample(int batchSize, Rng rng, double beta, ReplayBatch into);

    /// <summary>
    /// Sets the priorities of sampled slots from |δ| (priority |δ| + ε); a no-op for uniform replay. Applies to
    /// whatever each slot holds now, which is right when nothing is added between the sample and this call (a
    /// single-process learner); use the keyed overload when adds can interleave.
    /// </summary>
    void UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<float> tdErrors);

    /// <summary>
    /// As <see cref="UpdatePriorities(ReadOnlySpan{int}, ReadOnlySpan{float})"/>, but skips every row whose slot
    /// has been overwritten since it was sampled (its key, from <see cref="ReplayBatch.Keys"/>, no longer
    /// matches): a late update must not give a new transition the old one's priority. Returns the number of
    /// rows applied. Replays that do not track keys apply every row.
    /// </summary>
    int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<float> tdErrors)
    {
        UpdatePriorities(indices, tdErrors);
        return indices.Length;
    }

    void Save(Stream stream);
    void Load(Stream stream);
}
