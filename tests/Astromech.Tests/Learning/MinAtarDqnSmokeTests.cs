using Astromech.Agents.Dqn;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Nn;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;

namespace Astromech.Tests.Learning;

/// <summary>
/// DQN with the shipped MinAtar preset (conv torso, centered RMSProp) runs end to end on MinAtar/Breakout-v1 for
/// 2000 frames, and its checkpoint restores the same Q-values. A smoke test: no learning threshold (the
/// paper's returns need millions of frames).
/// </summary>
[Collection(SerialCollection.Name)]
public class MinAtarDqnSmokeTests
{
    [Fact]
    public void PresetTrainsOnBreakoutAndItsCheckpointRestores()
    {
        torch.set_num_threads(1);
        const string id = "MinAtar/Breakout-v1";
        string preset = Path.Combine(RepoPaths.Root(), "configs", "dqn", "MinAtar", "Breakout-v1.json");
        var cfg = ConfigBinder.BindFile<DqnConfig>(preset, ignoreKeys: new[] { "algo", "env", "steps", "eval_interval", "eval_episodes", "checkpoint_interval" })
            with { BufferSize = 5000, LearningStarts = 500 }; // small replay for the test
        Assert.Equal(TorsoKind.Conv, cfg.Torso);
        Assert.Equal(DqnOptimizer.Rmsprop, cfg.Optimizer);
        using var env = EnvRegistry.Make(id);
        var outDir = Directory.CreateTempSubdirectory("astromech-minatar-").FullName;
        float[] probe = env.Reset(seed: 3);
        float[] expected;
        using (var agent = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 0))
        {
            var summary = Trainer.Run(agent, () => EnvRegistry.Make(id), new TrainerOptions
            {
                EnvId = id, Seed = 0, TotalSteps = 2000, EvalEpisodes = 2, ShowProgress = false, OutDir = outDir,
                AgentConfig = ConfigBinder.ToJson(cfg),
            });
            Assert.Equal(2000, summary.EnvSteps);
            Assert.True(summary.Episodes > 0);
            Assert.InRange(agent.Learner.Updates, 1490, 1501); // one update per frame from frame 500 on
            Assert.IsType<ConvTorso>(agent.Learner.Online.named_modules().Select(m => m.module).OfType<ConvTorso>().Single());
            expected = agent.QValues(probe);
            Assert.All(expected, q => Assert.True(float.IsFinite(q)));
            Assert.True(File.Exists(summary.Checkpoint));
        }
        var checkpoint = CheckpointFile.Read(Path.Combine(outDir, "checkpoint.ckpt"));
        using (var restored = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 42))
        {
            restored.Load(checkpoint);
            Assert.Equal(expected, restored.QValues(probe));
        }
        using var mlp = new DqnAgent(cfg with { Torso = TorsoKind.Mlp }, env.ObservationSpace, env.ActionSpace, seed: 0);
        var e = Assert.Throws<CheckpointException>(() => mlp.Load(checkpoint));
        Assert.Contains("torso", e.Message);
    }
}
