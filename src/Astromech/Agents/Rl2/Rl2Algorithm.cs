using Astromech.Envs.Meta;

namespace Astromech.Agents.Rl2;

/// <summary>RL²'s descriptor: every env of its runs is wrapped into trials of trial_episodes episodes.</summary>
public static class Rl2Algorithm
{
    // Trials of 10 one-pull episodes; a rollout of 20 steps is two whole trials, so every rollout (and the conformance
    // suite's checkpoint at half the steps) ends where every row's core has just been reset. PointNav's run is 2,000
    // steps (rollouts of 2 × 100, so the checkpoint at 1,000 ends one) so that it lasts long enough (~1 s) for the
    // GC-hammer case to force its 50 collections during it (400 steps took 0.3 s and forced 46 on CI); the bandit run
    // is 800 steps (rollouts of 2 × 20) for the same margin.
    private static Rl2Config SmokeConfig() => new() { NumEnvs = 2, NSteps = 20, BatchSize = 20, NEpochs = 2, CoreSize = 16, Hidden = new[] { 16 } };

    public static AlgorithmInfo Info { get; } = new(
        "rl2", "RL2 / learning to reinforcement learn: recurrent PPO (or A2C) over trials of a task family, fed previous action, reward and done",
        typeof(Rl2Config), (cfg, obs, act, seed) => new Rl2Agent((Rl2Config)cfg, obs, act, seed), ActionKinds.Both)
    {
        NotATeacherBecause = "an RL2 policy needs the trial inputs (previous action, reward, done) and its memory of the trial, which a kickstarted student's env does not give",
        // The inner learner's recurrent network; its observations are the trial wrapper's (obs, previous action, reward, done).
        Export = Export.PolicyExports.ActorCriticAgent,
        WrapEnv = (cfg, env) => new TrialWrapper(env, ((Rl2Config)cfg).TrialEpisodes),
        Smoke = new[]
        {
            new SmokeRun(SmokeConfig, "Bandit-k5", 800),
            new SmokeRun(() => SmokeConfig() with { TrialEpisodes = 1, NSteps = 100, BatchSize = 100 }, "PointNav2D-v0", 2_000),
        },
    };
}
