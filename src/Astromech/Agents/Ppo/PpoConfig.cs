using Astromech.Agents.ActorCritic;
using Astromech.Training.Config;

namespace Astromech.Agents.Ppo;

/// <summary>
/// PPO with the clipped surrogate objective (Schulman et al. 2017). Defaults are Stable-Baselines3's:
/// Adam lr 3e-4, n_steps 2048, batch 64, 10 epochs, γ 0.99, λ 0.95, clip 0.2, no value clipping, no
/// entropy bonus, value weight 0.5, gradient-norm clip 0.5, per-minibatch advantage normalization,
/// separate 64-64 tanh torsos with orthogonal initialization.
/// </summary>
public sealed record PpoConfig : OnPolicyConfig
{
    /// <summary>Minibatch size (rows of the n_steps × num_envs rollout).</summary>
    [ConfigRange(1, 1e8)] public int BatchSize { get; init; } = 64;
    /// <summary>Passes over the rollout per iteration.</summary>
    [ConfigRange(1, 1000)] public int NEpochs { get; init; } = 10;
    /// <summary>ε of the clipped ratio.</summary>
    [ConfigRange(0, 10, MinExclusive = true)] public double ClipRange { get; init; } = 0.2;
    /// <summary>Anneal the clip range linearly to 0 over the run (the Zoo's "lin_0.2").</summary>
    public bool ClipRangeAnneal { get; init; } = false;
    /// <summary>Clip the value prediction to within this of the old value (OpenAI baselines' value clipping); 0 disables.</summary>
    [ConfigRange(0, 1e6)] public double ClipRangeVf { get; init; } = 0;
    /// <summary>Stop an iteration's epochs early once the approximate KL to the behaviour policy exceeds 1.5 × this; 0 disables.</summary>
    [ConfigRange(0, 1e3)] public double TargetKl { get; init; } = 0;

    public override IEnumerable<string> Validate()
    {
        foreach (var e in base.Validate()) yield return e;
        if (BatchSize > NSteps * NumEnvs)
            yield return $"batch_size ({BatchSize}) must not exceed the rollout size n_steps × num_envs ({NSteps} × {NumEnvs} = {NSteps * NumEnvs})";
        if (BatchSize < 2 && NormalizeAdvantage)
            yield return "normalize_advantage needs batch_size ≥ 2 (the standard deviation of one advantage is undefined)";
        if (Recurrent != Nn.CoreKind.None && BatchSize % NSteps != 0)
            yield return $"batch_size ({BatchSize}) must be a multiple of n_steps ({NSteps}) with a recurrent core: minibatches are whole env rows of n_steps steps each";
    }

    protected override bool AcceptsRecurrentCore() => true;
}
