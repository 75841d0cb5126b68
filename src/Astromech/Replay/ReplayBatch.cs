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
    public int[] Indices { get; }
    public float[] Obs { get; }
    public float[] Actions { get; }
    public float[] Rewards { get; }
    /// <summary>γ^k of the stored k-step transition, 0 where the episode terminated inside it.</summary>
    public float[] Discounts { get; }
    public float[] NextObs { get; }
    public float[] Weights { get; }
}
