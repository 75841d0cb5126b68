using Astromech.Agents.ActorCritic;
using Astromech.Training.Config;

namespace Astromech.Agents.Impala;

/// <summary>
/// IMPALA (Espeholt et al. 2018): actor threads generate fixed-length unrolls with their behaviour policy's
/// log-probabilities into a bounded queue; one learner consumes batches of unrolls and corrects the policy lag
/// with V-trace (ρ̄ = c̄ = 1 as in the paper). Defaults here are sized for classic control on two cores; the
/// paper's Atari/DMLab settings (unroll 20, batch 32, RMSProp) carry over through the config.
/// </summary>
public sealed record ImpalaConfig : OnPolicyConfig
{
    public ImpalaConfig()
    {
        LearningRate = 1e-3;
        NSteps = 20;
        NumEnvs = 4;
        EntCoef = 0.01;
        MaxGradNorm = 40;
        NormalizeAdvantage = false;
        GaeLambda = 1.0;
    }

    /// <summary>Actor threads (each with num_envs env copies and its own network copy).</summary>
    [ConfigRange(1, 256)] public int Actors { get; init; } = 2;
    /// <summary>Unrolls per learner batch.</summary>
    [ConfigRange(1, 4096)] public int BatchSize { get; init; } = 2;
    /// <summary>Capacity of the unroll queue between actors and learner (actors block when it is full).</summary>
    [ConfigRange(1, 1e6)] public int QueueCapacity { get; init; } = 8;
    /// <summary>V-trace correction on (true) or off (false: the same targets with ρ = c = 1, the paper's "no correction").</summary>
    public bool Vtrace { get; init; } = true;
    /// <summary>ρ̄: truncation of the importance weights in the temporal differences (the fixed point's policy).</summary>
    [ConfigRange(0, 1e6, MinExclusive = true)] public double RhoBar { get; init; } = 1.0;
    /// <summary>c̄: truncation of the trace-cutting weights (the speed of convergence).</summary>
    [ConfigRange(0, 1e6, MinExclusive = true)] public double CBar { get; init; } = 1.0;
    /// <summary>Truncation of the importance weight in the policy-gradient term.</summary>
    [ConfigRange(0, 1e6, MinExclusive = true)] public double PgRhoBar { get; init; } = 1.0;
    /// <summary>Unrolls an actor generates between parameter pulls (1: the newest parameters before each unroll).
    /// Larger values add policy lag on purpose, to study the correction.</summary>
    [ConfigRange(1, 1e6)] public int ParamSyncInterval { get; init; } = 1;
    /// <summary>RMSProp (the paper's optimizer) instead of Adam.</summary>
    public bool UseRmsprop { get; init; } = false;
    [ConfigRange(0, 1)] public double RmsAlpha { get; init; } = 0.99;
    [ConfigRange(0, 1, MinExclusive = true)] public double RmsEps { get; init; } = 0.01;

    public override IEnumerable<string> Validate()
    {
        foreach (var e in base.Validate()) yield return e;
        if (CBar > RhoBar) yield return $"c_bar ({CBar}) must not exceed rho_bar ({RhoBar}) (V-trace assumes ρ̄ ≥ c̄)";
        if (QueueCapacity < BatchSize) yield return $"queue_capacity ({QueueCapacity}) must hold at least one batch (batch_size {BatchSize})";
    }
}
