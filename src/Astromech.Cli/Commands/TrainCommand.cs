using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Config;

namespace Astromech.Cli.Commands;

internal static class TrainCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "train",
            new[] { "algo", "env", "steps", "seed", "out", "config", "set", "env-arg", "eval-episodes", "eval-interval", "checkpoint-interval", "resume", "torch-threads",
                    "kickstart", "lambda", "population", "ready-interval", "final-eval-episodes", "actors", "dataset", "offline-steps" },
            new[] { "no-progress", "overwrite" });
        if (a.Positional.Count > 0) throw new CliException($"train: unexpected argument '{a.Positional[0]}'");

        JsonObject? file = a.Get("config") is string path ? RunSetup.LoadFile(path) : null;
        var algo = RunSetup.Algo(a, file, "train");
        string envId = a.Get("env") ?? (file is null ? null : RunSetup.String(file, "env"))
            ?? throw new CliException("train: --env is required (astromech list envs)");
        EnvRegistry.Spec(envId); // fails early, naming the id, when it is unknown

        // Without --config, the preset shipped for this (algo, env) applies when there is one.
        JsonObject root;
        string source;
        if (file is not null) { root = file; source = a.Get("config")!; }
        else if (RunSetup.Preset(algo.Name, envId) is { } preset) { root = preset.Json; source = preset.Name; }
        else { root = new JsonObject(); source = $"{algo.Name} defaults"; }

        var overrides = a.All("set").Concat(KickstartOverrides(a, out bool lambdaPbt)).ToList();
        if (a.GetInt("actors", 1) is int actors) overrides.Add($"{RunSetup.ActorsKey(algo)}={actors}");
        var config = RunSetup.BindAlgoConfig(algo, root, overrides);
        var envArgs = RunSetup.EnvArgs(root);
        foreach (var (k, v) in a.Pairs("env-arg")) envArgs[k] = v;

        long offlineSteps = a.GetLong("offline-steps", 0) ?? RunSetup.Long(root, "offline_steps") ?? 0;
        string? datasetPath = a.Get("dataset");
        if ((datasetPath is not null || offlineSteps > 0) && !algo.LearnsOffline)
            throw new CliException($"train: --dataset and --offline-steps need an algorithm that learns from a dataset ({Algorithms.NamesWith(i => i.LearnsOffline)}); '{algo.Name}' does not");
        if (offlineSteps > 0 && datasetPath is null && a.Get("resume") is null)
            throw new CliException($"train: --offline-steps {offlineSteps} needs --dataset FILE to learn from");
        long steps = a.GetLong("steps", offlineSteps > 0 ? 0 : 1) ?? RunSetup.Long(root, "steps") ?? 100_000;
        int seed = a.GetInt("seed") ?? RunSetup.Int(root, "seed") ?? 0;
        var spec = EnvRegistry.Spec(envId);
        var (obsSpace, actSpace) = Spaces(algo, config, envId, envArgs); // validates env args before anything is written
        algo.EnsureSupports(envId, actSpace);
        string outDir = a.Get("out") ?? Path.Combine("runs", $"{algo.Name}-{envId.Replace('/', '_')}-s{seed}-{DateTime.Now:yyyyMMdd-HHmmss}");

        TorchSetup.Configure(a.TorchThreads);
        if (lambdaPbt)
        {
            // --lambda pbt: a population that evolves λ by PBT; everything else as given. The schedule is the one measured on
            // Acrobot in bench/README.md ("more exploration and held-out final selection", configs/pbt/ppo-Acrobot-v1-kickstart-explore.json):
            // every member starts at λ₀; λ lives on a log scale in [λ₀/10⁴, 2·λ₀]; 25 ready points (steps/25 unless
            // --ready-interval), at each the bottom half copies the top half and resamples λ with probability 0.5
            // (otherwise ×0.8/×1.2); members are ranked on the same 500 evaluation episodes (--eval-episodes; 500 Acrobot
            // episodes take about a second, lower it for envs with long episodes);
            // the best member is chosen on 1,000 held-out episodes (--final-eval-episodes; 0 = by the last ready point).
            var agentJson = ConfigBinder.ToJson(config);
            if (ConfigBinder.ValueOf(config, "kickstart.teachers") is JsonArray { Count: 0 })
                throw new CliException("train: --lambda pbt evolves the kickstarting weight, but no teacher is given (--kickstart TEACHER.ckpt)");
            double lambda0 = Math.Max(1e-3, (double)ConfigBinder.ValueOf(config, "kickstart.lambda")!);
            var pbt = new Astromech.Training.Pbt.PbtOptions
            {
                Population = a.GetInt("population", 2) ?? 4,
                ReadyInterval = a.GetLong("ready-interval", 1) ?? Math.Max(1, steps / 25),
                TotalSteps = steps,
                Seed = seed,
                EvalEpisodes = a.GetInt("eval-episodes", 1) ?? 500,
                EvalSeed = Astromech.Training.Pbt.PbtEvalSeed.Shared,
                Explore = Astromech.Training.Pbt.PbtExplore.Resample,
                ResampleProbability = 0.5,
                TruncationFraction = 0.5,
                FinalEvalEpisodes = a.GetInt("final-eval-episodes", 0) ?? 1000,
            };
            var space = new[] { new Astromech.Training.Pbt.HyperparameterRange("kickstart_lambda", lambda0 / 1e4, 2 * lambda0, Log: true, Initial: lambda0) };
            return PbtCommand.RunPopulation(algo, envId, envArgs, agentJson, pbt, space, outDir, a.Flag("no-progress"), a.Flag("overwrite"));
        }
        if (a.Get("population") is not null || a.Get("ready-interval") is not null || a.Get("final-eval-episodes") is not null)
            throw new CliException("train: --population, --ready-interval and --final-eval-episodes apply only with --lambda pbt (or use astromech pbt --config FILE)");
        Astromech.Datasets.OfflineDataset? dataset = null;
        if (datasetPath is not null && a.Get("resume") is null)
        {
            dataset = Astromech.Datasets.DatasetFile.Read(datasetPath);
            if (dataset.EnvId is string recordedOn && !string.Equals(recordedOn, envId, StringComparison.Ordinal))
                throw new CliException($"train: dataset {datasetPath} was recorded on {recordedOn}, not on {envId}");
            dataset.Validate(obsSpace, actSpace, datasetPath);
            Console.WriteLine($"dataset {datasetPath}: {dataset.Count:N0} transitions, {dataset.Episodes().Count} episodes");
        }
        using var agent = algo.Create(config, obsSpace, actSpace, seed);
        using var signals = new StopSignals("train");

        var options = new TrainerOptions
        {
            EnvId = envId,
            EnvArgs = envArgs,
            Seed = seed,
            TotalSteps = steps,
            OutDir = outDir,
            EvalEpisodes = a.GetInt("eval-episodes", 1) ?? RunSetup.Int(root, "eval_episodes", 1) ?? 100,
            EvalInterval = a.GetLong("eval-interval", 0) ?? RunSetup.Long(root, "eval_interval") ?? 0,
            CheckpointInterval = a.GetLong("checkpoint-interval", 0) ?? RunSetup.Long(root, "checkpoint_interval") ?? 25_000,
            RewardThreshold = spec.RewardThreshold,
            ShowProgress = !a.Flag("no-progress"),
            ResumeFrom = a.Get("resume"),
            AgentConfig = ConfigBinder.ToJson(config),
            Stop = signals.Token,
            Overwrite = a.Flag("overwrite"),
            Dataset = dataset,
            OfflineSteps = offlineSteps,
        };
        if (offlineSteps > 0) Console.WriteLine($"offline phase: {offlineSteps:N0} updates on the dataset, then {steps:N0} env steps online");
        Console.WriteLine($"training {algo.Name} on {envId} for {steps:N0} env steps, seed {seed} (config: {source}{(a.All("set").Count > 0 ? " + --set" : "")})");
        var summary = Trainer.Run(agent, () => algo.MakeEnv(config, envId, envArgs), options);

        PrintSummary(summary, outDir, spec.RewardThreshold);
        if (!summary.Stopped) return 0;
        Console.WriteLine($"stopped by {signals.Signal} at step {summary.EnvSteps:N0} of {steps:N0}; continue with: --resume {new RunDirectory(outDir).Checkpoint} --out {outDir}");
        return StopSignals.StoppedExitCode;
    }

    /// <summary>The lines a finished training run prints (train, and a cluster's learner node).</summary>
    internal static void PrintSummary(RunSummary summary, string outDir, double? threshold)
    {
        var run = new RunDirectory(outDir);
        Console.WriteLine($"done in {summary.WallSeconds:F1} s ({summary.StepsPerSecond:F0} env steps/s), {summary.Episodes} episodes");
        string thr = threshold is double t ? $" (threshold {t})" : "";
        Console.WriteLine($"  mean return, last 100 training episodes: {Fmt(summary.FinalMeanReturn)}; that mean reached the threshold{thr} at step: {(summary.SolvedAtStep?.ToString() ?? "not reached")}");
        string success = summary.EvalSuccessRate is double rate ? $", success rate {rate:F3}" : "";
        Console.WriteLine(summary.EvalEpisodes == 0
            ? "  evaluation: skipped (stopped early; astromech eval CHECKPOINT runs it)"
            : $"  evaluation ({summary.EvalEpisodes} deterministic episodes): {summary.EvalMeanReturn:F2} ± {summary.EvalStdReturn:F2}{success}");
        Console.WriteLine($"  checkpoint: {run.Checkpoint}");
        if (summary.BestCheckpoint is string best)
            Console.WriteLine($"  best:       {best} (evaluation {summary.BestEvalMeanReturn:F2} at step {summary.BestEvalStep})");
        Console.WriteLine($"  logs:       {run.MetricsCsv}, {run.EpisodesCsv}, {run.TensorBoardDir}/");
        Console.WriteLine($"  curve:      {run.CurvePng}");
        Console.WriteLine($"  summary:    {run.SummaryJson}");
    }

    /// <summary>--kickstart a.ckpt[,b.ckpt] and --lambda X|pbt as config overrides (kickstart.teachers, kickstart.lambda, kickstart.schedule): any learner whose config has a kickstart record (the on-policy family, DQN).</summary>
    internal static IEnumerable<string> KickstartOverrides(CliArgs a, out bool lambdaPbt)
    {
        var list = new List<string>();
        lambdaPbt = false;
        if (a.Get("kickstart") is string teachers)
        {
            var paths = teachers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (paths.Length == 0) throw new CliException("--kickstart needs at least one teacher checkpoint path");
            list.Add($"kickstart.teachers=[{string.Join(",", paths)}]");
        }
        if (a.Get("lambda") is string lambda)
        {
            if (lambda.Equals("pbt", StringComparison.OrdinalIgnoreCase)) { lambdaPbt = true; list.Add("kickstart.schedule=pbt"); }
            else if (double.TryParse(lambda, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var l)) list.Add($"kickstart.lambda={l.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
            else throw new CliException($"--lambda must be a number or 'pbt', got '{lambda}'");
        }
        return list;
    }

    /// <summary>The spaces of the env as a run of <paramref name="algo"/> with <paramref name="config"/> sees it (its env wrapper applied).</summary>
    internal static (Astromech.Envs.Spaces.Space, Astromech.Envs.Spaces.Space) Spaces(AlgorithmInfo algo, object config, string envId, IReadOnlyDictionary<string, string> envArgs)
    {
        using var env = algo.MakeEnv(config, envId, envArgs);
        return (env.ObservationSpace, env.ActionSpace);
    }

    internal static (Astromech.Envs.Spaces.Space, Astromech.Envs.Spaces.Space) Spaces(string envId, IReadOnlyDictionary<string, string> envArgs)
    {
        using var env = EnvRegistry.Make(envId, envArgs);
        return (env.ObservationSpace, env.ActionSpace);
    }

    private static string Fmt(double? v) => v is double d ? d.ToString("F2") : "n/a";
}
