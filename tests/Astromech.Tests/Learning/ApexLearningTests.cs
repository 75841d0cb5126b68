using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;
using TorchSharp;

namespace Astromech.Tests.Learning;

/// <summary>
/// Ape-X learns CartPole-v1 with the shipped preset (2 actor threads × 2 env copies, per-copy ε_i, actor-side
/// priorities, rate-limited to 32 samples per inserted transition) on seed 0, judged like the other threaded
/// agents by its best periodic evaluation (100 greedy episodes) against Gymnasium's threshold of 475. Threads
/// make the run not bit-repeatable; the rate limiter makes the updates per env step independent of their speeds.
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class ApexLearningTests
{
    [Fact]
    public void ApexWithTwoActorThreadsSolvesCartPole()
    {
        torch.set_num_threads(1);
        TorchSetup.Configure(1);
        var info = Algorithms.Get("apex");
        string preset = Path.Combine(RepoPaths.Root(), "configs", "apex", "CartPole-v1.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(preset),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        var cfg = ConfigBinder.Bind(info.ConfigType, json, null, new[] { "algo", "env", "steps", "eval_interval" });
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 0);
        var s = Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 0, TotalSteps = 25_000, EvalEpisodes = 100, EvalInterval = 5_000,
            ShowProgress = false, CheckpointInterval = 0, RewardThreshold = 475,
            OutDir = Directory.CreateTempSubdirectory("astromech-learn-").FullName,
        });
        Assert.True(s.BestEvalMeanReturn >= 475, $"Ape-X best periodic evaluation within 25k steps: {s.BestEvalMeanReturn} (final {s.EvalMeanReturn})");
    }
}
