using System.Text.Json;
using System.Text.Json.Nodes;

namespace Astromech.Cluster;

/// <summary>
/// What every node of one run must agree on: algorithm, env id and arguments, the observation and action
/// sizes, and the agent's whole bound config (every key, defaults included). A node whose spec differs in any
/// of these would feed the replay rows of another shape, or act with a network the learner does not train;
/// the cluster refuses it at join time, naming each difference (<see cref="Differences"/>).
/// </summary>
public sealed record RunSpec(string Algo, string EnvId, IReadOnlyDictionary<string, string> EnvArgs, int ObsSize, int ActionSize, JsonObject Config)
{
    public string ToJson()
    {
        var args = new JsonObject();
        foreach (var (k, v) in EnvArgs.OrderBy(p => p.Key, StringComparer.Ordinal)) args[k] = v;
        return new JsonObject
        {
            ["algo"] = Algo, ["env"] = EnvId, ["env_args"] = args, ["obs_size"] = ObsSize, ["action_size"] = ActionSize,
            ["config"] = JsonNode.Parse(Config.ToJsonString()),
        }.ToJsonString();
    }

    public static RunSpec FromJson(string json)
    {
        JsonObject o;
        try { o = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("empty"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"a node sent a run spec that is not a JSON object: {e.Message}"); }
        string Str(string k) => o[k]?.GetValue<string>() ?? throw new InvalidDataException($"run spec lacks '{k}'");
        var args = (o["env_args"] as JsonObject ?? new JsonObject()).ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "");
        return new RunSpec(Str("algo"), Str("env"), args, (int)o["obs_size"]!, (int)o["action_size"]!, o["config"] as JsonObject ?? new JsonObject());
    }

    /// <summary>Every way <paramref name="other"/> (a joining node) differs from this spec (the cluster's), one line each; empty when they agree.</summary>
    public List<string> Differences(RunSpec other)
    {
        var d = new List<string>();
        void Cmp(string what, string mine, string theirs)
        {
            if (mine != theirs) d.Add($"{what}: the cluster runs {mine}, this node {theirs}");
        }
        Cmp("algorithm", Algo, other.Algo);
        Cmp("env", EnvId, other.EnvId);
        foreach (var k in EnvArgs.Keys.Union(other.EnvArgs.Keys).OrderBy(k => k, StringComparer.Ordinal))
            Cmp($"env arg '{k}'", EnvArgs.GetValueOrDefault(k) ?? "(unset)", other.EnvArgs.GetValueOrDefault(k) ?? "(unset)");
        Cmp("observation size", ObsSize.ToString(), other.ObsSize.ToString());
        Cmp("action size", ActionSize.ToString(), other.ActionSize.ToString());
        var keys = Config.Select(p => p.Key).Union(other.Config.Select(p => p.Key)).OrderBy(k => k, StringComparer.Ordinal);
        foreach (var k in keys)
            Cmp($"config key '{k}'", Config[k]?.ToJsonString() ?? "(unset)", other.Config[k]?.ToJsonString() ?? "(unset)");
        return d;
    }
}
