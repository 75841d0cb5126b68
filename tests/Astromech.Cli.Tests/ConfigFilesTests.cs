using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Cli.Commands;
using Astromech.Training.Config;
using Astromech.Training.Pbt;

namespace Astromech.Cli.Tests;

/// <summary>
/// Every file in configs/ binds, the way `train` or `pbt` binds it, onto the config record of the algorithm it names; each
/// algorithm key it sets lands with the value the file gives (through an alias where the file uses a flat key); and the
/// bound config's nested ToJson binds back to the same config.
/// </summary>
public class ConfigFilesTests
{
    private static readonly string[] PbtFileKeys = { "algo", "env", "env_args", "hyperparameters", "agent" };

    private static string ConfigsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "configs")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                return Path.Combine(dir.FullName, "configs");
        throw new DirectoryNotFoundException($"no configs/ folder above {AppContext.BaseDirectory}");
    }

    public static IEnumerable<object[]> Files() =>
        Directory.EnumerateFiles(ConfigsDir(), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(ConfigsDir(), f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new object[] { f });

    [Fact]
    public void TheFolderHoldsThePresetsTheProgramEmbeds()
    {
        var files = Files().Select(f => "configs/" + (string)f[0]).ToList();
        Assert.True(files.Count >= 30, $"only {files.Count} files found under {ConfigsDir()}");
        Assert.Equal(files, RunSetup.PresetNames().ToList());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryConfigFileBinds(string relative)
    {
        string path = Path.Combine(ConfigsDir(), relative);
        var file = RunSetup.LoadFile(path);
        var algo = Algorithms.Get(RunSetup.String(file, "algo") ?? throw new Xunit.Sdk.XunitException($"{relative} names no algo"));
        Assert.NotNull(RunSetup.String(file, "env"));

        JsonObject agentKeys;
        object config;
        if (file["hyperparameters"] is JsonObject hyperparameters)
        {
            // A population file: PBT's own options at the top, the learner's keys under "agent".
            ConfigBinder.Bind(typeof(PbtOptions), file, ignoreKeys: PbtFileKeys, source: $"config file '{path}'");
            agentKeys = file["agent"] as JsonObject ?? new JsonObject();
            config = RunSetup.BindAlgoConfig(algo, agentKeys, Array.Empty<string>());
            var keys = ConfigBinder.KeysOf(algo.ConfigType);
            foreach (var (key, range) in hyperparameters)
            {
                Assert.Contains(key, keys);
                double start = (range!["initial"] ?? range["min"])!.GetValue<double>();
                var member = ConfigBinder.Bind(algo.ConfigType, ConfigBinder.ToJson(config), new[] { $"{key}={start.ToString("R", CultureInfo.InvariantCulture)}" });
                Assert.True(SameValue(JsonValue.Create(start), ConfigBinder.ValueOf(member, key)), $"{relative}: hyperparameter {key} did not land");
            }
        }
        else
        {
            agentKeys = new JsonObject();
            foreach (var (key, node) in file)
                if (!RunSetup.RunKeys.Contains(key)) agentKeys[key] = node?.DeepClone();
            config = RunSetup.BindAlgoConfig(algo, file, Array.Empty<string>());
        }

        foreach (var (key, node) in agentKeys)
            Assert.True(SameValue(node, ConfigBinder.ValueOf(config, key)), $"{relative}: key {key} = {node?.ToJsonString()} bound as {ConfigBinder.ValueOf(config, key)?.ToJsonString()}");

        var written = ConfigBinder.ToJson(config);
        var back = ConfigBinder.Bind(algo.ConfigType, JsonNode.Parse(written.ToJsonString())!.AsObject());
        Assert.Equal(written.ToJsonString(), ConfigBinder.ToJson(back).ToJsonString());
    }

    /// <summary>The file's value and the bound one agree: numbers by value (1e5 = 100000), enum names ignoring case and
    /// separators (mean_squared = MeanSquared), lists element by element, nested objects key by key.</summary>
    private static bool SameValue(JsonNode? given, JsonNode? bound)
    {
        if (given is null || bound is null) return given is null && bound is null;
        switch (given)
        {
            case JsonArray a:
                return bound is JsonArray b && a.Count == b.Count && a.Zip(b).All(p => SameValue(p.First, p.Second));
            case JsonObject o:
                return bound is JsonObject bo && o.All(kv => SameValue(kv.Value, bo[kv.Key]));
        }
        var gv = (JsonValue)given;
        if (bound is not JsonValue bv) return false;
        if (gv.GetValueKind() == JsonValueKind.Number && bv.GetValueKind() == JsonValueKind.Number)
            return Number(gv) == Number(bv);
        if (gv.GetValueKind() == JsonValueKind.String && bv.GetValueKind() == JsonValueKind.String)
            return Norm(gv.GetValue<string>()) == Norm(bv.GetValue<string>());
        return gv.ToJsonString() == bv.ToJsonString();
    }

    private static double Number(JsonValue v) => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);

    private static string Norm(string s) => s.Replace("_", "").Replace("-", "").ToLowerInvariant();
}
