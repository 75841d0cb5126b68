using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Datasets;
using Astromech.Envs.Registry;
using Astromech.Training;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech dataset record|info|convert|bench</c>: offline datasets in the D4RL and Minari layouts
/// (docs/datasets.md).
/// </summary>
internal static class DatasetCommand
{
    public const string Usage = "dataset: the subcommands are record, info, convert, concat and bench:\n" +
        "  astromech dataset record (--checkpoint CKPT | --policy random --env ENV | --from-replay CKPT) [--env ENV] --episodes N [--noise σ] [--epsilon ε] [--layout d4rl|minari] [--seed S] --out FILE\n" +
        "  astromech dataset info FILE [--env ENV]\n" +
        "  astromech dataset convert IN OUT --layout d4rl|minari\n" +
        "  astromech dataset concat IN1 IN2 [IN3...] --out OUT [--layout d4rl|minari]\n" +
        "  astromech dataset bench [--transitions 1M] [--obs 17] [--act 6] [--out FILE]";

    public static int Run(string[] argv)
    {
        if (argv.Length == 0) throw new CliException(Usage);
        var rest = argv.Skip(1).ToArray();
        return argv[0] switch
        {
            "record" => Record(rest),
            "info" => Info(rest),
            "convert" => Convert(rest),
            "concat" => Concat(rest),
            "bench" => Bench(rest),
            _ => throw new CliException($"dataset: unknown subcommand '{argv[0]}'\n{Usage}"),
        };
    }

    /// <summary>JSON output that keeps quotes inside the space strings readable (no \u0022).</summary>
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static DatasetLayout Layout(string? text, string option = "--layout") => text switch
    {
        null or "d4rl" => DatasetLayout.D4rl,
        "minari" => DatasetLayout.Minari,
        _ => throw new CliException($"{option} must be d4rl or minari, got '{text}'"),
    };

