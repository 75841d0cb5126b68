using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Vector;
using Astromech.Training.Checkpoints;
using Astromech.Training.Logging;
using Astromech.Training.Plotting;

namespace Astromech.Training;

/// <summary>What a training run is asked to do, beside the agent's own config.</summary>
public sealed record TrainerOptions
{
    public required string EnvId { get; init; }
    public IReadOnlyDictionary<string, string> EnvArgs { get; init; } = new Dictionary<string, string>();
    public int Seed { get; init; }
    public long TotalSteps { get; init; }
    public required string OutDir { get; init; }
    /// <summary>Episodes of the final deterministic evaluation (Gymnasium's thresholds are 100-episode means).</summary>
    public int EvalEpisodes { get; init; } = 100;
    /// <summary>Env steps between periodic evaluations; 0 turns them off.</summary>
    public long EvalInterval { get; init; }
    /// <summary>Env steps between checkpoints; the final checkpoint is always written.</summary>
    public long CheckpointInterval { get; init; } = 25_000;
    /// <summary>Return at which the task counts as solved (the env spec's threshold when null).</summary>
    public double? RewardThreshold { get; init; }
    public bool ShowProgress { get; init; } = true;
    /// <summary>Checkpoint to resume from (its counters, networks, optimizer, replay, RNG and episode history).</summary>
    public string? ResumeFrom { get; init; }
    /// <summary>The agent's config as JSON, recorded in summary.json and the checkpoint.</summary>
    public JsonObject? AgentConfig { get; init; }
}

/// <summary>The numbers a run ends with; written as summary.json.</summary>
public sealed record RunSummary
{
    public required string Algo { get; init; }
    public required string Env { get; init; }
    public int Seed { get; init; }
    public long EnvSteps { get; init; }
    public double WallSeconds { get; init; }
    public int Episodes { get; init; }
    public double? FinalMeanReturn { get; init; }
    public long? SolvedAtStep { get; init; }
    public double EvalMeanReturn { get; init; }
    public double EvalStdReturn { get; init; }
    public int EvalEpisodes { get; init; }
    public long? EvalSolvedAtStep { get; init; }
    public double? RewardThreshold { get; init; }
    public double StepsPerSecond { get; init; }
    public string Checkpoint { get; init; } = "";
    /// <summary>Best periodic evaluation (null without periodic evaluation), its step and checkpoint.</summary>
    public double? BestEvalMeanReturn { get; init; }
    public long? BestEvalStep { get; init; }
    public string? BestCheckpoint { get; init; }

    public JsonObject ToJson(IReadOnlyDictionary<string, string> envArgs, JsonObject? config)
    {
        var args = new JsonObject();
        foreach (var (k, v) in envArgs) args[k] = v;
        return new JsonObject
        {
            ["algo"] = Algo,
            ["env"] = Env,
            ["env_args"] = args,
            ["seed"] = Seed,
            ["env_steps"] = EnvSteps,
            ["wall_seconds"] = Math.Round(WallSeconds, 3),
            ["steps_per_second"] = Math.Round(StepsPerSecond, 1),
            ["episodes"] = Episodes,
            ["final_mean_return"] = FinalMeanReturn,
            ["reward_threshold"] = RewardThreshold,
            ["solved_at_step"] = SolvedAtStep,
            ["eval_mean_return"] = EvalMeanReturn,
            ["eval_std_return"] = EvalStdReturn,
            ["eval_episodes"] = EvalEpisodes,
            ["eval_solved_at_step"] = EvalSolvedAtStep,
            ["checkpoint"] = Checkpoint,
            ["best_eval_mean_return"] = BestEvalMeanReturn,
            ["best_eval_step"] = BestEvalStep,
            ["best_checkpoint"] = BestCheckpoint,
            ["config"] = config?.DeepClone(),
        };
    }
}

