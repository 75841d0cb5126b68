using Astromech.Agents.Kickstarting;

namespace Astromech.Agents.A3c;

/// <summary>A3C's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it.</summary>
public static class A3cAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "a3c", "A3C: asynchronous worker threads with their own env and network copies, locked updates to shared parameters",
        typeof(A3cConfig), (cfg, obs, act, seed) => new A3cAgent((A3cConfig)cfg, obs, act, seed), ActionKinds.Both)
    {
        ActorCountKey = "workers",
        TeacherPolicy = TeacherPolicies.ActorCritic,
        Export = Export.PolicyExports.ActorCriticAgent,
        Smoke = new[]
        {
            new SmokeRun(() => new A3cConfig { Workers = 2, NumEnvs = 2, NSteps = 5 }, "CartPole-v1", 20_000),
            new SmokeRun(() => new A3cConfig { Workers = 2, NumEnvs = 2, NSteps = 5 }, "Pendulum-v1", 20_000),
        },
    };
}
