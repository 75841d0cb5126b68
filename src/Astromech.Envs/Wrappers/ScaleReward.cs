namespace Astromech.Envs.Wrappers;

/// <summary>
/// Gymnasium's NormalizeReward (SB3's VecNormalize for rewards): keeps a discounted return G ← γ·G + r per episode,
/// updates a running variance of G (while <see cref="Training"/>) and returns r / sqrt(var(G) + ε). The mean is not
/// subtracted (see openai/baselines#538). G includes the finishing step's reward and restarts at 0 on
/// <see cref="Reset"/>, i.e. at every episode start whether the last one terminated or was truncated (SB3's order).
/// </summary>
public sealed class ScaleReward : Wrapper, IStatefulWrapper
{
    private const uint Magic = 0x57524353; // "SCRW"
    private double _return;

    public ScaleReward(IEnv inner, double gamma = 0.99, double epsilon = 1e-8) : base(inner)
    {
        if (!(gamma >= 0 && gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must be in [0, 1]");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be >= 0");
        Gamma = gamma;
        Epsilon = epsilon;
    }

    public double Gamma { get; }
    public double Epsilon { get; }

    /// <summary>Running statistics of the discounted return (size 1).</summary>
    public RunningMeanStd ReturnStatistics { get; } = new(1);

    /// <summary>The discounted return of the running episode.</summary>
    public double DiscountedReturn => _return;

    /// <summary>When false the statistics are frozen (evaluation).</summary>
    public bool Training { get; set; } = true;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        _return = 0;
        return Inner.Reset(obs, seed);
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        var r = Inner.Step(action, obs);
        _return = _return * Gamma + r.Reward;
        if (Training) ReturnStatistics.Update(_return);
        return r with { Reward = r.Reward / Math.Sqrt(ReturnStatistics.Var[0] + Epsilon) };
    }

    public void SaveState(BinaryWriter w)
    {
        w.Write(Magic);
        w.Write(_return);
        ReturnStatistics.Save(w);
    }

    public void LoadState(BinaryReader r)
    {
        if (r.ReadUInt32() != Magic) throw new InvalidDataException("not a ScaleReward state (bad magic number)");
        double g = r.ReadDouble();
        ReturnStatistics.Load(r);
        _return = g;
    }
}
