using Astromech.Agents.Kickstarting;

namespace Astromech.Agents.Ppo;

/// <summary>PPO's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it.</summary>
public static class PpoAlgorithm
{
    private static PpoConfig SmokeConfig() => new() { NumEnvs = 2, NSteps = 256, BatchSize = 64, NEpochs = 2, ClipRangeVf = 0.2, ClipRangeAnneal = true, TargetKl = 0.5 };

    public static AlgorithmInfo Info { get; } = new(
        "ppo", "PPO: clipped surrogate, GAE, minibatch epochs, advantage normalization, optional value clipping, lr annealing",
        typeof(PpoConfig), (cfg, obs, act, seed) => new PpoAgent((PpoConfig)cfg, obs, act, seed), ActionKinds.Both)
    {
        TeacherPolicy = TeacherPolicies.ActorCritic,
        Export = Export.PolicyExports.ActorCriticAgent,
        Smoke = new[]
        {
            new SmokeRun(SmokeConfig, "CartPole-v1", 2_048),
            new SmokeRun(SmokeConfig, "Pendulum-v1", 4_096),
        },
    };
}
