namespace Astromech.Agents.Sac;

/// <summary>SAC's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it.</summary>
public static class SacAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "sac", "SAC: soft actor-critic with twin Q, tanh-squashed Gaussian policy, learned entropy temperature, optional action noise",
        typeof(SacConfig), (cfg, obs, act, seed) => new SacAgent((SacConfig)cfg, obs, act, seed), ActionKinds.Continuous)
    {
        NotATeacherBecause = "its squashed-Gaussian policy has no teacher distribution here yet",
        LearnsOffline = true,
        Export = agent => Export.PolicyExports.SquashedGaussian("sac", ((SacAgent)agent).Learner.Actor, (Envs.Spaces.Box)agent.ActionSpace),
        Smoke = new[] { new SmokeRun(() => new SacConfig { LearningStarts = 100, BatchSize = 64, NetArch = new[] { 32, 32 } }, "Pendulum-v1", 1_000) },
    };
}
