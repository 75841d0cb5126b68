namespace Astromech.Agents.Bc;

/// <summary>Behaviour cloning's descriptor.</summary>
public static class BcAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "bc", "Behaviour cloning: maximum likelihood of a dataset's actions (squashed Gaussian for Box, categorical for Discrete)",
        typeof(BcConfig), (cfg, obs, act, seed) => new BcAgent((BcConfig)cfg, obs, act, seed), ActionKinds.Both)
    {
        NotATeacherBecause = "behaviour cloning is not wired as a kickstarting teacher",
        LearnsOffline = true,
        Export = agent => ((BcAgent)agent).ExportPolicy(),
        LossIgnoresRewards = true,
        Smoke = new[]
        {
            new SmokeRun(() => new BcConfig { LearningStarts = 100, BatchSize = 64, NetArch = new[] { 32, 32 } }, "Pendulum-v1", 1_000),
            new SmokeRun(() => new BcConfig { LearningStarts = 100, BatchSize = 64, NetArch = new[] { 32, 32 } }, "CartPole-v1", 1_000),
        },
    };
}
