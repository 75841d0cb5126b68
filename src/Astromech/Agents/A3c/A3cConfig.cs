using Astromech.Agents.ActorCritic;
using Astromech.Training.Config;

namespace Astromech.Agents.A3c;

/// <summary>
/// A3C (Mnih et al. 2016): worker threads, each with its own env copies and network copy, compute
/// advantage actor-critic gradients on short rollouts (t_max = n_steps) and apply them to the shared
/// parameters with a shared RMSProp, then re-sync. Defaults match <see cref="A2c.A2cConfig"/> (RMSProp α 0.99,
/// ε 1e-5, lr 7e-4, n_steps 5, λ 1, value weight 0.5) so the two compare on equal terms; the paper used a
/// shared RMSProp with ε 0.1 and an entropy weight of 0.01.
/// </summary>
public sealed record A3cConfig : OnPolicyConfig
{
    public A3cConfig()
    {
        LearningRate = 7e-4;
        NSteps = 5;
        GaeLambda = 1.0;
        NormalizeAdvantage = false;
    }

    /// <summary>Worker threads.</summary>
    [ConfigRange(1, 256)] public int Workers { get; init; } = 2;
    [ConfigRange(0, 1)] public double RmsAlpha { get; init; } = 0.99;
    [ConfigRange(0, 1, MinExclusive = true)] public double RmsEps { get; init; } = 1e-5;

    public override IEnumerable<string> Validate()
    {
        foreach (var e in base.Validate()) yield return e;
    }
}
