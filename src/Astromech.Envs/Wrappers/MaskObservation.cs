using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// Partial observability by hiding observation dimensions (flat indices into the inner Box). By default the hidden
/// dimensions are removed: the observation space becomes a 1-D Box of the kept dimensions, in their original order
/// and with their bounds (CartPole [x, ẋ, θ, θ̇] with {1, 3} hidden → [x, θ]). With <c>zero: true</c> the shape is kept
/// and 0 is written in the hidden dimensions, whose bounds become [0, 0].
/// </summary>
public sealed class MaskObservation : Wrapper
{
    private readonly Box _space;
    private readonly int[] _kept;
    private readonly int[] _hidden;
    private readonly float[] _full;

    public MaskObservation(IEnv inner, IEnumerable<int> hiddenIndices, bool zero = false) : base(inner)
    {
        ArgumentNullException.ThrowIfNull(hiddenIndices);
        var s = inner.ObservationSpace as Box
            ?? throw new ArgumentException($"MaskObservation needs a Box observation space, got {inner.ObservationSpace}");
        int n = s.FlatSize;
        var hidden = new SortedSet<int>();
        foreach (int i in hiddenIndices)
        {
            if (i < 0 || i >= n) throw new ArgumentOutOfRangeException(nameof(hiddenIndices), i, $"index outside the {n} observation dimensions of {s}");
            if (!hidden.Add(i)) throw new ArgumentException($"index {i} is listed twice", nameof(hiddenIndices));
        }
        if (!zero && hidden.Count == n) throw new ArgumentException("MaskObservation would hide every dimension", nameof(hiddenIndices));
        Zero = zero;
        _hidden = hidden.ToArray();
        _kept = Enumerable.Range(0, n).Where(i => !hidden.Contains(i)).ToArray();
        _full = new float[n];
        if (zero)
        {
            var low = (float[])s.Low.Clone();
            var high = (float[])s.High.Clone();
            foreach (int i in _hidden) { low[i] = 0; high[i] = 0; }
            _space = new Box(low, high, s.Shape, s.DType);
        }
        else
        {
            _space = new Box(_kept.Select(i => s.Low[i]).ToArray(), _kept.Select(i => s.High[i]).ToArray(), null, s.DType);
        }
    }

    /// <summary>True when hidden dimensions are zeroed in place rather than removed.</summary>
    public bool Zero { get; }

    /// <summary>Flat indices of the inner observation that remain visible, ascending.</summary>
    public IReadOnlyList<int> KeptIndices => _kept;

    /// <summary>Flat indices of the inner observation that are hidden, ascending.</summary>
    public IReadOnlyList<int> HiddenIndices => _hidden;

    public override Space ObservationSpace => _space;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        if (Zero)
        {
            var info = Inner.Reset(obs, seed);
            ZeroHidden(obs);
            return info;
        }
        var i2 = Inner.Reset(_full, seed);
        Gather(obs);
        return i2;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (Zero)
        {
            var r = Inner.Step(action, obs);
            ZeroHidden(obs);
            return r;
        }
        var r2 = Inner.Step(action, _full);
        Gather(obs);
        return r2;
    }

    private void ZeroHidden(Span<float> obs)
    {
        foreach (int i in _hidden) obs[i] = 0;
    }

    private void Gather(Span<float> obs)
    {
        var kept = _kept;
        var full = _full;
        for (int j = 0; j < kept.Length; j++) obs[j] = full[kept[j]];
    }
}
