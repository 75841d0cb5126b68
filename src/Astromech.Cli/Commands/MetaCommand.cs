using System.Globalization;
using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs;
using Astromech.Envs.Meta;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using Astromech.Training.Meta;
using Astromech.Training.Plotting;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech meta eval CKPT</c>: a trained RL² agent on held-out trials of a task family, with the family's baselines on the
/// same tasks; <c>astromech meta baselines</c>: the baselines alone. Both print the trial-return table, write it as
/// meta_eval.json and meta_eval.csv, and draw the mean return of each episode of the trial (meta_eval.png).
/// </summary>
internal static class MetaCommand
{
    public static int Run(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is not ("eval" or "baselines"))
            throw new CliException("meta: use 'astromech meta eval CHECKPOINT [--family ENV_ID] [--tasks N]' or 'astromech meta baselines --family ENV_ID --trial-episodes N [--tasks N]'");
        var a = CliArgs.Parse(argv.Skip(1).ToArray(), $"meta {argv[0]}",
            new[] { "family", "tasks", "trial-episodes", "seed", "out", "torch-threads", "batch" }, new[] { "deterministic" });
        int tasks = a.GetInt("tasks", 1) ?? 1000;
        int seed = a.GetInt("seed") ?? 20_161_109; // held-out tasks: a seed no training run uses by default
        TorchSetup.Configure(a.GetInt("torch-threads", 1));

        string family;
        int trialEpisodes;
        IAgent? agent = null;
        AlgorithmInfo? algo = null;
        object? config = null;
        long agentSteps = 0;
        if (argv[0] == "eval")
        {
            if (a.Positional.Count != 1) throw new CliException("meta eval: give exactly one checkpoint path (astromech meta eval runs/.../checkpoint.ckpt)");
            var ckpt = CheckpointFile.Read(a.Positional[0]);
            var meta = ckpt.GetJsonNode("trainer/meta");
            algo = Algorithms.Get((string)meta["algo"]!);
            config = ConfigBinder.Bind(algo.ConfigType, ckpt.GetJsonNode("trainer/config").AsObject());
            family = a.Get("family") ?? (string)meta["env"]!;
            var saved = ConfigBinder.ValueOf(config, "trial_episodes")?.GetValue<int>()
                ?? throw new CliException($"meta eval: the checkpoint's algorithm '{algo.Name}' has no trial_episodes; meta eval needs an agent trained on trials (rl2)");
            trialEpisodes = a.GetInt("trial-episodes", 1) ?? saved;
            if (trialEpisodes != saved) config = ConfigBinder.Bind(algo.ConfigType, ConfigBinder.ToJson(config), new[] { $"trial_episodes={trialEpisodes}" });
            var (obsSpace, actSpace) = TrainCommand.Spaces(algo, config, family, new Dictionary<string, string>());
            agent = algo.Create(config, obsSpace, actSpace, seed);
            agent.Load(ckpt);
            agentSteps = (long)meta["env_steps"]!;
        }
        else
        {
            if (a.Positional.Count != 0) throw new CliException($"meta baselines: unexpected argument '{a.Positional[0]}'");
            family = a.Get("family") ?? throw new CliException("meta baselines: --family ENV_ID is required (e.g. Bandit-k5)");
            trialEpisodes = a.GetInt("trial-episodes", 1) ?? throw new CliException("meta baselines: --trial-episodes N is required (episodes per trial)");
        }

        EnvRegistry.Spec(family);
        TrialWrapper MakeTrials() => new(EnvRegistry.Make(family), trialEpisodes);
        double[][] heldOut;
        using (var probe = MakeTrials()) heldOut = probe.Family.SampleTasks(new Rng(seed), tasks).ToArray();

