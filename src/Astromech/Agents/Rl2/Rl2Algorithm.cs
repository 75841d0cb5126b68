using Astromech.Envs.Meta;

namespace Astromech.Agents.Rl2;

/// <summary>RL²'s descriptor: every env of its runs is wrapped into trials of trial_episodes episodes.</summary>
public static class Rl2Algorithm
{
    // Trials of 10 one-pull episodes; a rollout of 20 steps is two whole trials, so every rollout (and the conformance
    // suite's checkpoint at half the steps) ends where every row's core has just been reset.
    private static Rl2Config SmokeConfig() => new() { NumEnvs = 2, NSteps = 20, BatchSize = 20, NEpochs = 2, CoreSize = 16, Hidden = new[] { 16 } };

    public static AlgorithmInfo Info { get; } = new(
        "rl2", "RL2 / learning to reinforcement learn: recurrent PPO (or A2C) over trials of a task family, fed previous action, reward and done",
        typeof(Rl2Config), (cfg, obs, act, seed) => new Rl2Agent((Rl2Config)cfg, obs, act, seed), ActionKinds.Both)
    {
        NotATeacherBecause = "an RL2 policy needs the trial inputs (previous action, reward, done) and its memory of the trial, which a kickstarted student's env does not give",
        WrapEnv = (cfg, env) => new TrialWrapper(env, ((Rl2Config)cfg).TrialEpisodes),
        Smoke = new[]
        {
            new SmokeRun(SmokeConfig, "Bandit-k5", 400),
            new SmokeRun(() => SmokeConfig() with { TrialEpisodes = 1, NSteps = 100, BatchSize = 100 }, "PointNav2D-v0", 400),
        },
    };
}
