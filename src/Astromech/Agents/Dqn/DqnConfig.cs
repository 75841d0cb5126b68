using Astromech.Nn;
using Astromech.Training.Config;

namespace Astromech.Agents.Dqn;

/// <summary>The optimizer of the Q-network.</summary>
public enum DqnOptimizer { Adam, Rmsprop }

/// <summary>How the TD error is turned into a loss.</summary>
public enum TdLoss { Huber, Mse }

/// <summary>
/// DQN with switchable Rainbow parts. Defaults follow Stable-Baselines3's DQN (itself the Nature DQN of
/// Mnih et al. 2015 with Adam instead of RMSProp); per-environment tunings live in configs/ (RL Zoo values).
/// Parts: double Q (van Hasselt et al. 2016), dueling head (Wang et al. 2016), n-step returns (Sutton 1988;
/// Hessel et al. 2018), proportional prioritized replay (Schaul et al. 2016: α 0.6, β 0.4 → 1),
/// value rescaling h(x) = sign(x)(√(|x|+1) − 1) + εx (Pohlen et al. 2018, ε = 1e-3).
/// </summary>
public sealed record DqnConfig : IValidatableConfig, Kickstarting.IKickstartableConfig
{
    /// <summary>Adam step size.</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 1e-4;
    /// <summary>Replay capacity in transitions (Nature DQN: 1M).</summary>
    [ConfigRange(1, 1e9)] public int BufferSize { get; init; } = 1_000_000;
    /// <summary>Env steps of random-free collection before the first update.</summary>
    [ConfigRange(0, 1e12)] public long LearningStarts { get; init; } = 100;
    [ConfigRange(1, 1e6)] public int BatchSize { get; init; } = 32;
    /// <summary>Discount γ.</summary>
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.99;
    /// <summary>Env steps (summed over env copies) between training rounds.</summary>
    [ConfigRange(1, 1e9)] public int TrainFreq { get; init; } = 4;
    /// <summary>Gradient steps per training round; −1 means one per env step collected since the last round.</summary>
    [ConfigRange(-1, 1e6)] public int GradientSteps { get; init; } = 1;
    /// <summary>Learner updates between target-network updates (Nature DQN: 10k).</summary>
    [ConfigRange(1, 1e9)] public int TargetUpdateInterval { get; init; } = 10_000;
    /// <summary>Target update rate: 1 copies the online network (hard update), smaller values blend (Polyak).</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double Tau { get; init; } = 1.0;
    [ConfigRange(0, 1)] public double ExplorationInitialEps { get; init; } = 1.0;
    [ConfigRange(0, 1)] public double ExplorationFinalEps { get; init; } = 0.05;
    /// <summary>Fraction of the run over which ε decays linearly from initial to final.</summary>
    [ConfigRange(0, 1)] public double ExplorationFraction { get; init; } = 0.1;
    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    [ConfigRange(0, 1e9)] public double MaxGradNorm { get; init; } = 10;
    /// <summary>Hidden layer sizes of the MLP torso (SB3 default 64, 64); with the conv torso, its fully connected layers (MinAtar: 128).</summary>
    public int[] Hidden { get; init; } = { 64, 64 };
    /// <summary>Torso: auto (conv for C×H×W observations such as MinAtar's, MLP otherwise), mlp or conv.</summary>
    public TorsoKind Torso { get; init; } = TorsoKind.Auto;
    /// <summary>Filters of the conv torso's 3×3 convolution (MinAtar: 16).</summary>
    [ConfigRange(1, 4096)] public int ConvFilters { get; init; } = 16;
    /// <summary>Optimizer: adam (SB3's default) or rmsprop (Nature DQN, MinAtar).</summary>
    public DqnOptimizer Optimizer { get; init; } = DqnOptimizer.Adam;
    /// <summary>RMSProp's squared-gradient decay α (MinAtar: 0.95; PyTorch default 0.99).</summary>
    [ConfigRange(0, 1)] public double RmspropAlpha { get; init; } = 0.99;
    /// <summary>RMSProp's ε added to the root-mean-square (MinAtar's "min squared gradient": 0.01).</summary>
    [ConfigRange(0, 1)] public double RmspropEps { get; init; } = 1e-8;
    /// <summary>Centered RMSProp (normalises by the gradient's variance; MinAtar: true).</summary>
    public bool RmspropCentered { get; init; } = false;

    public bool DoubleQ { get; init; } = false;
    public bool Dueling { get; init; } = false;
    /// <summary>n of the n-step return (Rainbow: 3).</summary>
    [ConfigRange(1, 1000)] public int NStep { get; init; } = 1;
    public bool Prioritized { get; init; } = false;
    [ConfigRange(0, 1)] public double PriorityAlpha { get; init; } = 0.6;
    /// <summary>Importance-sampling exponent, annealed linearly to 1 over the run.</summary>
    [ConfigRange(0, 1)] public double PriorityBeta0 { get; init; } = 0.4;
    [ConfigRange(0, 1, MinExclusive = true)] public double PriorityEps { get; init; } = 1e-6;
    public bool ValueRescaling { get; init; } = false;
    [ConfigRange(0, 1)] public double RescalingEps { get; init; } = 1e-3;
    public TdLoss Loss { get; init; } = TdLoss.Huber;
    [ConfigRange(0, 1e9, MinExclusive = true)] public double HuberDelta { get; init; } = 1.0;

    /// <summary>Env copies stepped together by the actor.</summary>
    [ConfigRange(1, 4096)] public int NumEnvs { get; init; } = 1;

    /// <summary>
    /// Kickstarting a DQN student (Schmitt et al. 2018 with a Q-value student, as in Rusu et al. 2016's policy distillation):
    /// the TD loss plus λ·H(π_teacher(·|s), softmax(Q(s,·)/τ)) on the replayed states, τ = kickstart.temperature.
    /// </summary>
    public Kickstarting.KickstartConfig Kickstart { get; init; } = new();

    public object WithoutTeachers() => this with { Kickstart = Kickstart.WithoutTeachers() };

    public IEnumerable<string> Validate()
    {
        if (ExplorationFinalEps > ExplorationInitialEps)
            yield return $"exploration_final_eps ({ExplorationFinalEps}) must not exceed exploration_initial_eps ({ExplorationInitialEps})";
        if (BatchSize > BufferSize)
            yield return $"batch_size ({BatchSize}) must not exceed buffer_size ({BufferSize})";
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            yield return $"hidden must list positive layer sizes, got [{string.Join(", ", Hidden)}]";
        if (GradientSteps == 0)
            yield return "gradient_steps must be positive, or -1 for one per env step";
    }
}
