using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Training.Config;

namespace Astromech.Cli.Commands;

/// <summary>
/// Turns a config file, the embedded preset for (algo, env), and command-line overrides into one resolved
/// run description. Keys that describe the run rather than the algorithm are read here; every other key
/// binds to the algorithm's config record, so a misspelt key is an error that names it.
/// </summary>
internal static class RunSetup
{
    public static readonly string[] RunKeys =
        { "algo", "env", "steps", "seed", "env_args", "eval_episodes", "eval_interval", "checkpoint_interval", "offline_steps" };

    /// <summary>
    /// The ready-made config shipped for (algo, env), from configs/ embedded in this program, or null. An id with a
    /// namespace maps to a subfolder: MinAtar/Breakout-v1 → configs/dqn/MinAtar/Breakout-v1.json.
    /// </summary>
    public static (JsonObject Json, string Name)? Preset(string algo, string env)
    {
        string name = $"configs/{algo}/{env}.json";
        var asm = Assembly.GetExecutingAssembly();
        // Resource names carry the build machine's folder separator for subfolders (a backslash on Windows).
        string? resource = asm.GetManifestResourceNames().FirstOrDefault(n => n.Replace('\\', '/') == name);
        if (resource is null) return null;
        using var s = asm.GetManifestResourceStream(resource);
        if (s is null) return null;
        return (ParseObject(new StreamReader(s).ReadToEnd(), name), name);
    }

    public static IEnumerable<string> PresetNames() =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames().Select(n => n.Replace('\\', '/')).Where(n => n.StartsWith("configs/")).OrderBy(n => n);

    public static JsonObject LoadFile(string path)
    {
        if (!File.Exists(path)) throw new CliException($"config file not found: {path}");
        return ParseObject(File.ReadAllText(path), path);
    }

    private static JsonObject ParseObject(string text, string source)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new CliException($"{source}: a config file must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new CliException($"{source}: not valid JSON ({e.Message})");
        }
    }

    public static string? String(JsonObject o, string key) =>
        o[key] is null ? null
        : o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s
        : throw new CliException($"config key '{key}' must be a string, got {o[key]!.ToJsonString()}");

    /// <summary>
    /// The algorithm of a run: --algo, else the config file's "algo". A file that names another algorithm than --algo is
    /// refused: its keys were chosen for that one, and those the two configs share (learning_rate, batch_size…) would
    /// bind silently with values meant for the other.
    /// </summary>
    public static AlgorithmInfo Algo(CliArgs a, JsonObject? file, string command)
    {
        string? flag = a.Get("algo"), inFile = file is null ? null : String(file, "algo");
        string name = flag ?? inFile ?? throw new CliException($"{command}: --algo is required (astromech list algos)");
        var algo = Algorithms.Get(name);
        if (flag is not null && inFile is not null && Algorithms.Get(inFile).Name != algo.Name)
            throw new CliException($"{command}: config file '{a.Get("config")}' is written for algorithm '{inFile}', but --algo is '{flag}'; drop --algo or use a {algo.Name} config");
        return algo;
    }

    public static long? Long(JsonObject o, string key)
    {
        var n = o[key];
        if (n is null) return null;
        try { return n.GetValue<long>(); }
        catch (Exception) { throw new CliException($"config key '{key}' must be a whole number, got {n.ToJsonString()}"); }
    }

    public static int? Int(JsonObject o, string key, int min = int.MinValue)
    {
        long? v = Long(o, key);
        if (v is null) return null;
        if (v < min || v > int.MaxValue) throw new CliException($"config key '{key}' = {v} is out of range [{min}, {int.MaxValue}]");
        return (int)v;
    }

    public static Dictionary<string, string> EnvArgs(JsonObject o)
    {
        var d = new Dictionary<string, string>();
        if (o["env_args"] is null) return d;
        if (o["env_args"] is not JsonObject args) throw new CliException("config key 'env_args' must be an object of KEY: VALUE");
        foreach (var (k, v) in args)
            d[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
        return d;
    }

    /// <summary>
    /// The config key that --actors sets, as the algorithm's descriptor declares it (<c>actors</c> for apex, impala,
    /// r2d2; <c>workers</c> for A3C); an error naming the algorithm for the ones that collect on one thread.
    /// </summary>
    public static string ActorsKey(AlgorithmInfo algo) =>
        algo.ActorCountKey ?? throw new CliException($"--actors: algorithm '{algo.Name}' has no actor threads (it collects experience on the trainer's thread); algorithms with actors: " +
            Algorithms.NamesWith(x => x.ActorCountKey is not null));

    /// <summary>Binds the algorithm's keys of <paramref name="root"/> plus --set overrides onto its config record.</summary>
    public static object BindAlgoConfig(AlgorithmInfo algo, JsonObject root, IEnumerable<string> overrides) =>
        ConfigBinder.Bind(algo.ConfigType, root, overrides, RunKeys);
}
