using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;
using Astromech.Training.Pbt;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech pbt --config FILE</c>: population-based training of any registered learner. The file names the algorithm
/// and env, the PBT schedule (population, ready_interval, total_steps, exploit, explore, workers, eval_episodes, seed…),
/// the search space under "hyperparameters" ({"learning_rate": {"min": 1e-4, "max": 1e-2, "log": true}, …}; each key a
/// config key of the algorithm), and the learner's own keys under "agent" (the shipped preset for the algo and env when absent).
/// </summary>
internal static class PbtCommand
{
    private static readonly string[] FileKeys = { "algo", "env", "env_args", "hyperparameters", "agent" };

    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "pbt", new[] { "config", "out", "set", "kickstart", "lambda", "torch-threads" }, new[] { "no-progress", "overwrite" });
        if (a.Positional.Count > 0) throw new CliException($"pbt: unexpected argument '{a.Positional[0]}'");
        string path = a.Get("config") ?? throw new CliException("pbt: --config FILE is required (see README: Population-based training)");
        var file = RunSetup.LoadFile(path);
        var algo = Algorithms.Get(RunSetup.String(file, "algo") ?? throw new CliException($"{path}: key 'algo' is required"));
        string envId = RunSetup.String(file, "env") ?? throw new CliException($"{path}: key 'env' is required");
        EnvRegistry.Spec(envId);
        var envArgs = RunSetup.EnvArgs(file);
        var options = (PbtOptions)ConfigBinder.Bind(typeof(PbtOptions), file, ignoreKeys: FileKeys, source: $"config file '{path}'");

        JsonObject agentRoot;
        if (file["agent"] is JsonObject agentJson) agentRoot = (JsonObject)agentJson.DeepClone();
        else if (file["agent"] is not null) throw new CliException($"{path}: key 'agent' must be an object of {algo.Name} config keys");
        else agentRoot = RunSetup.Preset(algo.Name, envId)?.Json ?? new JsonObject();
        var overrides = a.All("set").Concat(TrainCommand.KickstartOverrides(a, out bool lambdaPbt)).ToList();
        var config = RunSetup.BindAlgoConfig(algo, agentRoot, overrides);
        var space = Space(file, path, algo);
        if (lambdaPbt && !space.Any(h => h.Key is "kickstart_lambda" or "kickstart.lambda"))
            throw new CliException($"pbt: --lambda pbt, but {path} does not search kickstart_lambda (add it under \"hyperparameters\")");

        if (space.Any(h => h.Key.StartsWith("kickstart")) && ConfigBinder.ValueOf(config, "kickstart.teachers") is JsonArray { Count: 0 })
            throw new CliException($"pbt: {path} searches {string.Join(", ", space.Where(h => h.Key.StartsWith("kickstart")).Select(h => h.Key))} but names no teacher (--kickstart TEACHER.ckpt or agent.kickstart_teachers)");
        TorchSetup.Configure(a.TorchThreads);
        string outDir = a.Get("out") ?? Path.Combine("runs", $"pbt-{algo.Name}-{envId.Replace('/', '_')}-{DateTime.Now:yyyyMMdd-HHmmss}");
        return RunPopulation(algo, envId, envArgs, ConfigBinder.ToJson(config), options, space, outDir, a.Flag("no-progress"), a.Flag("overwrite"));
    }

    internal static int RunPopulation(AlgorithmInfo algo, string envId, Dictionary<string, string> envArgs, JsonObject agentConfig,
        PbtOptions options, IReadOnlyList<HyperparameterRange> space, string outDir, bool quiet, bool overwrite)
    {
        // The env wrapper (RL²'s trials) follows the base config; PBT's searched keys do not change it.
        var baseConfig = ConfigBinder.Bind(algo.ConfigType, agentConfig);
        var (obsSpace, actSpace) = TrainCommand.Spaces(algo, baseConfig, envId, envArgs);
        algo.EnsureSupports(envId, actSpace);
        var spec = EnvRegistry.Spec(envId);
        using var signals = new StopSignals("pbt");
        var trainer = new TrainerMemberTrainer(algo.ConfigType, agentConfig, (cfg, seed) => algo.Create(cfg, obsSpace, actSpace, seed),
            () => algo.MakeEnv(baseConfig, envId, envArgs), envId, envArgs, options.Seed, options.EvalEpisodes, spec.RewardThreshold, options.Score, options.EvalSeed)
        { Stop = signals.Token };
        // Fail on a bad teacher or an out-of-range hyperparameter before any member trains.
        using (algo.Create(trainer.ConfigFor(new PbtMember(0, outDir, space.ToDictionary(h => h.Key, h => h.Initial ?? h.Min))), obsSpace, actSpace, options.Seed)) { }
        Console.WriteLine($"pbt: {options.Population} × {algo.Name} on {envId}, {options.TotalSteps:N0} steps each, ready every {options.ReadyInterval:N0}, " +
                          $"exploit {options.Exploit}, explore {options.Explore}, searching {string.Join(", ", space.Select(h => h.Key))}");
        // One population per folder: members resume from the checkpoints in their folders, so an old population's would be
        // continued as if they were this one's.
        var root = new RunDirectory(outDir);
        using var held = root.Lock();
        var old = Directory.GetDirectories(root.Root, "member-*").Concat(Directory.GetFiles(root.Root, "pbt_*")).Append(Path.Combine(root.Root, "lineage.json")).Where(p => Directory.Exists(p) || File.Exists(p)).ToList();
        if (old.Count > 0)
        {
            if (!overwrite)
                throw new CliException($"pbt: --out {root.Root} holds a population already ({Path.GetFileName(old[0])}…); give another --out or replace it (--overwrite)");
            foreach (var p in old) { if (Directory.Exists(p)) Directory.Delete(p, recursive: true); else File.Delete(p); }
        }
        PbtResult result;
        try { result = PbtRunner.Run(options, space, trainer, outDir, quiet ? null : Console.WriteLine); }
        catch (Exception e) when (signals.Requested && (e is OperationCanceledException || e is AggregateException ae && ae.Flatten().InnerExceptions.All(x => x is OperationCanceledException)))
        {
            Console.WriteLine($"pbt: stopped by {signals.Signal}: each member stopped after its current update and wrote its checkpoint, logs and summary ({Path.Combine(outDir, "member-N")}/);");
            Console.WriteLine($"  trace and lineage up to the last ready point: {Path.Combine(outDir, "pbt_trace.csv")}, {Path.Combine(outDir, "lineage.json")}");
            return StopSignals.StoppedExitCode;
        }
        string chosenBy = result.FinalScores is not null
            ? $"final evaluation ({options.FinalEvalEpisodes} episodes, seed {options.FinalEvalSeed}; the last ready point ranked #{result.LastReadyBest} first)"
            : options.Score == PbtScoreSource.TrainMean ? "last-100 training mean" : "evaluation";
        Console.WriteLine($"best member: #{result.Best}, {chosenBy} {result.BestScore.Mean:F2} ± {result.BestScore.Std:F2} " +
                          $"({string.Join(", ", result.Members[result.Best].Hyperparameters.Select(kv => $"{kv.Key} {kv.Value:G4}"))})");
        Console.WriteLine($"  trace:   {Path.Combine(outDir, "pbt_trace.csv")}, {Path.Combine(outDir, "lineage.json")}");
        Console.WriteLine($"  plots:   {string.Join(", ", space.Select(h => Path.Combine(outDir, $"pbt_{h.Key}.png")))}, {Path.Combine(outDir, "pbt_scores.png")}");
        Console.WriteLine($"  members: {Path.Combine(outDir, "member-N")}/ (checkpoint, logs, curve)");
        return 0;
    }

    private static List<HyperparameterRange> Space(JsonObject file, string path, AlgorithmInfo algo)
    {
        if (file["hyperparameters"] is not JsonObject hp || hp.Count == 0)
            throw new CliException($"{path}: key 'hyperparameters' must be a non-empty object, e.g. {{\"learning_rate\": {{\"min\": 1e-4, \"max\": 1e-2, \"log\": true}}}}");
        var keys = ConfigBinder.KeysOf(algo.ConfigType);
        var list = new List<HyperparameterRange>();
        foreach (var (key, node) in hp)
        {
            if (!keys.Contains(key)) throw new CliException($"{path}: hyperparameter '{key}' is not a {algo.Name} config key (astromech list algos shows them)");
            if (node is not JsonObject r) throw new CliException($"{path}: hyperparameter '{key}' must be an object with min and max");
            foreach (var (k, _) in r)
                if (k is not ("min" or "max" or "log" or "initial"))
                    throw new CliException($"{path}: hyperparameter '{key}' has unknown key '{k}' (known: min, max, log, initial)");
            double Num(string k, bool required)
            {
                if (r[k] is null) return required ? throw new CliException($"{path}: hyperparameter '{key}' needs '{k}'") : double.NaN;
                try { return r[k]!.GetValue<double>(); }
                catch (Exception) { throw new CliException($"{path}: hyperparameter '{key}': '{k}' must be a number, got {r[k]!.ToJsonString()}"); }
            }
            bool log = r["log"] is JsonNode l && (l.GetValueKind() == System.Text.Json.JsonValueKind.True
                || (l.GetValueKind() != System.Text.Json.JsonValueKind.False ? throw new CliException($"{path}: hyperparameter '{key}': 'log' must be true or false") : false));
            double init = Num("initial", false);
            var range = new HyperparameterRange(key, Num("min", true), Num("max", true), log, double.IsNaN(init) ? null : init);
            range.Validate();
            list.Add(range);
        }
        return list;
    }
}
