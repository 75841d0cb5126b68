using Astromech.Agents.Dqn;
using Astromech.Replay;
using Astromech.Training.Config;

namespace Astromech.Agents.ApeX;

/// <summary>
/// Ape-X DQN (Horgan et al. 2018, "Distributed Prioritized Experience Replay"). Paper values, where kept:
/// n = 3, γ = 0.99, double Q with a dueling head, Adam lr 0.00025/4, gradient norm clipped at 40, batch 512,
/// target network copied every 2500 learner updates, proportional prioritized replay with α = 0.6 and a fixed
/// β = 0.4, replay of 2M transitions with learning from 50k, actors' local buffers of 50 transitions (sent with
/// the priorities the actor computed), parameters pulled every 400 frames (100 agent steps at action repeat 4),
/// per-actor ε_i = 0.4^(1 + 7·i/(N − 1)). Not the paper's: an MLP torso (classic control, not Atari), and an
/// optional sample-to-insert rate limiter (off by default: the paper's actors and learner run free).
/// </summary>
public sealed record ApexConfig : IValidatableConfig
{
    /// <summary>Adam step size (paper: 0.00025 / 4).</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 0.00025 / 4;
    [ConfigRange(1, 1e6)] public int BatchSize { get; init; } = 512;
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.99;
    /// <summary>n of the n-step transitions the actors' adders write.</summary>
    [ConfigRange(1, 1000)] public int NStep { get; init; } = 3;
    /// <summary>Learner updates between copies of the online network into the target network.</summary>
    [ConfigRange(1, 1e9)] public int TargetUpdateInterval { get; init; } = 2500;
    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    [ConfigRange(0, 1e9)] public double MaxGradNorm { get; init; } = 40;
    /// <summary>Hidden layer sizes of the MLP torso.</summary>
    public int[] Hidden { get; init; } = { 64, 64 };
    public bool Dueling { get; init; } = true;
    public bool DoubleQ { get; init; } = true;
    /// <summary>Value rescaling h on the targets (Pohlen et al. 2018; not in Ape-X, available as in DQN).</summary>
    public bool ValueRescaling { get; init; } = false;
    [ConfigRange(0, 1)] public double RescalingEps { get; init; } = 1e-3;

    /// <summary>Replay of transitions (paper: 2M, learning from 50k, α = 0.6, a fixed β = 0.4); rate limiter off.</summary>
    public ReplayConfig Replay { get; init; } = new()
    {
        Capacity = 2_000_000, MinSize = 50_000, PriorityExponent = 0.6, ImportanceSamplingExponent = 0.4,
        SamplesPerInsert = 0, SamplesPerInsertTolerance = 10_000,
    };
    [ConfigRange(0, 1, MinExclusive = true)] public double PriorityEps { get; init; } = 1e-6;

    /// <summary>Actor threads, each with num_envs env copies, its own network copies and its own ε's.</summary>
    [ConfigRange(1, 1024)] public int Actors { get; init; } = 2;
    [ConfigRange(1, 4096)] public int NumEnvs { get; init; } = 1;
    /// <summary>Transitions an actor accumulates before it computes their priorities and inserts them (paper: 50).</summary>
    [ConfigRange(1, 1e6)] public int FlushSize { get; init; } = 50;
    /// <summary>Vector steps an actor takes between pulls of the newest parameters.</summary>
    [ConfigRange(1, 1e9)] public int ParamSyncInterval { get; init; } = 100;
    /// <summary>Learner updates between publishes of its parameters to the parameter source.</summary>
    [ConfigRange(1, 1e9)] public int PublishInterval { get; init; } = 10;
    /// <summary>Ape-X ε (base of ε_i).</summary>
    [ConfigRange(0, 1)] public double ApexEpsilon { get; init; } = 0.4;
    /// <summary>Ape-X α (spread of ε_i over the copies).</summary>
    [ConfigRange(0, 1e3)] public double ApexAlpha { get; init; } = 7;

    // The replay keys from before they were a record of their own, still bound (configs/, checkpoints) and still readable in code.
    [ConfigAlias("replay.capacity")] public int ReplayCapacity { get => Replay.Capacity; init => Replay = Replay with { Capacity = value }; }
    [ConfigAlias("replay.min_size")] public int MinReplaySize { get => Replay.MinSize; init => Replay = Replay with { MinSize = value }; }
    [ConfigAlias("replay.priority_exponent")] public double PriorityAlpha { get => Replay.PriorityExponent; init => Replay = Replay with { PriorityExponent = value }; }
    [ConfigAlias("replay.importance_sampling_exponent")] public double PriorityBeta { get => Replay.ImportanceSamplingExponent; init => Replay = Replay with { ImportanceSamplingExponent = value }; }
    [ConfigAlias("replay.samples_per_insert")] public double SamplesPerInsert { get => Replay.SamplesPerInsert; init => Replay = Replay with { SamplesPerInsert = value }; }
    [ConfigAlias("replay.samples_per_insert_tolerance")] public double SamplesPerInsertTolerance { get => Replay.SamplesPerInsertTolerance; init => Replay = Replay with { SamplesPerInsertTolerance = value }; }

    /// <summary>Rows an actor's local block can hold: a flush plus what one vector step can emit (n per copy at an episode end).</summary>
    public int BlockCapacity => FlushSize + NumEnvs * NStep;

    /// <summary>The DQN learner's view of these settings: its loss and update are reused unchanged.</summary>
    public DqnConfig ToDqnConfig() => new()
    {
        LearningRate = LearningRate, BufferSize = ReplayCapacity, BatchSize = BatchSize, Gamma = Gamma,
        TargetUpdateInterval = TargetUpdateInterval, Tau = 1.0, MaxGradNorm = MaxGradNorm, Hidden = Hidden,
        DoubleQ = DoubleQ, Dueling = Dueling, NStep = NStep, Prioritized = true, PriorityAlpha = PriorityAlpha,
        PriorityEps = PriorityEps, ValueRescaling = ValueRescaling, RescalingEps = RescalingEps, NumEnvs = NumEnvs,
        LearningStarts = MinReplaySize,
    };

    public IEnumerable<string> Validate() => Validate(ConfigPath.Root);

    public IEnumerable<string> Validate(ConfigPath at)
    {
        if (BatchSize > ReplayCapacity)
            yield return $"batch_size ({BatchSize}) must not exceed {at.Name("replay.capacity")} ({ReplayCapacity})";
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            yield return $"hidden must list positive layer sizes, got [{string.Join(", ", Hidden)}]";
        double need = (BatchSize + SamplesPerInsert * BlockCapacity) / 2;
        if (SamplesPerInsert > 0 && SamplesPerInsertTolerance < need)
            yield return $"{at.Name("replay.samples_per_insert_tolerance")} ({SamplesPerInsertTolerance}) must be at least (batch_size + replay.samples_per_insert·(flush_size + num_envs·n_step)) / 2 = {need}, or actors and learner can wait on each other forever";
    }
}
