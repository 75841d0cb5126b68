using Astromech.Envs.Spaces;
using Astromech.Envs.Vector;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// <see cref="NormalizeObservation"/> for a whole vector env (SB3's VecNormalize for observations): one
/// <see cref="RunningMeanStd"/> shared by all copies, updated after every <see cref="Step"/> and <see cref="Reset"/>
/// from the whole batch of new observations (rows of autoreset copies hold their new episode's first observation),
/// then applied to <see cref="Observations"/> and to the finished rows of <see cref="FinalObservations"/>.
/// Rewards and flags are the inner env's. <see cref="RawObservations"/> gives the unnormalized batch.
/// </summary>
public sealed class VectorNormalizeObservation : IVectorEnv, IStatefulWrapper
{
    private readonly Box _space;
    private readonly int _obsSize;

    public VectorNormalizeObservation(IVectorEnv inner, double epsilon = 1e-8, double clip = 10.0)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        if (!(clip > 0)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "must be > 0");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be >= 0");
        var s = inner.SingleObservationSpace as Box
            ?? throw new ArgumentException($"VectorNormalizeObservation needs a Box observation space, got {inner.SingleObservationSpace}");
        Epsilon = epsilon;
        Clip = clip;
        _obsSize = s.FlatSize;
        _space = new Box((float)-clip, (float)clip, s.Shape, DType.Float32);
        Statistics = new RunningMeanStd(_obsSize);
        Observations = new float[inner.NumEnvs * _obsSize];
        FinalObservations = new float[inner.NumEnvs * _obsSize];
    }

    public IVectorEnv Inner { get; }
    public RunningMeanStd Statistics { get; }
    public double Epsilon { get; }
    public double Clip { get; }

    /// <summary>When false the statistics are frozen (evaluation).</summary>
    public bool Training { get; set; } = true;

    public int NumEnvs => Inner.NumEnvs;
    public Space SingleObservationSpace => _space;
    public Space SingleActionSpace => Inner.SingleActionSpace;
    public float[] Observations { get; }
    public float[] FinalObservations { get; }
    public float[] Rewards => Inner.Rewards;
    public bool[] Terminated => Inner.Terminated;
    public bool[] Truncated => Inner.Truncated;

    /// <summary>The inner env's unnormalized observations.</summary>
    public float[] RawObservations => Inner.Observations;

    public void Reset(int? seed = null)
    {
        Inner.Reset(seed);
        Process();
    }

    public void Step(ReadOnlySpan<float> actions)
    {
        Inner.Step(actions);
        Process();
    }

    private void Process()
    {
        if (Training) Statistics.UpdateBatch(Inner.Observations);
        Statistics.Normalize(Inner.Observations, Observations, Epsilon, Clip);
        bool[] term = Inner.Terminated, trunc = Inner.Truncated;
        int d = _obsSize;
        for (int i = 0; i < term.Length; i++)
            if (term[i] | trunc[i])
                Statistics.Normalize(Inner.FinalObservations.AsSpan(i * d, d), FinalObservations.AsSpan(i * d, d), Epsilon, Clip);
    }

    public void SaveState(BinaryWriter w) => Statistics.Save(w);
    public void LoadState(BinaryReader r) => Statistics.Load(r);

    public void Dispose() => Inner.Dispose();
}
