using Astromech.Nn;
using Astromech.Replay;
using Astromech.Training.Config;

namespace Astromech.Agents.R2d2;

/// <summary>
/// How the learner gets the LSTM state it starts each replayed sequence from (Kapturowski et al. 2019, §3):
/// zero or the stored actor state, with or without a burn-in of <c>burn_in</c> steps unrolled without gradient
/// before the trained part.
/// </summary>
public enum StartState { Zero, ZeroBurnin, Stored, StoredBurnin }

/// <summary>How actors pick ε.</summary>
public enum EpsilonSchedule
{
    /// <summary>Ape-X (Horgan et al. 2018): env copy i of N (over all actors) uses ε_i = ε^(1 + α·i/(N − 1)), fixed.</summary>
    PerActor,
    /// <summary>One ε for every copy, linear from exploration_initial_eps to exploration_final_eps over exploration_fraction of the run.</summary>
    Linear,
}

/// <summary>
/// R2D2 (Kapturowski et al. 2019, "Recurrent Experience Replay in Distributed Reinforcement Learning"). Paper
/// values, where kept: sequences of 80 steps overlapping by 40 with a burn-in of 40, stored state + burn-in,
/// n = 5, γ = 0.997, value rescaling h with ε = 1e-3, Adam lr 1e-4 / eps 1e-3, priority exponent 0.9, IS
/// exponent 0.6, priority mixture η = 0.9, Ape-X ε_i with ε = 0.4, α = 7, batch 64.
/// Sized for classic control on two cores instead of the paper's Atari scale: LSTM 64 units (paper 512) over
/// an MLP torso, replay of 10k sequences (paper 100k), target update every 500 learner updates (paper 2500:
/// with far fewer updates per second here, 2500 would leave CartPole-scale runs with a handful of target
/// updates), 2 actor threads.
/// </summary>
public sealed record R2d2Config : IValidatableConfig
{
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 1e-4;
    /// <summary>Anneal the learning rate linearly to 0 over the run (off in the paper; small runs with a large
    /// learning rate otherwise tend to fall off a solved CartPole policy late in the run).</summary>
    public bool LrAnneal { get; init; } = false;
    /// <summary>Adam's ε (paper: 1e-3, much larger than Adam's usual 1e-8).</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double AdamEps { get; init; } = 1e-3;
    /// <summary>Sequences per learner batch.</summary>
    [ConfigRange(1, 1e5)] public int BatchSize { get; init; } = 64;
    /// <summary>L: steps per stored sequence, burn-in included.</summary>
    [ConfigRange(1, 1e5)] public int SequenceLength { get; init; } = 80;
    /// <summary>Steps shared by consecutive sequences of an episode (a new sequence starts every sequence_length − overlap steps).</summary>
    [ConfigRange(0, 1e5)] public int Overlap { get; init; } = 40;
    /// <summary>Steps unrolled without gradient to produce the start state (used by zero_burnin and stored_burnin).</summary>
    [ConfigRange(0, 1e5)] public int BurnIn { get; init; } = 40;
    public StartState StartState { get; init; } = StartState.StoredBurnin;
    /// <summary>n of the n-step double-Q targets.</summary>
    [ConfigRange(1, 1000)] public int NStep { get; init; } = 5;
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.997;
    /// <summary>Value rescaling h / h⁻¹ on the targets (Pohlen et al. 2018); off gives plain n-step double Q.</summary>
    public bool ValueRescaling { get; init; } = true;
    [ConfigRange(0, 1)] public double RescalingEps { get; init; } = 1e-3;
    /// <summary>Learner updates between copies of the online network into the target network.</summary>
    [ConfigRange(1, 1e9)] public int TargetUpdateInterval { get; init; } = 500;
    /// <summary>Global gradient-norm clip; 0 disables (the paper does not clip; this is a safety net).</summary>
    [ConfigRange(0, 1e9)] public double MaxGradNorm { get; init; } = 40;

    /// <summary>
    /// Replay of sequences: 10k (paper 100k), learning from 100, priority exponent 0.9 and IS exponent 0.6 (the paper's).
    /// Its rate limit between actors and learner (0: off, the paper's free-running sides) counts sampled sequences per
    /// inserted sequence: the learner waits when it is ahead by more than samples_per_insert_tolerance sequences, actors
    /// wait when they are ahead by more than that. It keeps small runs on few cores from being all acting or all
    /// learning, and makes the learning per env step independent of thread speeds.
    /// </summary>
    public ReplayConfig Replay { get; init; } = new()
    {
        Capacity = 10_000, MinSize = 100, PriorityExponent = 0.9, ImportanceSamplingExponent = 0.6,
        SamplesPerInsert = 0, SamplesPerInsertTolerance = 640,
    };
    /// <summary>η of the sequence priority η·max|δ| + (1 − η)·mean|δ|.</summary>
    [ConfigRange(0, 1)] public double PriorityEta { get; init; } = 0.9;

