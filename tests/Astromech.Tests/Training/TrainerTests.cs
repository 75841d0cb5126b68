using Astromech.Agents.Dqn;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Checkpoints;

namespace Astromech.Tests.Training;

public class TrainerTests
{
    private static DqnConfig Small => new()
    {
        LearningRate = 1e-3, BatchSize = 32, BufferSize = 10_000, LearningStarts = 500,
        TargetUpdateInterval = 200, Hidden = new[] { 32 }, NumEnvs = 2,
    };

    private static RunSummary Train(string dir, long steps, string? resume = null)
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = new DqnAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 2);
        return Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 2, TotalSteps = steps, OutDir = dir, EvalEpisodes = 4,
            ShowProgress = false, ResumeFrom = resume, RewardThreshold = 475,
        });
    }

    [Fact]
    public void ResumeContinuesCountersHistoryAndReplay()
    {
        string dir = Directory.CreateTempSubdirectory("astromech-trainer-").FullName;
        var first = Train(dir, 2000);
        Assert.Equal(2000, first.EnvSteps);
        var ckpt = CheckpointFile.Read(Path.Combine(dir, "checkpoint.ckpt"));
        Assert.Equal(2000L, (long)ckpt.GetJsonNode("trainer/meta")["env_steps"]!);

        string dir2 = Directory.CreateTempSubdirectory("astromech-trainer-").FullName;
        var second = Train(dir2, 3000, resume: Path.Combine(dir, "checkpoint.ckpt"));
        Assert.Equal(3000, second.EnvSteps);
        Assert.True(second.Episodes > first.Episodes, "episode history continues across the resume");
        var after = CheckpointFile.Read(Path.Combine(dir2, "checkpoint.ckpt"));
        long updates = (long)after.GetJsonNode("dqn/counters")["updates"]!;
        // Updates run once per 4 env steps after learning_starts: (3000 − 500) / 4, whichever process ran them.
        Assert.InRange(updates, 620, 626);
    }

    [Fact]
    public void PeriodicEvaluationKeepsTheBestCheckpoint()
    {
        string dir = Directory.CreateTempSubdirectory("astromech-trainer-").FullName;
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = new DqnAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 2);
        var s = Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 2, TotalSteps = 1500, OutDir = dir, EvalEpisodes = 3, EvalInterval = 500, ShowProgress = false,
        });
        Assert.NotNull(s.BestEvalMeanReturn);
        Assert.Contains(s.BestEvalStep!.Value, new long[] { 500, 1000, 1500 });
        var best = CheckpointFile.Read(Path.Combine(dir, "checkpoint.best.ckpt"));
        Assert.Equal(s.BestEvalStep.Value, (long)best.GetJsonNode("trainer/meta")["env_steps"]!);

        // A resumed run remembers the best evaluation, so it cannot overwrite a better best checkpoint.
        using var agent2 = new DqnAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 2);
        var resumed = Trainer.Run(agent2, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 2, TotalSteps = 1600, OutDir = dir, EvalEpisodes = 3, ShowProgress = false,
            ResumeFrom = Path.Combine(dir, "checkpoint.ckpt"),
        });
        Assert.Equal(s.BestEvalMeanReturn, resumed.BestEvalMeanReturn);
        Assert.Equal(s.BestEvalStep, resumed.BestEvalStep);
    }

    [Fact]
    public void ResumeRefusesACheckpointOfAnotherEnv()
    {
        string dir = Directory.CreateTempSubdirectory("astromech-trainer-").FullName;
        Train(dir, 600);
        using var env = EnvRegistry.Make("Acrobot-v1");
        using var agent = new DqnAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 2);
        var e = Assert.Throws<CheckpointException>(() => Trainer.Run(agent, () => EnvRegistry.Make("Acrobot-v1"), new TrainerOptions
        {
            EnvId = "Acrobot-v1", TotalSteps = 1000, OutDir = dir + "-b", ShowProgress = false,
            ResumeFrom = Path.Combine(dir, "checkpoint.ckpt"),
        }));
        Assert.Contains("CartPole-v1", e.Message);
        Assert.Contains("Acrobot-v1", e.Message);
    }
}
