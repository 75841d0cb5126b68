using Astromech.Agents.Sac;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;
using TorchSharp;

namespace Astromech.Tests.Learning;

/// <summary>
/// SAC learns Pendulum-v1: the shipped preset (the RL Zoo's learning rate 1e-3 on SB3's defaults) with the
/// networks cut to [64, 64] and the run to 8,000 env steps so the test takes about 35 s on one thread
/// (the full preset, [256, 256] for 20k steps, takes over 5 minutes here). Seed 0; the deterministic
/// policy's mean return over 10 evaluation episodes must reach −200, the target set for the preset. A random
/// policy scores about −1,200 and one that swings the pendulum up but cannot hold it −400 to −800, so −200
/// means it swings up and balances from most starts. Single-threaded and seeded: repeatable on this machine
/// (seed 0 gave −122 when this was written).
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class SacLearningTests
{
    private const int Steps = 8_000;

    [Fact]
    public void PendulumReachesMinus200WithTheZooPresetOnSmallerNetsInEightThousandStepsOnSeedZero()
    {
        torch.set_num_threads(1);
        string preset = Path.Combine(RepoPaths.Root(), "configs", "sac", "Pendulum-v1.json");
        var cfg = ConfigBinder.BindFile<SacConfig>(preset, ignoreKeys: new[] { "algo", "env", "steps", "eval_interval", "eval_episodes" },
            overrides: new[] { "net_arch=[64,64]" });
        using var env = EnvRegistry.Make("Pendulum-v1");
        using var agent = new SacAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 0);
        var summary = Trainer.Run(agent, () => EnvRegistry.Make("Pendulum-v1"), new TrainerOptions
        {
            EnvId = "Pendulum-v1", Seed = 0, TotalSteps = Steps, EvalEpisodes = 10, ShowProgress = false,
            OutDir = Directory.CreateTempSubdirectory("astromech-learn-").FullName, CheckpointInterval = 1_000_000,
        });
        Assert.True(summary.EvalMeanReturn >= -200, $"mean return over 10 deterministic episodes after {Steps} steps: {summary.EvalMeanReturn}");
    }
}