    /// <summary>MLP torso hidden sizes; with the conv torso, its fully connected layers.</summary>
    public int[] Hidden { get; init; } = { 64 };
    /// <summary>Torso: auto (conv for C×H×W observations such as MinAtar's, MLP otherwise), mlp or conv.</summary>
    public TorsoKind Torso { get; init; } = TorsoKind.Auto;
    /// <summary>Filters of the conv torso's 3×3 convolution (MinAtar: 16).</summary>
    [ConfigRange(1, 4096)] public int ConvFilters { get; init; } = 16;
    [ConfigRange(1, 65536)] public int LstmSize { get; init; } = 64;
    /// <summary>Added to the LSTM's forget-gate bias at initialisation: 0 keeps PyTorch's init, 1 is Sonnet's
    /// (the paper's library) and Jozefowicz et al.'s, for memories that must last many steps (TMaze).</summary>
    [ConfigRange(-10, 10)] public double LstmForgetBias { get; init; } = 0;

    /// <summary>Actor threads, each with num_envs env copies and its own network copy.</summary>
    [ConfigRange(1, 256)] public int Actors { get; init; } = 2;
    [ConfigRange(1, 4096)] public int NumEnvs { get; init; } = 4;
    /// <summary>Vector steps an actor takes between pulls of the learner's parameters (paper: every 400 frames).</summary>
    [ConfigRange(1, 1e9)] public int ParamSyncInterval { get; init; } = 100;

    public EpsilonSchedule EpsilonSchedule { get; init; } = EpsilonSchedule.PerActor;
    /// <summary>Ape-X ε (base of ε_i).</summary>
    [ConfigRange(0, 1)] public double ApexEpsilon { get; init; } = 0.4;
    /// <summary>Ape-X α (spread of ε_i over the copies).</summary>
    [ConfigRange(0, 1e3)] public double ApexAlpha { get; init; } = 7;
    [ConfigRange(0, 1)] public double ExplorationInitialEps { get; init; } = 1.0;
    [ConfigRange(0, 1)] public double ExplorationFinalEps { get; init; } = 0.05;
    [ConfigRange(0, 1)] public double ExplorationFraction { get; init; } = 0.1;

    /// <summary>Burn-in steps the learner actually uses under <see cref="StartState"/> (0 for zero and stored).</summary>
    public int EffectiveBurnIn => StartState is StartState.ZeroBurnin or StartState.StoredBurnin ? BurnIn : 0;
    /// <summary>Whether the start state comes from the replayed actor state.</summary>
    public bool UsesStoredState => StartState is StartState.Stored or StartState.StoredBurnin;

    // The replay keys from before they were a record of their own, still bound (configs/, checkpoints) and still readable in code.
    [ConfigAlias("replay.capacity")] public int ReplayCapacity { get => Replay.Capacity; init => Replay = Replay with { Capacity = value }; }
    [ConfigAlias("replay.min_size")] public int MinReplaySize { get => Replay.MinSize; init => Replay = Replay with { MinSize = value }; }
    [ConfigAlias("replay.priority_exponent")] public double PriorityExponent { get => Replay.PriorityExponent; init => Replay = Replay with { PriorityExponent = value }; }
    [ConfigAlias("replay.importance_sampling_exponent")] public double ImportanceSamplingExponent { get => Replay.ImportanceSamplingExponent; init => Replay = Replay with { ImportanceSamplingExponent = value }; }
    [ConfigAlias("replay.samples_per_insert")] public double SamplesPerInsert { get => Replay.SamplesPerInsert; init => Replay = Replay with { SamplesPerInsert = value }; }
    [ConfigAlias("replay.samples_per_insert_tolerance")] public double SamplesPerInsertTolerance { get => Replay.SamplesPerInsertTolerance; init => Replay = Replay with { SamplesPerInsertTolerance = value }; }

    public IEnumerable<string> Validate() => Validate(ConfigPath.Root);

    public IEnumerable<string> Validate(ConfigPath at)
    {
        if (SequenceLength <= BurnIn)
            yield return $"sequence_length ({SequenceLength}) must be larger than burn_in ({BurnIn}): the steps after the burn-in are the ones trained on";
        if (Overlap >= SequenceLength)
            yield return $"overlap ({Overlap}) must be smaller than sequence_length ({SequenceLength}): consecutive sequences start sequence_length − overlap steps apart";
        if (BatchSize > ReplayCapacity)
            yield return $"batch_size ({BatchSize}) must not exceed {at.Name("replay.capacity")} ({ReplayCapacity})";
        if (ExplorationFinalEps > ExplorationInitialEps)
            yield return $"exploration_final_eps ({ExplorationFinalEps}) must not exceed exploration_initial_eps ({ExplorationInitialEps})";
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            yield return $"hidden must list positive layer sizes, got [{string.Join(", ", Hidden)}]";
    }
}
