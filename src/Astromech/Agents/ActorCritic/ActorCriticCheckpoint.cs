using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp.Modules;

namespace Astromech.Agents.ActorCritic;

/// <summary>
/// The checkpoint sections every actor-critic agent writes under its algorithm's name: config, shape,
/// counters, network, optimizer and RNG. Loading checks the shape and the config keys that decide the
/// network's layout, naming what differs.
/// </summary>
public static class ActorCriticCheckpoint
{
    private static readonly string[] LayoutKeys = { "hidden", "activation", "share_torso", "torso", "conv_filters" };

    public static void Save(Checkpoint c, string algo, object config, int obsSize, Space actionSpace,
        ActorCriticNetwork net, OptimizerHelper optimizer, Rng rng, JsonObject counters)
    {
        c.SetJson($"{algo}/config", ConfigBinder.ToJson(config));
        c.SetJson($"{algo}/shape", new JsonObject { ["obs_size"] = obsSize, ["action_space"] = actionSpace.ToString() });
        c.SetJson($"{algo}/counters", counters);
        c.SetModule($"{algo}/network", net);
        c.SetOptimizer($"{algo}/optimizer", optimizer);
        c.SetRng($"{algo}/rng", rng);
    }

    /// <summary>Restores the network, optimizer and RNG; returns the counters for the caller to read.</summary>
    public static JsonNode Load(Checkpoint c, string algo, object config, int obsSize, Space actionSpace,
        ActorCriticNetwork net, OptimizerHelper optimizer, Rng rng)
    {
        var shape = c.GetJsonNode($"{algo}/shape");
        Checkpoint.EnsureMatches("observation size", obsSize.ToString(), shape["obs_size"]!.ToString());
        Checkpoint.EnsureMatches("action space", actionSpace.ToString(), (string)shape["action_space"]!);
        var saved = ConfigBinder.ToJson(ConfigBinder.Bind(config.GetType(), c.GetJsonNode($"{algo}/config").AsObject()));
        var mine = ConfigBinder.ToJson(config);
        foreach (var key in LayoutKeys)
            Checkpoint.EnsureMatches(key, mine[key]!.ToJsonString(), saved[key]!.ToJsonString());
        // A checkpoint written before recurrent cores existed has no such keys; binding gives it recurrent = none.
        // (EnsureMatches reads "made for <expected>, this run uses <actual>": the saved value goes first here.)
        Checkpoint.EnsureMatches("recurrent", saved["recurrent"]!.ToJsonString(), mine["recurrent"]!.ToJsonString());
        Checkpoint.EnsureMatches("normalize_observations", saved["normalize_observations"]!.ToJsonString(), mine["normalize_observations"]!.ToJsonString());
        if ((string?)mine["recurrent"] is { } core && !core.Equals("none", StringComparison.OrdinalIgnoreCase))
            Checkpoint.EnsureMatches("core_size", saved["core_size"]!.ToJsonString(), mine["core_size"]!.ToJsonString());
        c.LoadModule($"{algo}/network", net);
        c.LoadOptimizer($"{algo}/optimizer", optimizer);
        c.RestoreRng($"{algo}/rng", rng);
        return c.GetJsonNode($"{algo}/counters");
    }
}
