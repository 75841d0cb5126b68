using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// Normalizes observations with running statistics (Gymnasium's NormalizeObservation, SB3's VecNormalize for
/// observations): each new observation first updates a <see cref="RunningMeanStd"/> (while <see cref="Training"/>),
/// then is replaced by clip((obs − mean) / sqrt(var + ε), ±clip). The observation space becomes
/// Box(−clip, clip) of the same shape. Set <see cref="Training"/> to false to freeze the statistics for evaluation;
/// <see cref="SaveState(Stream)"/> / <see cref="LoadState(Stream)"/> let checkpoints carry them.
/// </summary>
public sealed class NormalizeObservation : Wrapper, IStatefulWrapper
{
    private readonly Box _space;

    /// <param name="epsilon">ε added to the variance (1e-8).</param>
    /// <param name="clip">Normalized values are clipped to ±clip (10, as SB3).</param>
    public NormalizeObservation(IEnv inner, double epsilon = 1e-8, double clip = 10.0) : base(inner)
    {
        if (!(clip > 0)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "must be > 0");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be >= 0");
        var s = inner.ObservationSpace as Box
            ?? throw new ArgumentException($"NormalizeObservation needs a Box observation space, got {inner.ObservationSpace}");
        Epsilon = epsilon;
        Clip = clip;
        _space = new Box((float)-clip, (float)clip, s.Shape, DType.Float32);
        Statistics = new RunningMeanStd(s.FlatSize);
    }

    public override Space ObservationSpace => _space;

    public RunningMeanStd Statistics { get; }
    public double Epsilon { get; }
    public double Clip { get; }

    /// <summary>When false the statistics are frozen (evaluation).</summary>
    public bool Training { get; set; } = true;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        var info = Inner.Reset(obs, seed);
        Process(obs);
        return info;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        var r = Inner.Step(action, obs);
        Process(obs);
        return r;
    }

    private void Process(Span<float> obs)
    {
        if (Training) Statistics.Update(obs);
        Statistics.Normalize(obs, obs, Epsilon, Clip);
    }

    public void SaveState(BinaryWriter w) => Statistics.Save(w);
    public void LoadState(BinaryReader r) => Statistics.Load(r);
}