        var rows = new List<(TrialReturns R, double Seconds)>();
        try
        {
            if (agent is not null)
            {
                var r = TrialEvaluation.RunAgent(algo!.Name, agent, MakeTrials, heldOut, seed, a.Flag("deterministic"), a.GetInt("batch", 1) ?? 250);
                rows.Add((r, r.Seconds));
            }
            foreach (var b in TrialEvaluation.RunBaselines(MakeTrials, heldOut, seed)) rows.Add((b, b.Seconds));
        }
        finally { agent?.Dispose(); }
        if (rows.Count == 0) throw new CliException($"meta baselines: no baselines are defined for '{family}' (bandits and tabular MDPs have them)");

        string outDir = a.Get("out") ?? (a.Positional.Count == 1 ? Path.GetDirectoryName(Path.GetFullPath(a.Positional[0]))! : Path.Combine("runs", $"meta-{family}-n{trialEpisodes}"));
        Directory.CreateDirectory(outDir);
        Console.WriteLine($"{family}, trials of {trialEpisodes} episodes, {tasks} held-out tasks (seed {seed}){(agent is null ? "" : $", agent trained {agentSteps:N0} env steps")}");
        // Bernoulli bandits: cumulative regret against always pulling the best arm, n·max p − trial return (Wang et al.'s measure).
        bool bandit;
        using (var probe = MakeTrials()) bandit = probe.Inner is BernoulliBandit || (probe.Inner as Astromech.Envs.Wrappers.Wrapper)?.Unwrapped is BernoulliBandit;
        double Regret(TrialReturns r) => bandit ? Enumerable.Range(0, r.Tasks).Average(i => trialEpisodes * heldOut[i].Max() - r.Returns[i].Sum()) : double.NaN;
        Console.WriteLine($"{"method",-22} {"trial return",12} {"± s.e.",8} {(bandit ? "regret" : ""),8} {"seconds",8}");
        foreach (var (r, s) in rows)
            Console.WriteLine($"{r.Name,-22} {r.Mean,12:F3} {r.StandardError,8:F3} {(bandit ? Regret(r).ToString("F3", CultureInfo.InvariantCulture) : ""),8} {s,8:F1}{(r.Policy is null ? "" : $"  ({r.Policy}, chosen on held-apart tuning tasks)")}");

        var json = new JsonObject
        {
            ["family"] = family, ["trial_episodes"] = trialEpisodes, ["tasks"] = tasks, ["seed"] = seed,
            ["checkpoint"] = a.Positional.Count == 1 ? Path.GetFullPath(a.Positional[0]) : null, ["agent_env_steps"] = agent is null ? null : agentSteps,
            ["sampled"] = agent is null ? null : !a.Flag("deterministic"),
            ["methods"] = new JsonArray(rows.Select(x => (JsonNode)new JsonObject
            {
                ["name"] = x.R.Name, ["policy"] = x.R.Policy, ["parameter"] = x.R.Parameter, ["mean_trial_return"] = x.R.Mean, ["standard_error"] = x.R.StandardError, ["cumulative_regret"] = bandit ? Regret(x.R) : null, ["seconds"] = Math.Round(x.Seconds, 2),
                ["per_episode"] = new JsonArray(x.R.PerEpisode.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
            }).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "meta_eval.json"), json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var csv = new System.Text.StringBuilder("method,episode,mean_return\n");
        foreach (var (r, _) in rows)
        {
            var per = r.PerEpisode;
            for (int e = 0; e < per.Length; e++) csv.Append(r.Name).Append(',').Append(e + 1).Append(',').Append(per[e].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "meta_eval.csv"), csv.ToString());
        string png = Path.Combine(outDir, "meta_eval.png");
        SeriesPlot.Save(png, $"{family}: mean return per episode of a {trialEpisodes}-episode trial ({tasks} held-out tasks)", "episode of the trial", "mean return",
            Enumerable.Range(1, trialEpisodes).Select(e => (double)e).ToArray(), rows.Select(x => (x.R.Name, (IReadOnlyList<double>)x.R.PerEpisode)).ToArray());
        Console.WriteLine($"  table: {Path.Combine(outDir, "meta_eval.json")}, {Path.Combine(outDir, "meta_eval.csv")}");
        Console.WriteLine($"  plot:  {png}");
        return 0;
    }
}
