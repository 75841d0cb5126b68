namespace Astromech.Replay;

/// <summary>
/// Where an adder writes transitions (o, a, R, γ^k, o'): a replay table in one process, or an actor's local
/// <see cref="TransitionBlock"/> that is sent to a replay shard in batches (Ape-X).
/// </summary>
public interface ITransitionWriter
{
    /// <summary>Stores one transition; returns its row (the replay slot, or the block row).</summary>
    int Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, float discount, ReadOnlySpan<float> nextObs);
}
