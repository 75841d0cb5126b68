using Astromech.Agents.Dqn;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;
using TorchSharp;

namespace Astromech.Tests.Learning;

/// <summary>
/// DQN learns CartPole-v1: with the shipped preset (the RL Zoo's tuned hyperparameters, 50k env steps) and
/// seed 0, the final greedy policy's mean return over 100 evaluation episodes reaches Gymnasium's threshold
/// of 475. Single-threaded and seeded, so the run is repeatable on this machine (~30 s in Release).
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class DqnLearningTests
{
    [Fact]
    public void CartPoleReachesGymnasiumsThresholdWithTheZooPresetOnSeedZero()
    {
        torch.set_num_threads(1);
        string preset = Path.Combine(RepoRoot(), "configs", "dqn", "CartPole-v1.json");
        var cfg = ConfigBinder.BindFile<DqnConfig>(preset, ignoreKeys: new[] { "algo", "env", "steps", "eval_interval" });
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 0);
        var summary = Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 0, TotalSteps = 50_000, EvalEpisodes = 100, ShowProgress = false,
            OutDir = Directory.CreateTempSubdirectory("astromech-learn-").FullName, RewardThreshold = 475,
        });
        Assert.True(summary.EvalMeanReturn >= 475, $"mean return over 100 greedy episodes after 50k steps: {summary.EvalMeanReturn}");
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Astromech.slnx"))) d = d.Parent;
        return d?.FullName ?? throw new DirectoryNotFoundException("repository root (Astromech.slnx) not found above " + AppContext.BaseDirectory);
    }
}
