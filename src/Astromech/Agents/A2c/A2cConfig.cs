using Astromech.Agents.ActorCritic;
using Astromech.Training.Config;

namespace Astromech.Agents.A2c;

/// <summary>
/// A2C, the synchronous variant of A3C (Mnih et al. 2016): every n_steps × num_envs transitions, one gradient
/// step on the advantage actor-critic loss. Defaults are Stable-Baselines3's: RMSProp (α 0.99, ε 1e-5),
/// lr 7e-4, n_steps 5, γ 0.99, λ 1 (plain n-step returns), value weight 0.5, no entropy bonus, gradient
/// norm clip 0.5, no advantage normalization, separate 64-64 tanh torsos.
/// </summary>
public sealed record A2cConfig : OnPolicyConfig
{
    public A2cConfig()
    {
        LearningRate = 7e-4;
        NSteps = 5;
        GaeLambda = 1.0;
        NormalizeAdvantage = false;
    }

    /// <summary>RMSProp's smoothing constant.</summary>
    [ConfigRange(0, 1)] public double RmsAlpha { get; init; } = 0.99;
    [ConfigRange(0, 1, MinExclusive = true)] public double RmsEps { get; init; } = 1e-5;
    /// <summary>Adam instead of RMSProp.</summary>
    public bool UseAdam { get; init; } = false;

    protected override bool AcceptsRecurrentCore() => true;
}
