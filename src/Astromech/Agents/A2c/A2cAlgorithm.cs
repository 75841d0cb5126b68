using Astromech.Agents.Kickstarting;

namespace Astromech.Agents.A2c;

/// <summary>A2C's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it.</summary>
public static class A2cAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "a2c", "A2C: synchronous advantage actor-critic on vectorized envs (n-step/GAE returns, RMSProp)",
        typeof(A2cConfig), (cfg, obs, act, seed) => new A2cAgent((A2cConfig)cfg, obs, act, seed), ActionKinds.Both)
    {
        TeacherPolicy = TeacherPolicies.ActorCritic,
        Export = Export.PolicyExports.ActorCriticAgent,
        Smoke = new[]
        {
            new SmokeRun(() => new A2cConfig { NumEnvs = 2, NSteps = 5, EntCoef = 0.01 }, "CartPole-v1", 2_000),
            new SmokeRun(() => new A2cConfig { NumEnvs = 2, NSteps = 5, EntCoef = 0.01 }, "Pendulum-v1", 10_000),
        },
    };
}
