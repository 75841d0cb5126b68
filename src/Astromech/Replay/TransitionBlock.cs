namespace Astromech.Replay;

/// <summary>
/// A batch of transitions in flat row-major arrays: what an Ape-X actor accumulates locally (its adder writes
/// here) and then hands to a replay shard in one insert, with one initial priority per row. Preallocated;
/// <see cref="Add"/> allocates nothing. Rows [0, Count) are valid.
/// </summary>
public sealed class TransitionBlock : ITransitionWriter
{
    public TransitionBlock(int capacity, int obsSize, int actSize)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a transition block needs room for at least one row");
        if (obsSize <= 0 || actSize <= 0) throw new ArgumentOutOfRangeException(nameof(obsSize), "observation and action sizes must be positive");
        Capacity = capacity;
        ObsSize = obsSize;
        ActSize = actSize;
        Obs = new float[capacity * obsSize];
        Actions = new float[capacity * actSize];
        Rewards = new float[capacity];
        Discounts = new float[capacity];
        NextObs = new float[capacity * obsSize];
    }

    /// <summary>A block holding exactly the given rows (for messages received from elsewhere); arrays are taken, not copied.</summary>
    public TransitionBlock(int obsSize, int actSize, float[] obs, float[] actions, float[] rewards, float[] discounts, float[] nextObs)
    {
        int n = rewards.Length;
        if (obsSize <= 0 || actSize <= 0) throw new ArgumentOutOfRangeException(nameof(obsSize), "observation and action sizes must be positive");
        if (obs.Length != n * obsSize || nextObs.Length != n * obsSize || actions.Length != n * actSize || discounts.Length != n)
            throw new ArgumentException($"a block of {n} rows needs {n * obsSize} observation, {n * actSize} action and {n} discount floats; got {obs.Length}/{nextObs.Length}, {actions.Length} and {discounts.Length}");
        Capacity = Math.Max(n, 1);
        ObsSize = obsSize;
        ActSize = actSize;
        Obs = obs; Actions = actions; Rewards = rewards; Discounts = discounts; NextObs = nextObs;
        Count = n;
    }

    public int Capacity { get; }
    public int ObsSize { get; }
    public int ActSize { get; }
    public int Count { get; private set; }
    public bool IsFull => Count == Capacity;
    public float[] Obs { get; }
    public float[] Actions { get; }
    public float[] Rewards { get; }
    /// <summary>γ^k of each k-step transition, 0 where the episode terminated inside it.</summary>
    public float[] Discounts { get; }
    public float[] NextObs { get; }

    public int Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, float discount, ReadOnlySpan<float> nextObs)
    {
        if (Count == Capacity) throw new InvalidOperationException($"transition block is full ({Capacity} rows); flush it before adding more");
        if (obs.Length != ObsSize || nextObs.Length != ObsSize || action.Length != ActSize)
            throw new ArgumentException($"block rows hold {ObsSize} observation and {ActSize} action floats; got {obs.Length}, {nextObs.Length} and {action.Length}");
        int r = Count;
        obs.CopyTo(Obs.AsSpan(r * ObsSize, ObsSize));
        nextObs.CopyTo(NextObs.AsSpan(r * ObsSize, ObsSize));
        action.CopyTo(Actions.AsSpan(r * ActSize, ActSize));
        Rewards[r] = reward;
        Discounts[r] = discount;
        Count++;
        return r;
    }

    public void Clear() => Count = 0;

    /// <summary>Writes every row into <paramref name="replay"/>; returns the slots in <paramref name="slots"/> (length ≥ Count).</summary>
    public void CopyTo(IReplay replay, Span<int> slots)
    {
        if (replay is null) throw new ArgumentNullException(nameof(replay));
        for (int r = 0; r < Count; r++)
            slots[r] = replay.Add(Obs.AsSpan(r * ObsSize, ObsSize), Actions.AsSpan(r * ActSize, ActSize), Rewards[r], Discounts[r],
                NextObs.AsSpan(r * ObsSize, ObsSize));
    }
}