/// <summary>
/// The run loop every stream-fed agent shares: step a vector env with the agent's actions, hand each
/// transition to the agent, let it train, track episodes, evaluate, log, checkpoint, and summarize.
/// <para>solved_at_step is the first env step at which the mean return of the last 100 training episodes
/// reached the threshold (Gymnasium's definition of solving, measured on the training episodes, so it
/// includes exploration); eval_solved_at_step is the first periodic evaluation whose deterministic mean
/// over <see cref="TrainerOptions.EvalEpisodes"/> episodes reached it.</para>
/// </summary>
public static class Trainer
{
    private const int Window = 100;

    public static RunSummary Run(IAgent agent, Func<IEnv> makeEnv, TrainerOptions o)
    {
        if (o.EvalEpisodes < 1) throw new ArgumentException($"eval_episodes must be at least 1, got {o.EvalEpisodes}");
        if (o.TotalSteps < 1) throw new ArgumentException($"steps must be at least 1, got {o.TotalSteps}");
        var run = new RunDirectory(o.OutDir);
        var clock = Stopwatch.StartNew();
        double threshold = o.RewardThreshold ?? double.NaN;
        var history = new List<(long Step, double Return, int Length)>();
        var evals = new List<(long Step, double MeanReturn)>();
        long envSteps = 0;
        long? solvedAt = null, evalSolvedAt = null, bestEvalStep = null;
        double bestEval = double.NegativeInfinity;
        (long Step, EvalResult Result)? lastEval = null;
        double priorWallSeconds = 0;

        if (o.ResumeFrom is string resume)
        {
            var ckpt = CheckpointFile.Read(resume);
            var meta = ckpt.GetJsonNode("trainer/meta");
            Checkpoint.EnsureMatches("algorithm", agent.Algo, (string)meta["algo"]!);
            Checkpoint.EnsureMatches("env", o.EnvId, (string)meta["env"]!);
            agent.Load(ckpt);
            envSteps = (long)meta["env_steps"]!;
            priorWallSeconds = (double)meta["wall_seconds"]!;
            solvedAt = (long?)meta["solved_at_step"];
            evalSolvedAt = (long?)meta["eval_solved_at_step"];
            // The best evaluation so far, so a resumed run does not overwrite a better best checkpoint.
            if ((long?)meta["best_eval_step"] is long bs) { bestEvalStep = bs; bestEval = (double)meta["best_eval_mean_return"]!; }
            if (meta["evals"] is JsonArray saved)
                foreach (var e in saved) evals.Add(((long)e![0]!, (double)e[1]!));
            history.AddRange(ReadHistory(ckpt.GetBytes("trainer/episodes")));
        }

        using var venv = new SyncVectorEnv(Enumerable.Range(0, agent.NumEnvs).Select(_ => makeEnv()).ToArray());
        int n = venv.NumEnvs, obsSize = venv.SingleObservationSpace.FlatSize, actSize = venv.SingleActionSpace.FlatSize;
        var obsBefore = new float[n * obsSize];
        var nextObs = new float[n * obsSize];
        var actions = new float[n * actSize];
        var epReturn = new double[n];
        var epLength = new int[n];
        var starts = new bool[n];
        var window = new Queue<double>(history.TakeLast(Window).Select(h => h.Return));
        double windowSum = window.Sum();

        using var logger = run.CreateLogger(tensorBoard: true, append: o.ResumeFrom is not null);
        logger.EpisodeOffset = history.Count;
        using var progress = o.ShowProgress ? new ProgressDisplay(o.TotalSteps, startStep: envSteps) : null;
        // Resumed runs use a seed derived from the step count, so they do not replay the first episodes.
        venv.Reset(o.ResumeFrom is null ? o.Seed : unchecked(o.Seed + (int)(envSteps % int.MaxValue) * 7919));
        Array.Fill(starts, true);
        agent.OnEpisodeStart(starts);
        long nextEval = o.EvalInterval > 0 ? (envSteps / o.EvalInterval + 1) * o.EvalInterval : long.MaxValue;
        long nextCkpt = o.CheckpointInterval > 0 ? (envSteps / o.CheckpointInterval + 1) * o.CheckpointInterval : long.MaxValue;
        long startSteps = envSteps;
        long lastMetricsStep = envSteps;

        while (envSteps < o.TotalSteps)
        {
            var p = new Progress(envSteps, o.TotalSteps);
            Array.Copy(venv.Observations, obsBefore, obsBefore.Length);
            agent.Act(obsBefore, actions, p, deterministic: false);
            venv.Step(actions);
            envSteps += n;

            Array.Copy(venv.Observations, nextObs, nextObs.Length);
            bool anyDone = false;
            for (int i = 0; i < n; i++)
            {
                starts[i] = false;
                epReturn[i] += venv.Rewards[i];
                epLength[i]++;
                if (!venv.Terminated[i] && !venv.Truncated[i]) continue;
                anyDone = true;
                starts[i] = true;
                Array.Copy(venv.FinalObservations, i * obsSize, nextObs, i * obsSize, obsSize);
                history.Add((envSteps, epReturn[i], epLength[i]));
                logger.LogEpisode(envSteps, epReturn[i], epLength[i]);
                window.Enqueue(epReturn[i]);
                windowSum += epReturn[i];
                if (window.Count > Window) windowSum -= window.Dequeue();
                if (solvedAt is null && window.Count == Window && windowSum / Window >= threshold) solvedAt = envSteps;
                epReturn[i] = 0;
                epLength[i] = 0;
            }

            var after = new Progress(envSteps, o.TotalSteps);
            agent.Observe(new VectorTransition
            {
                Observations = obsBefore,
                Actions = actions,
                Rewards = venv.Rewards,
                Terminated = venv.Terminated,
                Truncated = venv.Truncated,
                NextObservations = nextObs,
            }, after);
            if (anyDone) agent.OnEpisodeStart(starts);

            var metrics = agent.MaybeUpdate(after);
            if (metrics is not null && envSteps - lastMetricsStep >= 1000)
            {
                lastMetricsStep = envSteps;
                foreach (var (k, v) in metrics) logger.Log(k, v, envSteps);
                double sps = (envSteps - startSteps) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                logger.Log("time/steps_per_second", sps, envSteps);
                if (window.Count > 0) logger.Log("train/mean_return_100", windowSum / window.Count, envSteps);
            }
            progress?.Update(envSteps, history.Count, window.Count > 0 ? windowSum / window.Count : double.NaN);

            if (envSteps >= nextEval)
            {
                nextEval += o.EvalInterval;
                var ev = Evaluator.Run(agent, makeEnv, o.EvalEpisodes, o.Seed + 1_000_003, after);
                lastEval = (envSteps, ev);
                evals.Add((envSteps, ev.MeanReturn));
                logger.Log("eval/mean_return", ev.MeanReturn, envSteps);
                if (evalSolvedAt is null && ev.MeanReturn >= threshold) evalSolvedAt = envSteps;
                if (ev.MeanReturn > bestEval)
                {
                    // DQN-style learners can forget a solved task later in a run; keep the best policy seen.
                    bestEval = ev.MeanReturn;
                    bestEvalStep = envSteps;
                    SaveCheckpoint(agent, o, run.BestCheckpoint, envSteps, priorWallSeconds + clock.Elapsed.TotalSeconds, solvedAt, evalSolvedAt, history, bestEvalStep, bestEval, evals);
                }
            }
            if (envSteps >= nextCkpt)
            {
                nextCkpt += o.CheckpointInterval;
                SaveCheckpoint(agent, o, run.Checkpoint, envSteps, priorWallSeconds + clock.Elapsed.TotalSeconds, solvedAt, evalSolvedAt, history, bestEvalStep, bestEval, evals);
            }
        }
        progress?.Finish();

        double wall = priorWallSeconds + clock.Elapsed.TotalSeconds;
        SaveCheckpoint(agent, o, run.Checkpoint, envSteps, wall, solvedAt, evalSolvedAt, history, bestEvalStep, bestEval, evals);
        // The final policy's evaluation; a periodic one at this very step already is it.
        EvalResult final;
        if (lastEval is { } le && le.Step == envSteps) final = le.Result;
        else
        {
            final = Evaluator.Run(agent, makeEnv, o.EvalEpisodes, o.Seed + 1_000_003, new Progress(envSteps, o.TotalSteps));
            logger.Log("eval/mean_return", final.MeanReturn, envSteps);
            if (evalSolvedAt is null && final.MeanReturn >= threshold) evalSolvedAt = envSteps;
            evals.Add((envSteps, final.MeanReturn));
        }

        var summary = new RunSummary
        {
            Algo = agent.Algo,
            Env = o.EnvId,
            Seed = o.Seed,
            EnvSteps = envSteps,
            WallSeconds = wall,
            Episodes = history.Count,
            FinalMeanReturn = history.Count == 0 ? null : history.TakeLast(Window).Average(h => h.Return),
            SolvedAtStep = solvedAt,
            EvalMeanReturn = final.MeanReturn,
            EvalStdReturn = final.StdReturn,
            EvalEpisodes = final.Returns.Length,
            EvalSolvedAtStep = evalSolvedAt,
            RewardThreshold = o.RewardThreshold,
            StepsPerSecond = (envSteps - startSteps) / Math.Max(1e-9, clock.Elapsed.TotalSeconds),
            Checkpoint = run.Checkpoint,
            BestEvalMeanReturn = bestEvalStep is null ? null : bestEval,
            BestEvalStep = bestEvalStep,
            BestCheckpoint = bestEvalStep is null ? null : run.BestCheckpoint,
        };
        logger.Flush();
        LearningCurvePlot.Save(run.CurvePng, history.Select(h => (h.Step, h.Return)).ToList(),
            $"{agent.Algo} on {o.EnvId} (seed {o.Seed})", o.RewardThreshold, evals);
        RunDirectory.WriteJsonAtomic(run.SummaryJson, summary.ToJson(o.EnvArgs, o.AgentConfig));
        return summary;
    }

