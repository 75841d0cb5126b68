using Astromech.Agents;
using Astromech.Agents.Rl2;
using Astromech.Envs;
using Astromech.Envs.Meta;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;
using Astromech.Training.Meta;
using TorchSharp;

namespace Astromech.Tests.Agents.Rl2;

[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class Rl2Tests
{
    private static Rl2Config Small() => new() { NumEnvs = 4, NSteps = 20, BatchSize = 40, NEpochs = 1, CoreSize = 16, Hidden = new[] { 16 } };

    [Fact]
    public void TheDescriptorWrapsEveryEnvIntoTrialsOfTrialEpisodes()
    {
        var info = Algorithms.Get("rl2");
        using var env = info.MakeEnv(Small() with { TrialEpisodes = 7 }, "Bandit-k5");
        var trials = Assert.IsType<TrialWrapper>(env);
        Assert.Equal(7, trials.TrialEpisodes);
        Assert.Equal(1 + 5 + 2, env.ObservationSpace.FlatSize);
        var cfg = (Rl2Config)ConfigBinder.Bind(typeof(Rl2Config), null, new[] { "trial_episodes=3" });
        Assert.Equal(3, cfg.TrialEpisodes);
        Assert.Equal(Astromech.Nn.CoreKind.Gru, cfg.Recurrent);
    }

    [Fact]
    public void ConfigsWithoutMemoryOrThatCarryStateAcrossTrialsAreRefusedByName()
    {
        var e1 = Assert.Throws<ConfigException>(() => ConfigBinder.Bind(typeof(Rl2Config), null, new[] { "recurrent=none" }));
        Assert.Contains("recurrent", e1.Message);
        var e2 = Assert.Throws<ConfigException>(() => ConfigBinder.Bind(typeof(Rl2Config), null, new[] { "keep_state_across_episodes=true" }));
        Assert.Contains("keep_state_across_episodes", e2.Message);
        var e3 = Assert.Throws<ConfigException>(() => ConfigBinder.Bind(typeof(Rl2Config), null, new[] { "batch_size=150" }));
        Assert.Contains("batch_size", e3.Message);
    }

    [Fact]
    public void TheInnerLearnerTakesRl2sKeysAndItsName()
    {
        torch.set_num_threads(1);
        var info = Algorithms.Get("rl2");
        using var env = info.MakeEnv(Small(), "Bandit-k5");
        using var ppo = (Rl2Agent)info.Create(Small() with { LearningRate = 0.002 }, env.ObservationSpace, env.ActionSpace, 0);
        Assert.Equal("rl2", ppo.Inner.Algo);
        Assert.Equal(0.002, ppo.InnerConfig.LearningRate);
        Assert.Equal(16, ppo.InnerConfig.CoreSize);
        Assert.IsType<Astromech.Agents.Ppo.PpoAgent>(ppo.Inner);
        using var a2c = (Rl2Agent)info.Create(Small() with { Learner = Rl2Learner.A2c }, env.ObservationSpace, env.ActionSpace, 0);
        Assert.IsType<Astromech.Agents.A2c.A2cAgent>(a2c.Inner);
    }

    [Fact]
    public void HeldOutTrialsLeaveTrainingAloneAndAnUntrainedAgentPullsAtRandom()
    {
        torch.set_num_threads(1);
        var info = Algorithms.Get("rl2");
        var cfg = Small();
        using var env = info.MakeEnv(cfg, "Bandit-k5");
        using var agent = (Rl2Agent)info.Create(cfg, env.ObservationSpace, env.ActionSpace, 3);
        // Train a little so the training rows hold a state and a rollout is in progress.
        Trainer.Run(agent, () => info.MakeEnv(cfg, "Bandit-k5"), new TrainerOptions
        {
            EnvId = "Bandit-k5", TotalSteps = 90, OutDir = Path.Combine(Path.GetTempPath(), $"rl2-test-{Guid.NewGuid():N}"),
            EvalEpisodes = 1, CheckpointInterval = 0, ShowProgress = false,
        });
        var inner = (Astromech.Agents.ActorCritic.OnPolicyAgent<Astromech.Agents.Ppo.PpoConfig>)agent.Inner;
        var stateBefore = inner.TrainingState.ToArray();
        int countBefore = inner.Rollout.Count;

        var tasks = ((ITaskFamily)new BernoulliBandit(5)).SampleTasks(new Rng(8), 400);
        TrialWrapper Make() => (TrialWrapper)info.MakeEnv(cfg, "Bandit-k5");
        var r = TrialEvaluation.RunAgent("rl2", agent, Make, tasks, 100, batch: 64);
        Assert.Equal(400, r.Tasks);
        Assert.Equal(10, r.Episodes);
        Assert.Equal(stateBefore, inner.TrainingState.ToArray());
        Assert.Equal(countBefore, inner.Rollout.Count);
        // An almost untrained policy is close to uniform, so it earns the prior mean ½ per pull: 5 per trial, within 4 s.e.
        Assert.InRange(r.Mean, 5 - 4 * r.StandardError, 5 + 4 * r.StandardError);
        var baselines = TrialEvaluation.RunBaselines(Make, tasks, 100, tuningTasks: 50);
        Assert.Contains(baselines, b => b.Name == "gittins");
        Assert.Contains(baselines, b => b.Name == "ucb1 tuned" && b.Parameter is not null);
    }
}
