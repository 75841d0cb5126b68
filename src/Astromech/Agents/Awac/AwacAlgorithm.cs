namespace Astromech.Agents.Awac;

/// <summary>AWAC's descriptor.</summary>
public static class AwacAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "awac", "AWAC: offline-to-online actor-critic, twin Q with targets, advantage-weighted maximum likelihood actor (batch softmax, clipped or normalized exp(A/λ))",
        typeof(AwacConfig), (cfg, obs, act, seed) => new AwacAgent((AwacConfig)cfg, obs, act, seed), ActionKinds.Continuous)
    {
        NotATeacherBecause = "its squashed-Gaussian policy has no teacher distribution here yet",
        LearnsOffline = true,
        Export = agent => Export.PolicyExports.SquashedGaussian("awac", ((AwacAgent)agent).Learner.Actor, (Envs.Spaces.Box)agent.ActionSpace),
        Smoke = new[] { new SmokeRun(() => new AwacConfig { LearningStarts = 100, BatchSize = 64, NetArch = new[] { 32, 32 } }, "Pendulum-v1", 1_000) },
    };
}