    private static void SaveCheckpoint(IAgent agent, TrainerOptions o, string path, long envSteps, double wall,
        long? solvedAt, long? evalSolvedAt, List<(long Step, double Return, int Length)> history,
        long? bestEvalStep, double bestEval, List<(long Step, double MeanReturn)> evals)
    {
        var evalList = new JsonArray();
        foreach (var (st, m) in evals) evalList.Add(new JsonArray(st, m));
        var c = new Checkpoint();
        var args = new JsonObject();
        foreach (var (k, v) in o.EnvArgs) args[k] = v;
        c.SetJson("trainer/meta", new JsonObject
        {
            ["algo"] = agent.Algo,
            ["env"] = o.EnvId,
            ["env_args"] = args,
            ["seed"] = o.Seed,
            ["env_steps"] = envSteps,
            ["wall_seconds"] = wall,
            ["solved_at_step"] = solvedAt,
            ["eval_solved_at_step"] = evalSolvedAt,
            ["best_eval_step"] = bestEvalStep,
            ["best_eval_mean_return"] = bestEvalStep is null ? null : bestEval,
            ["evals"] = evalList,
            ["observation_space"] = agent.ObservationSpace.ToString(),
            ["action_space"] = agent.ActionSpace.ToString(),
        });
        c.SetBytes("trainer/episodes", WriteHistory(history));
        if (o.AgentConfig is not null) c.SetJson("trainer/config", o.AgentConfig);
        agent.Save(c);
        CheckpointFile.Write(path, c);
    }

    private static byte[] WriteHistory(List<(long Step, double Return, int Length)> h)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(h.Count);
        foreach (var (s, r, l) in h) { w.Write(s); w.Write(r); w.Write(l); }
        w.Flush();
        return ms.ToArray();
    }

    private static IEnumerable<(long, double, int)> ReadHistory(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        int n = r.ReadInt32();
        var list = new List<(long, double, int)>(n);
        for (int i = 0; i < n; i++) list.Add((r.ReadInt64(), r.ReadDouble(), r.ReadInt32()));
        return list;
    }
}
