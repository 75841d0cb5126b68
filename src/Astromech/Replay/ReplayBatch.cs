namespace Astromech.Replay;

/// <summary>
/// A sampled batch in preallocated row-major arrays, reused across samples so that sampling allocates
/// nothing. Rows [0, Size) are valid.
/// </summary>
public sealed class ReplayBatch
{
    public ReplayBatch(int capacity, int obsSize, int actSize)
    {
        Capacity = capacity;
        ObsSize = obsSize;
        ActSize = actSize;
        Indices = new int[capacity];
        Keys = new long[capacity];
        Obs = new float[capacity * obsSize];
        Actions = new float[capacity * actSize];
        Rewards = new float[capacity];
        Discounts = new float[capacity];
        NextObs = new float[capacity * obsSize];
        Weights = new float[capacity];
    }

    public int Capacity { get; }
    public int ObsSize { get; }
    public int ActSize { get; }
    public int Size { get; set; }
    /// <summary>True when <see cref="Weights"/> holds importance weights (prioritized replay); else all weights are 1.</summary>
    public bool HasWeights { get; set; }
    /// <summary>The replay slot of each row; pass these back to <see cref="IReplay.UpdatePriorities(ReadOnlySpan{int}, ReadOnlySpan{float})"/>.</summary>
    public int[] Indices { get; }
    /// <summary>
    /// The insertion key of each row (the k-th transition ever added has key k − 1). A slot's key changes when
    /// it is overwritten, so passing these to the keyed priority update lets the replay drop stale updates.
    /// </summary>
    public long[] Keys { get; }
    public float[] Obs { get; }
    public float[] Actions { get; }
    public float[] Rewards { get; }
    /// <summary>γ^k of the stored k-step transition, 0 where the episode terminated inside it.</summary>
    public float[] Discounts { get; }
    public float[] NextObs { get; }
    public float[] Weights { get; }
}