    private static double? Double(CliArgs a, string name, double min, double max)
    {
        string? s = a.Get(name);
        if (s is null) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < min || v > max)
            throw new CliException($"--{name} must be a number in [{min}, {max}], got '{s}'");
        return v;
    }

    private static int Record(string[] argv)
    {
        var a = CliArgs.Parse(argv, "dataset record", new[] { "checkpoint", "from-replay", "policy", "env", "episodes", "noise", "epsilon", "layout", "seed", "out", "env-arg", "torch-threads" });
        if (a.Positional.Count > 0) throw new CliException($"dataset record: unexpected argument '{a.Positional[0]}'\n{Usage}");
        string outPath = a.Get("out") ?? throw new CliException("dataset record: --out FILE is required");
        var layout = Layout(a.Get("layout"));
        int seed = a.GetInt("seed") ?? 0;
        string? ckpt = a.Get("checkpoint"), fromReplay = a.Get("from-replay"), policyName = a.Get("policy");
        int sources = (ckpt is null ? 0 : 1) + (fromReplay is null ? 0 : 1) + (policyName is null ? 0 : 1);
        if (sources != 1) throw new CliException("dataset record: give exactly one of --checkpoint CKPT, --policy random (with --env) or --from-replay CKPT");
        if (policyName is not null and not "random") throw new CliException($"dataset record: --policy must be 'random' (a trained policy comes from --checkpoint), got '{policyName}'");
        TorchSetup.Configure(a.GetInt("torch-threads", 1));
        var envArgs = a.Pairs("env-arg");
        var sw = Stopwatch.StartNew();
        OfflineDataset data;

        if (fromReplay is not null)
        {
            foreach (var o in new[] { "episodes", "noise", "epsilon", "env" })
                if (a.Get(o) is not null) throw new CliException($"dataset record --from-replay: --{o} does not apply (the replay is exported as it is)");
            using var loaded = CheckpointAgent.Load(fromReplay, envArgs, seed);
            if (loaded.Agent is not IReplayExport export)
                throw new CliException($"dataset record --from-replay: {fromReplay} is a {loaded.Algo.Name} checkpoint, whose agent has no one-step transition replay to export (sac has)");
            data = ReplayDataset.From(export);
            data.EnvId = loaded.EnvId;
            data.Metadata["policy"] = $"replay of {loaded.Algo.Name} at {loaded.EnvSteps} env steps";
            data.Metadata["checkpoint"] = Path.GetFullPath(fromReplay);
            data.Metadata["observation_space"] = DatasetRecorder.SpaceJson(loaded.Agent.ObservationSpace);
            data.Metadata["action_space"] = DatasetRecorder.SpaceJson(loaded.Agent.ActionSpace);
        }
        else
        {
            int episodes = a.GetInt("episodes", 1) ?? throw new CliException("dataset record: --episodes N is required");
            var options = new RecordOptions(episodes, seed, Double(a, "noise", 0, 10) ?? 0, Double(a, "epsilon", 0, 1) ?? 0);
            LoadedAgent? loaded = null;
            try
            {
                string envId;
                if (ckpt is not null)
                {
                    loaded = CheckpointAgent.Load(ckpt, envArgs, seed, a.Get("env"));
                    envId = loaded.EnvId;
                }
                else envId = a.Get("env") ?? throw new CliException("dataset record --policy random: --env ENV is required");
                using var env = EnvRegistry.Make(envId, loaded?.EnvArgs ?? envArgs);
                DatasetPolicy? policy = null;
                if (loaded is not null)
                {
                    var agent = loaded.Agent;
                    var progress = new Progress(loaded.EnvSteps, loaded.EnvSteps);
                    var starts = new[] { true };
                    policy = (obs, act) => agent.Act(obs, act, progress, deterministic: true);
                    agent.OnEpisodeStart(starts);
                }
                data = DatasetRecorder.Record(env, policy, options);
                data.EnvId = envId;
                data.Metadata["policy"] = loaded is null ? "random" : $"{loaded.Algo.Name} at {loaded.EnvSteps} env steps";
                if (ckpt is not null) data.Metadata["checkpoint"] = Path.GetFullPath(ckpt);
                if (loaded is not null) data.Validate(loaded.Agent.ObservationSpace, loaded.Agent.ActionSpace, outPath);
            }
            finally { loaded?.Dispose(); }
        }
        DatasetFile.Write(data, outPath, layout);
        var s = DatasetSummary.Of(data);
        Console.WriteLine(SummaryJson(data, s, outPath, layout).ToJsonString(Compact));
        Console.Error.WriteLine($"recorded {s.Episodes} episodes, {s.Steps} steps in {sw.Elapsed.TotalSeconds:F1} s → {outPath}");
        return 0;
    }

    private static int Info(string[] argv)
    {
        var a = CliArgs.Parse(argv, "dataset info", new[] { "env", "env-arg" });
        if (a.Positional.Count != 1) throw new CliException("dataset info: give exactly one dataset file or Minari folder");
        string path = a.Positional[0];
        var layout = DatasetFile.DetectLayout(path);
        var data = DatasetFile.Read(path);
        if (a.Get("env") is string env)
        {
            // A check against the env: sizes, bounds and finiteness, naming the first row that does not fit.
            var (obsSpace, actSpace) = TrainCommand.Spaces(env, a.Pairs("env-arg"));
            data.Validate(obsSpace, actSpace, path);
            data.EnvId ??= env;
        }
        var o = SummaryJson(data, DatasetSummary.Of(data), path, layout);
        Console.WriteLine(o.ToJsonString(new JsonSerializerOptions(Compact) { WriteIndented = true }));
        return 0;
    }

    private static int Convert(string[] argv)
    {
        var a = CliArgs.Parse(argv, "dataset convert", new[] { "layout" });
        if (a.Positional.Count != 2) throw new CliException("dataset convert: give IN and OUT (astromech dataset convert in.hdf5 out-folder --layout minari)");
        var layout = Layout(a.Get("layout") ?? throw new CliException("dataset convert: --layout d4rl|minari is required"));
        var data = DatasetFile.Read(a.Positional[0]);
        DatasetFile.Write(data, a.Positional[1], layout);
        Console.WriteLine(SummaryJson(data, DatasetSummary.Of(data), a.Positional[1], layout).ToJsonString(Compact));
        return 0;
    }

    /// <summary>The rows of several datasets one after another (D4RL's medium-expert is medium then expert).</summary>
    private static int Concat(string[] argv)
    {
        var a = CliArgs.Parse(argv, "dataset concat", new[] { "out", "layout" });
        if (a.Positional.Count < 2) throw new CliException("dataset concat: give two or more datasets (astromech dataset concat medium.hdf5 expert.hdf5 --out medium-expert.hdf5)");
        string outPath = a.Get("out") ?? throw new CliException("dataset concat: --out FILE is required");
        var parts = a.Positional.Select(DatasetFile.Read).ToArray();
        var envs = parts.Select(p => p.EnvId).Distinct().ToList();
        if (envs.Count > 1) throw new CliException($"dataset concat: the datasets were recorded on different envs ({string.Join(", ", envs.Select(e => e ?? "unknown"))})");
        var data = OfflineDataset.Concat(parts);
        data.Metadata["policy"] = "concatenation of " + string.Join(" + ", parts.Select(p => p.Metadata.GetValueOrDefault("policy", "?")));
        data.Metadata["sources"] = string.Join(", ", a.Positional.Select(Path.GetFileName));
        var layout = Layout(a.Get("layout"));
        DatasetFile.Write(data, outPath, layout);
        Console.WriteLine(SummaryJson(data, DatasetSummary.Of(data), outPath, layout).ToJsonString(Compact));
        return 0;
    }

    /// <summary>
    /// Writes a dataset of HalfCheetah's sizes (random values, 1000-step episodes), then times reading it back and
    /// copying it into a replay of SAC's kind and capacity; prints one JSON line.
    /// </summary>
    private static int Bench(string[] argv)
    {
        var a = CliArgs.Parse(argv, "dataset bench", new[] { "transitions", "obs", "act", "out", "layout", "seed" });
        int n = (int)(a.GetLong("transitions", 1) ?? 1_000_000);
        int os = a.GetInt("obs", 1) ?? 17, asz = a.GetInt("act", 1) ?? 6;
        var layout = Layout(a.Get("layout"));
        string file = a.Get("out") ?? Path.Combine(Path.GetTempPath(), $"astromech-bench-{n}.hdf5");
        var rng = new Random(a.GetInt("seed") ?? 0);
        var obs = new float[(long)n * os];
        var act = new float[(long)n * asz];
        var rew = new float[n];
        var term = new bool[n];
        var time = new bool[n];
        for (long i = 0; i < obs.LongLength; i++) obs[i] = (float)(rng.NextDouble() * 2 - 1);
        for (long i = 0; i < act.LongLength; i++) act[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < n; i++) { rew[i] = (float)rng.NextDouble(); time[i] = i % 1000 == 999 || i == n - 1; }
        var next = new float[obs.LongLength];
        Array.Copy(obs, os, next, 0, obs.LongLength - os);
        var data = new OfflineDataset(os, asz, obs, act, rew, term, time, next);
        var sw = Stopwatch.StartNew();
        DatasetFile.Write(data, file, layout);
        double writeSeconds = sw.Elapsed.TotalSeconds;
        string hdf5 = layout == DatasetLayout.Minari && !file.EndsWith(".hdf5") ? Path.Combine(file, "data", "main_data.hdf5") : file;
        long fileBytes = new FileInfo(hdf5).Length;
        obs = act = next = rew = null!; data = null!;
        GC.Collect();

        sw.Restart();
        var loaded = DatasetFile.Read(file);
        double readSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var replay = new Astromech.Replay.UniformReplay(n, os, asz); // SAC's replay (its default capacity is 1M)
        double allocSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        loaded.CopyTo(replay, 0.99f);
        double copySeconds = sw.Elapsed.TotalSeconds;
        var o = new JsonObject
        {
            ["transitions"] = n,
            ["obs_size"] = os,
            ["act_size"] = asz,
            ["layout"] = layout == DatasetLayout.D4rl ? "d4rl" : "minari",
            ["write_seconds"] = Math.Round(writeSeconds, 3),
            ["file_bytes"] = fileBytes,
            ["file_bytes_per_transition"] = Math.Round((double)fileBytes / n, 1),
            ["read_seconds"] = Math.Round(readSeconds, 3),
            ["replay_alloc_seconds"] = Math.Round(allocSeconds, 3),
            ["copy_to_replay_seconds"] = Math.Round(copySeconds, 3),
            ["load_into_replay_seconds"] = Math.Round(readSeconds + allocSeconds + copySeconds, 3),
            ["dataset_bytes_per_transition"] = 4 * (2 * os + asz + 1) + 2,
            ["replay_bytes_per_transition"] = (double)replay.BytesUsed / n,
        };
        Console.WriteLine(o.ToJsonString());
        if (a.Get("out") is null) File.Delete(file);
        return 0;
    }

    private static JsonObject SummaryJson(OfflineDataset d, DatasetSummary s, string path, DatasetLayout layout)
    {
        var o = new JsonObject
        {
            ["file"] = path,
            ["layout"] = layout == DatasetLayout.D4rl ? "d4rl" : "minari",
            ["env"] = d.EnvId,
            ["episodes"] = s.Episodes,
            ["steps"] = s.Steps,
            ["terminals"] = s.Terminals,
            ["timeouts"] = s.Timeouts,
            ["mean_length"] = Math.Round(s.MeanLength, 2),
            ["return_mean"] = s.ReturnMean,
            ["return_std"] = s.ReturnStd,
            ["return_min"] = s.ReturnMin,
            ["return_max"] = s.ReturnMax,
            ["observation_size"] = d.ObservationSize,
            ["action_size"] = d.ActionSize,
            ["integer_actions"] = d.IntegerActions,
        };
        if (d.Metadata.TryGetValue("observation_space", out var os)) o["observation_space"] = os;
        if (d.Metadata.TryGetValue("action_space", out var acts)) o["action_space"] = acts;
        if (D4rlReference.For(d.EnvId) is var (task, lo, hi))
        {
            o["d4rl_normalized_score_mean"] = D4rlReference.NormalizedScore(d.EnvId, s.ReturnMean);
            o["d4rl_reference"] = $"{task}: random {lo}, expert {hi} (d4rl infos.py, Gym v2 envs)";
        }
        if (d.Infos.Count > 0) o["infos"] = new JsonArray(d.Infos.Keys.Select(k => (JsonNode)JsonValue.Create($"{k}[{d.Infos[k].Length / Math.Max(1, d.Count)}]")).ToArray());
        if (d.Metadata.TryGetValue("policy", out var policy)) o["policy"] = policy;
        return o;
    }
}
