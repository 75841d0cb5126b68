using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;
using TorchSharp;

namespace Astromech.Tests.Learning;

/// <summary>
/// One learning run from a shipped preset (<c>configs/&lt;algo&gt;/&lt;env&gt;.json</c>) with the Trainer, on one torch
/// thread, as <c>astromech train</c> would run it: the preset's run keys (algo, env, steps, eval_interval) are left to the
/// caller, <paramref name="overrides"/> are <c>key=value</c> config overrides like <c>--set</c>.
/// </summary>
internal static class PresetRun
{
    public static RunSummary Train(string algo, string envId, int seed, long steps, long evalInterval, int evalEpisodes,
        double? rewardThreshold, string? outDir = null, params string[] overrides)
    {
        torch.set_num_threads(1);
        TorchSetup.Configure(1);
        var info = Algorithms.Get(algo);
        string preset = Path.Combine(RepoPaths.Root(), "configs", algo, envId + ".json");
        var json = JsonNode.Parse(File.ReadAllText(preset),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        var cfg = ConfigBinder.Bind(info.ConfigType, json, overrides, new[] { "algo", "env", "steps", "eval_interval" });
        using var env = EnvRegistry.Make(envId);
        using var agent = info.Create(cfg, env.ObservationSpace, env.ActionSpace, seed);
        return Trainer.Run(agent, () => EnvRegistry.Make(envId), new TrainerOptions
        {
            EnvId = envId, Seed = seed, TotalSteps = steps, EvalEpisodes = evalEpisodes, EvalInterval = evalInterval,
            ShowProgress = false, CheckpointInterval = 0, RewardThreshold = rewardThreshold,
            OutDir = outDir ?? Directory.CreateTempSubdirectory("astromech-learn-").FullName,
            AgentConfig = ConfigBinder.ToJson(cfg),
        });
    }
}
