using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Datasets;
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
    /// <summary>Seed of the evaluation episodes (periodic and final); null: <see cref="Seed"/> + 1,000,003. PBT sets one seed for
    /// every member at a ready point so they are ranked on the same episodes.</summary>
    public int? EvalSeed { get; init; }
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
    /// <summary>Ends the run early but in order: the current update finishes, then the checkpoint, flushed logs, curve
    /// and summary are written as at the end (the final evaluation is skipped, so the stop is quick; the summary says
    /// <c>"stopped": true</c>). The CLI cancels it on SIGINT/SIGTERM.</summary>
    public CancellationToken Stop { get; init; }
    /// <summary>A fresh run (no <see cref="ResumeFrom"/>) into a folder that holds a run already replaces it; without this
    /// such a run is refused.</summary>
    public bool Overwrite { get; init; }
    /// <summary>A dataset for an <see cref="IOfflineAgent"/>: loaded into its replay before anything else (not on resume:
    /// the checkpoint's replay already holds it).</summary>
    public OfflineDataset? Dataset { get; init; }
    /// <summary>Offline gradient steps on the dataset before the first env step (the offline phase); 0: none.
    /// <see cref="EvalInterval"/> and <see cref="CheckpointInterval"/> count these updates during the offline phase.</summary>
    public long OfflineSteps { get; init; }
    /// <summary>The caller's hooks (episodes, evaluations, checkpoints, progress, early stopping); null: none.</summary>
    public TrainingCallbacks? Callbacks { get; init; }
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
    /// <summary>Standard deviation of the returns behind <see cref="FinalMeanReturn"/> and how many episodes (≤ 100) they are.</summary>
    public double? FinalStdReturn { get; init; }
    public int FinalWindowEpisodes { get; init; }
    public long? SolvedAtStep { get; init; }
    /// <summary>Wall-clock seconds into the run when the training mean reached the threshold.</summary>
    public double? SolvedAtWallSeconds { get; init; }
    public double EvalMeanReturn { get; init; }
    public double EvalStdReturn { get; init; }
    public int EvalEpisodes { get; init; }
    public long? EvalSolvedAtStep { get; init; }
    /// <summary>Fraction of the final evaluation's episodes that ended with <c>is_success</c>; null when the env never reports it.</summary>
    public double? EvalSuccessRate { get; init; }
    public double? RewardThreshold { get; init; }
    public double StepsPerSecond { get; init; }
    public string Checkpoint { get; init; } = "";
    /// <summary>Best periodic evaluation (null without periodic evaluation), its step and checkpoint.</summary>
    public double? BestEvalMeanReturn { get; init; }
    public long? BestEvalStep { get; init; }
    public string? BestCheckpoint { get; init; }
    /// <summary>True when the run was stopped before <see cref="TrainerOptions.TotalSteps"/> (the final evaluation was then skipped).</summary>
    public bool Stopped { get; init; }
    /// <summary>True when a <see cref="TrainingCallbacks.StopWhen"/> callback ended the run after an evaluation (which is then the final one).</summary>
    public bool EarlyStopped { get; init; }
    /// <summary>Offline updates run before the online phase (0 without one).</summary>
    public long OfflineUpdates { get; init; }

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
            ["final_std_return"] = FinalStdReturn,
            ["final_window_episodes"] = FinalWindowEpisodes,
            ["reward_threshold"] = RewardThreshold,
            ["solved_at_step"] = SolvedAtStep,
            ["solved_at_wall_seconds"] = SolvedAtWallSeconds is double w ? Math.Round(w, 3) : null,
            ["stopped"] = Stopped,
            ["early_stopped"] = EarlyStopped,
            ["eval_mean_return"] = EvalEpisodes == 0 ? null : EvalMeanReturn,
            ["eval_std_return"] = EvalEpisodes == 0 ? null : EvalStdReturn,
            ["eval_episodes"] = EvalEpisodes,
            ["eval_solved_at_step"] = EvalSolvedAtStep,
            ["eval_success_rate"] = EvalSuccessRate,
            ["checkpoint"] = Checkpoint,
            ["best_eval_mean_return"] = BestEvalMeanReturn,
            ["best_eval_step"] = BestEvalStep,
            ["best_checkpoint"] = BestCheckpoint,
            ["offline_updates"] = OfflineUpdates,
            ["config"] = config?.DeepClone(),
        };
    }
}

/// <summary>
/// The run loop every agent shares: step a vector env with the agent's actions, hand each transition to the
/// agent, let it train, track episodes, evaluate, log, checkpoint, and summarize. Agents that run their own
/// threads (<see cref="IConcurrentAgent"/>) get the same books: the trainer collects their episodes and
/// metrics, pauses them to evaluate and checkpoint, and writes the same summary.json.
/// <para>solved_at_step is the first env step at which the mean return of the last 100 training episodes
/// reached the threshold (Gymnasium's definition of solving, measured on the training episodes, so it
/// includes exploration); eval_solved_at_step is the first periodic evaluation whose deterministic mean
/// over <see cref="TrainerOptions.EvalEpisodes"/> episodes reached it.</para>
/// <para>With an offline phase (<see cref="TrainerOptions.OfflineSteps"/>, an <see cref="IOfflineAgent"/>) the trainer
/// first runs that many updates on the dataset, without env steps. Everything logged in that phase (losses, evaluations)
/// is placed at step u − N for offline update u of N, so offline points sit at steps ≤ 0 and the online phase starts at
/// 0: the switch is step 0 on every curve, <c>train/phase</c> is logged 0 in the offline phase and 1 at the switch, and
/// curve.png draws a line there.</para>
/// </summary>
public static class Trainer
{
    private const int Window = 100;

    private static double Std(double[] x)
    {
        double mean = x.Average();
        return Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average());
    }

    public static RunSummary Run(IAgent agent, Func<IEnv> makeEnv, TrainerOptions o)
    {
        if (o.EvalEpisodes < 1) throw new ArgumentException($"eval_episodes must be at least 1, got {o.EvalEpisodes}");
        if (o.OfflineSteps < 0) throw new ArgumentException($"offline steps must not be negative, got {o.OfflineSteps}");
        if (o.TotalSteps < (o.OfflineSteps > 0 ? 0 : 1))
            throw new ArgumentException($"steps must be at least 1 (or 0 after an offline phase), got {o.TotalSteps}");
        var offline = agent as IOfflineAgent;
        if ((o.Dataset is not null || o.OfflineSteps > 0) && offline is null)
            throw new ArgumentException($"algorithm '{agent.Algo}' does not learn from a dataset (no offline phase); give --dataset and --offline-steps to an offline learner");
        if (o.OfflineSteps > 0 && o.Dataset is null && o.ResumeFrom is null)
            throw new ArgumentException($"{o.OfflineSteps} offline steps were asked for without a dataset to learn from (--dataset FILE)");
        using var books = new Books(agent, makeEnv, o);
        if (offline is not null && o.Dataset is not null && o.ResumeFrom is null) offline.LoadDataset(o.Dataset);
        if (offline is not null && o.OfflineSteps > 0) OfflineLoop(offline, o, books);
        books.OfflineUpdates = offline?.OfflineUpdates ?? 0;
        switch (agent)
        {
            case IStreamAgent stream: StreamLoop(stream, makeEnv, o, books); break;
            case IConcurrentAgent concurrent: ConcurrentLoop(concurrent, makeEnv, o, books); break;
            default: throw new ArgumentException($"agent '{agent.Algo}' is neither a stream agent nor a concurrent agent; the trainer cannot drive it");
        }
        return books.Finish();
    }

    private static void StreamLoop(IStreamAgent agent, Func<IEnv> makeEnv, TrainerOptions o, Books books)
    {
        using var venv = new SyncVectorEnv(Enumerable.Range(0, agent.NumEnvs).Select(_ => makeEnv()).ToArray());
        int n = venv.NumEnvs, obsSize = venv.SingleObservationSpace.FlatSize, actSize = venv.SingleActionSpace.FlatSize;
        var obsBefore = new float[n * obsSize];
        var nextObs = new float[n * obsSize];
        var actions = new float[n * actSize];
        var epReturn = new double[n];
        var epLength = new int[n];
        var starts = new bool[n];

        venv.Reset(books.ResetSeed);
        Array.Fill(starts, true);
        agent.OnEpisodeStart(starts);

        while (books.EnvSteps < o.TotalSteps && !o.Stop.IsCancellationRequested && !books.EarlyStopped)
        {
            var p = new Progress(books.EnvSteps, o.TotalSteps);
            Array.Copy(venv.Observations, obsBefore, obsBefore.Length);
            agent.Act(obsBefore, actions, p, deterministic: false);
            venv.Step(actions);
            long envSteps = books.EnvSteps + n;

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
                books.Episode(envSteps, epReturn[i], epLength[i]);
                epReturn[i] = 0;
                epLength[i] = 0;
            }
            books.EnvSteps = envSteps;

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

            books.Metrics(agent.MaybeUpdate(after));
            books.Milestones();
        }
    }

    /// <summary>Offline updates until the agent has made <see cref="TrainerOptions.OfflineSteps"/> of them (a resumed agent
    /// continues from its checkpointed count); evaluations and checkpoints by the same intervals, counted in updates.</summary>
    private static void OfflineLoop(IOfflineAgent agent, TrainerOptions o, Books books)
    {
        if (books.EnvSteps > 0) return; // resumed in the online phase: the offline phase is over
        books.LogPhase(0, agent.OfflineUpdates - o.OfflineSteps);
        while (agent.OfflineUpdates < o.OfflineSteps && !o.Stop.IsCancellationRequested)
        {
            var m = agent.OfflineUpdate();
            books.OfflineProgress(agent.OfflineUpdates, o.OfflineSteps, m);
        }
        if (agent.OfflineUpdates >= o.OfflineSteps) books.LogPhase(1, 0); // a stop mid-phase resumes offline
    }

    private static void ConcurrentLoop(IConcurrentAgent agent, Func<IEnv> makeEnv, TrainerOptions o, Books books)
    {
        var run = new ConcurrentRun(makeEnv, books.ResetSeed, books.EnvSteps, o.TotalSteps);
        books.PauseAgent = run.Pause;
        books.ResumeAgent = run.Resume;
        using var onStop = o.Stop.Register(run.RequestStop);
        try
        {
            agent.Start(run);
            while (true)
            {
                bool running = run.AnyAlive && !run.Stopping;
                if (running) Thread.Sleep(20);
                long steps = Math.Min(run.EnvSteps, Math.Max(o.TotalSteps, books.EnvSteps));
                while (run.TryDequeueEpisode(out var ep)) books.Episode(steps, ep.Return, ep.Length);
                books.EnvSteps = steps;
                books.Metrics(run.TakeMetrics());
                if (run.Fault is not null || !running) break;
                books.Milestones();
                if (books.EarlyStopped) run.RequestStop();
            }
        }
        finally
        {
            books.PauseAgent = null;
            books.ResumeAgent = null;
            run.StopAndJoin();
        }
        while (run.TryDequeueEpisode(out var ep)) books.Episode(books.EnvSteps, ep.Return, ep.Length);
        books.EnvSteps = Math.Max(books.EnvSteps, run.EnvSteps);
    }

    /// <summary>Episode history, the solved-at bookkeeping, evaluations, checkpoints, logging and the summary.</summary>
    private sealed class Books : IDisposable
    {
        private readonly IAgent _agent;
        private readonly Func<IEnv> _makeEnv;
        private readonly TrainerOptions _o;
        private readonly RunDirectory _run;
        private readonly IDisposable _lock;
        /// <summary>How far each log file (relative to the run folder) reached at the last checkpoint of this folder.</summary>
        private readonly Dictionary<string, long> _logExtents = new();
        private bool _resumedHere;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly double _threshold;
        private readonly List<(long Step, double Return, int Length)> _history = new();
        private readonly List<(long Step, double MeanReturn)> _evals = new();
        private readonly Queue<double> _window;
        private readonly MetricsLogger _logger;
        private readonly ProgressDisplay? _progress;
        private readonly long _startSteps;
        private double _priorWallSeconds;
        private double _windowSum;
        private long? _solvedAt, _evalSolvedAt, _bestEvalStep;
        private double? _solvedAtWall;
        private double _bestEval = double.NegativeInfinity;
        private (long Step, EvalResult Result)? _lastEval;
        private long _nextEval, _nextCkpt, _lastMetricsStep;

        public long EnvSteps;
        public Action? PauseAgent, ResumeAgent;
        /// <summary>A <see cref="TrainingCallbacks.StopWhen"/> callback asked to end the run after an evaluation.</summary>
        public bool EarlyStopped { get; private set; }
        private TrainingCallbacks? Callbacks => _o.Callbacks;
        /// <summary>Offline updates the agent ran (set after the offline phase, for the summary and the curve's switch line).</summary>
        public long OfflineUpdates;
        private long _lastOfflineMetrics;

        /// <summary>The seed of the first vector reset: resumed runs derive one from the step count, so they do not replay the first episodes.</summary>
        public int ResetSeed => _o.ResumeFrom is null ? _o.Seed : unchecked(_o.Seed + (int)(EnvSteps % int.MaxValue) * 7919);

        public Books(IAgent agent, Func<IEnv> makeEnv, TrainerOptions o)
        {
            _agent = agent;
            _makeEnv = makeEnv;
            _o = o;
            _threshold = o.RewardThreshold ?? double.NaN;
            // The checkpoint is read and checked before the run folder is made, so a refused --resume leaves nothing behind.
            if (o.ResumeFrom is string resume)
            {
                try { Resume(resume); }
                catch (CheckpointException e) when (!e.Message.Contains(resume, StringComparison.Ordinal))
                {
                    throw new CheckpointException($"cannot resume from '{resume}': {e.Message}", e);
                }
            }
            bool existed = Directory.Exists(o.OutDir);
            _run = new RunDirectory(o.OutDir);
            try { _lock = _run.Lock(); }
            catch { if (!existed) TryRemoveEmpty(_run.Root); throw; }
            try
            {
                if (o.ResumeFrom is null && _run.HoldsRun)
                {
                    if (!o.Overwrite)
                        throw new IOException($"run folder '{_run.Root}' holds a run already (checkpoint or summary); resume it (--resume), give another --out, or replace it (--overwrite)");
                    _run.Clear();
                }
                AtomicFile.RemoveStaleTemps(_run.Root);
                if (_resumedHere) _run.CutLogsTo(_logExtents);
                else if (o.ResumeFrom is null) _run.Clear(); // a folder without a checkpoint may still hold the logs of a run killed before its first one
                _logger = _run.CreateLogger(tensorBoard: true, append: o.ResumeFrom is not null);
            }
            catch { _lock.Dispose(); throw; }
            _window = new Queue<double>(_history.TakeLast(Window).Select(h => h.Return));
            _windowSum = _window.Sum();
            _logger.EpisodeOffset = _history.Count;
            _progress = o.ShowProgress ? new ProgressDisplay(o.TotalSteps, startStep: EnvSteps) : null;
            _nextEval = o.EvalInterval > 0 ? (EnvSteps / o.EvalInterval + 1) * o.EvalInterval : long.MaxValue;
            _nextCkpt = o.CheckpointInterval > 0 ? (EnvSteps / o.CheckpointInterval + 1) * o.CheckpointInterval : long.MaxValue;
            _startSteps = EnvSteps;
            _lastMetricsStep = EnvSteps;
        }

        /// <summary>Restores the agent and the run's books from a checkpoint; content that does not decode is a
        /// <see cref="CheckpointException"/> naming the file and the section.</summary>
        private void Resume(string path)
        {
            var ckpt = CheckpointFile.Read(path);
            var meta = ckpt.GetJsonNode("trainer/meta");
            string algo, env;
            try { (algo, env) = ((string)meta["algo"]!, (string)meta["env"]!); }
            catch (Exception e) when (e is not CheckpointException) { throw BadSection(path, "trainer/meta", "lacks a string 'algo' or 'env'", e); }
            // The checkpoint's value first, this run's second (EnsureMatches words the message that way).
            Checkpoint.EnsureMatches("algorithm", algo, _agent.Algo);
            Checkpoint.EnsureMatches("env", env, _o.EnvId);
            try
            {
                EnvSteps = (long)meta["env_steps"]!;
                _priorWallSeconds = (double)meta["wall_seconds"]!;
                _solvedAt = (long?)meta["solved_at_step"];
                _solvedAtWall = (double?)meta["solved_at_wall_seconds"];
                _evalSolvedAt = (long?)meta["eval_solved_at_step"];
                // The best evaluation so far, so a resumed run does not overwrite a better best checkpoint.
                if ((long?)meta["best_eval_step"] is long bs) { _bestEvalStep = bs; _bestEval = (double)meta["best_eval_mean_return"]!; }
                if (meta["evals"] is JsonArray saved)
                    foreach (var e in saved) _evals.Add(((long)e![0]!, (double)e[1]!));
            }
            catch (Exception e) when (e is not CheckpointException) { throw BadSection(path, "trainer/meta", "has a missing or mistyped counter", e); }
            if (EnvSteps < 0) throw BadSection(path, "trainer/meta", $"has env_steps = {EnvSteps}", null);
            _history.AddRange(ReadHistory(ckpt.GetBytes("trainer/episodes"), path));
            // Not used to resume (this run's config is), but eval rebuilds the agent from it: a checkpoint whose saved
            // config does not parse is refused here too, rather than resumed into one that eval then refuses.
            if (ckpt.Contains("trainer/config")) ckpt.GetJsonNode("trainer/config");
            // Log extents count only in the folder they were measured in (a checkpoint copied elsewhere, as PBT copies
            // members, or resumed into a new --out, continues whatever logs are there).
            try
            {
                if (meta["logs"] is JsonObject logs && (string?)logs["dir"] == Path.GetFullPath(_o.OutDir) && logs["files"] is JsonObject files)
                {
                    foreach (var (rel, bytes) in files) _logExtents[rel] = (long)bytes!;
                    _resumedHere = true;
                }
            }
            catch (Exception e) when (e is not CheckpointException) { throw BadSection(path, "trainer/meta", "has a malformed 'logs' record", e); }
            _agent.Load(ckpt);
        }


        private double Wall => _priorWallSeconds + _clock.Elapsed.TotalSeconds;

        /// <summary>train/phase: 0 while learning offline, 1 from the switch to online learning.</summary>
        public void LogPhase(int phase, long step) => _logger.Log("train/phase", phase, step);

        /// <summary>After offline update <paramref name="update"/> of <paramref name="total"/>: metrics every 1,000 updates,
        /// evaluation and checkpoint by their intervals counted in updates, all at step update − total (≤ 0).</summary>
        public void OfflineProgress(long update, long total, IReadOnlyDictionary<string, double> metrics)
        {
            long step = update - total;
            if (update - _lastOfflineMetrics >= 1000 || update == total)
            {
                _lastOfflineMetrics = update;
                foreach (var (k, v) in metrics) _logger.Log(k, v, step);
                _logger.Log("train/offline_updates", update, step);
            }
            if (_o.EvalInterval > 0 && (update % _o.EvalInterval == 0 || update == total))
            {
                var ev = Evaluator.Run(_agent, _makeEnv, _o.EvalEpisodes, _o.EvalSeed ?? unchecked(_o.Seed + 1_000_003), new Progress(0, _o.TotalSteps));
                _evals.Add((step, ev.MeanReturn));
                _logger.Log(MetricNames.EvalMeanReturn, ev.MeanReturn, step);
                _logger.Log("eval/offline_mean_return", ev.MeanReturn, step);
                if (ev.SuccessRate is double rate) _logger.Log(MetricNames.EvalSuccessRate, rate, step);
                if (update == total) _lastEval = (0, ev); // the policy at the switch, which step 0 evaluates
                if (ev.MeanReturn > _bestEval)
                {
                    _bestEval = ev.MeanReturn;
                    _bestEvalStep = step;
                    Save(_run.BestCheckpoint, isBest: true);
                }
            }
            if (_o.CheckpointInterval > 0 && update % _o.CheckpointInterval == 0) Save(_run.Checkpoint);
            _progress?.Update(0, _history.Count, double.NaN);
        }

        public void Episode(long step, double ret, int length)
        {
            _history.Add((step, ret, length));
            _logger.LogEpisode(step, ret, length);
            _window.Enqueue(ret);
            _windowSum += ret;
            if (_window.Count > Window) _windowSum -= _window.Dequeue();
            if (_solvedAt is null && _window.Count == Window && _windowSum / Window >= _threshold)
            {
                _solvedAt = step;
                _solvedAtWall = Wall;
            }
            Callbacks?.Episode?.Invoke(new EpisodeEnded(step, _history.Count, ret, length));
        }

        public void Metrics(IReadOnlyDictionary<string, double>? metrics)
        {
            if (metrics is not null && EnvSteps - _lastMetricsStep >= 1000)
            {
                _lastMetricsStep = EnvSteps;
                foreach (var (k, v) in metrics) _logger.Log(k, v, EnvSteps);
                double sps = (EnvSteps - _startSteps) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
                _logger.Log("time/steps_per_second", sps, EnvSteps);
                if (_window.Count > 0) _logger.Log("train/mean_return_100", _windowSum / _window.Count, EnvSteps);
                Callbacks?.Progress?.Invoke(new TrainingProgress(EnvSteps, _o.TotalSteps, _history.Count,
                    _window.Count > 0 ? _windowSum / _window.Count : double.NaN, sps, metrics));
            }
            _progress?.Update(EnvSteps, _history.Count, _window.Count > 0 ? _windowSum / _window.Count : double.NaN);
        }

        /// <summary>Periodic evaluation and checkpoint, when due (with a concurrent agent paused meanwhile).</summary>
        public void Milestones()
        {
            bool eval = EnvSteps >= _nextEval, ckpt = EnvSteps >= _nextCkpt;
            if (!eval && !ckpt) return;
            PauseAgent?.Invoke();
            try
            {
                if (eval)
                {
                    while (_nextEval <= EnvSteps) _nextEval += _o.EvalInterval;
                    var ev = Evaluator.Run(_agent, _makeEnv, _o.EvalEpisodes, _o.EvalSeed ?? unchecked(_o.Seed + 1_000_003), new Progress(EnvSteps, _o.TotalSteps));
                    _lastEval = (EnvSteps, ev);
                    _evals.Add((EnvSteps, ev.MeanReturn));
                    LogEval(ev);
                    if (_evalSolvedAt is null && ev.MeanReturn >= _threshold) _evalSolvedAt = EnvSteps;
                    bool best = ev.MeanReturn > _bestEval;
                    if (best)
                    {
                        // DQN-style learners can forget a solved task later in a run; keep the best policy seen.
                        _bestEval = ev.MeanReturn;
                        _bestEvalStep = EnvSteps;
                        Save(_run.BestCheckpoint, isBest: true);
                    }
                    var done = new EvaluationDone(EnvSteps, ev, best);
                    Callbacks?.Evaluation?.Invoke(done);
                    if (Callbacks?.StopWhen?.Invoke(done) == true) EarlyStopped = true;
                }
                if (ckpt)
                {
                    while (_nextCkpt <= EnvSteps) _nextCkpt += _o.CheckpointInterval;
                    Save(_run.Checkpoint);
                }
            }
            finally { ResumeAgent?.Invoke(); }
        }

        private void LogEval(EvalResult ev)
        {
            _logger.Log(MetricNames.EvalMeanReturn, ev.MeanReturn, EnvSteps);
            if (ev.SuccessRate is double rate) _logger.Log(MetricNames.EvalSuccessRate, rate, EnvSteps);
        }

        /// <summary>Flushes the logs, records how far each reached, and writes the checkpoint with that record, so a
        /// resume from it cuts the logs back to exactly the history it holds.</summary>
        private void Save(string path, bool isBest = false)
        {
            foreach (var (file, bytes) in _logger.FlushAndMeasure()) _logExtents[_run.Relative(file)] = bytes;
            var files = new JsonObject();
            foreach (var (rel, bytes) in _logExtents) files[rel] = bytes;
            var logs = new JsonObject { ["dir"] = _run.Root, ["files"] = files };
            SaveCheckpoint(_agent, _o, path, EnvSteps, Wall, _solvedAt, _solvedAtWall, _evalSolvedAt, _history, _bestEvalStep, _bestEval, _evals, logs);
            Callbacks?.Checkpoint?.Invoke(new CheckpointWritten(EnvSteps, path, isBest));
        }

        private static void TryRemoveEmpty(string dir)
        {
            try { if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir); } catch (IOException) { }
        }

        public RunSummary Finish()
        {
            _progress?.Finish();
            double wall = Wall;
            bool stopped = (EnvSteps < _o.TotalSteps || OfflineUpdates < _o.OfflineSteps) && _o.Stop.IsCancellationRequested;
            Save(_run.Checkpoint);
            // The final policy's evaluation; a periodic one at this very step already is it. A stopped run skips it:
            // the user asked for the process to end (astromech eval CHECKPOINT evaluates it later).
            EvalResult final;
            if (stopped) final = new EvalResult(Array.Empty<double>(), Array.Empty<int>(), null);
            else if (_lastEval is { } le && le.Step == EnvSteps) final = le.Result;
            else
            {
                final = Evaluator.Run(_agent, _makeEnv, _o.EvalEpisodes, _o.EvalSeed ?? unchecked(_o.Seed + 1_000_003), new Progress(EnvSteps, _o.TotalSteps));
                LogEval(final);
                if (_evalSolvedAt is null && final.MeanReturn >= _threshold) _evalSolvedAt = EnvSteps;
                _evals.Add((EnvSteps, final.MeanReturn));
            }

            var summary = new RunSummary
            {
                Algo = _agent.Algo,
                Env = _o.EnvId,
                Seed = _o.Seed,
                EnvSteps = EnvSteps,
                WallSeconds = wall,
                Episodes = _history.Count,
                FinalMeanReturn = _history.Count == 0 ? null : _history.TakeLast(Window).Average(h => h.Return),
                FinalStdReturn = _history.Count == 0 ? null : Std(_history.TakeLast(Window).Select(h => h.Return).ToArray()),
                FinalWindowEpisodes = Math.Min(Window, _history.Count),
                SolvedAtStep = _solvedAt,
                SolvedAtWallSeconds = _solvedAtWall,
                EvalMeanReturn = final.MeanReturn,
                EvalStdReturn = final.StdReturn,
                EvalEpisodes = final.Returns.Length,
                EvalSolvedAtStep = _evalSolvedAt,
                EvalSuccessRate = final.SuccessRate,
                RewardThreshold = _o.RewardThreshold,
                StepsPerSecond = (EnvSteps - _startSteps) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds),
                Checkpoint = _run.Checkpoint,
                BestEvalMeanReturn = _bestEvalStep is null ? null : _bestEval,
                BestEvalStep = _bestEvalStep,
                BestCheckpoint = _bestEvalStep is null ? null : _run.BestCheckpoint,
                Stopped = stopped,
                EarlyStopped = EarlyStopped,
                OfflineUpdates = OfflineUpdates,
            };
            _logger.Flush();
            LearningCurvePlot.Save(_run.CurvePng, _history.Select(h => (h.Step, h.Return)).ToList(),
                $"{_agent.Algo} on {_o.EnvId} (seed {_o.Seed})", _o.RewardThreshold, _evals, switchAt: OfflineUpdates > 0 ? 0 : null);
            var json = summary.ToJson(_o.EnvArgs, _o.AgentConfig);
            if (_agent is IReportsAgentStats stats) json["agent_stats"] = stats.AgentStats();
            RunDirectory.WriteJsonAtomic(_run.SummaryJson, json);
            return summary;
        }

        public void Dispose()
        {
            _progress?.Dispose();
            try { _logger.Dispose(); }
            finally { _lock.Dispose(); }
        }
    }

    private static void SaveCheckpoint(IAgent agent, TrainerOptions o, string path, long envSteps, double wall,
        long? solvedAt, double? solvedAtWall, long? evalSolvedAt, List<(long Step, double Return, int Length)> history,
        long? bestEvalStep, double bestEval, List<(long Step, double MeanReturn)> evals, JsonObject logs)
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
            ["solved_at_wall_seconds"] = solvedAtWall,
            ["eval_solved_at_step"] = evalSolvedAt,
            ["best_eval_step"] = bestEvalStep,
            ["best_eval_mean_return"] = bestEvalStep is null ? null : bestEval,
            ["evals"] = evalList,
            ["observation_space"] = agent.ObservationSpace.ToString(),
            ["action_space"] = agent.ActionSpace.ToString(),
            ["logs"] = logs,
        });
        c.SetBytes("trainer/episodes", WriteHistory(history));
        if (o.AgentConfig is not null) c.SetJson("trainer/config", o.AgentConfig);
        agent.Save(c);
        CheckpointFile.Write(path, c);
    }

    /// <summary>
    /// Writes <paramref name="agent"/>'s current state as a checkpoint that <c>--resume</c>, <c>eval</c>, <c>export</c> and
    /// <c>Model.Load</c> read: with <paramref name="basedOn"/> (the run's last checkpoint) its run facts and episode history
    /// are kept (not its log extents, which belong to that run folder); without, a run of <paramref name="envSteps"/> steps
    /// with no episode history. Written atomically, as every checkpoint.
    /// </summary>
    public static void SaveAgent(IAgent agent, string envId, IReadOnlyDictionary<string, string> envArgs, int seed, long envSteps,
        JsonObject? config, string path, string? basedOn = null)
    {
        var c = new Checkpoint();
        JsonObject meta;
        byte[] history;
        if (basedOn is not null)
        {
            var prev = CheckpointFile.Read(basedOn);
            meta = prev.GetJsonNode("trainer/meta").DeepClone().AsObject();
            meta.Remove("logs");
            history = prev.GetBytes("trainer/episodes");
        }
        else
        {
            var args = new JsonObject();
            foreach (var (k, v) in envArgs) args[k] = v;
            meta = new JsonObject
            {
                ["algo"] = agent.Algo,
                ["env"] = envId,
                ["env_args"] = args,
                ["seed"] = seed,
                ["wall_seconds"] = 0.0,
                ["evals"] = new JsonArray(),
                ["observation_space"] = agent.ObservationSpace.ToString(),
                ["action_space"] = agent.ActionSpace.ToString(),
            };
            history = WriteHistory(new List<(long, double, int)>());
        }
        meta["env_steps"] = envSteps;
        c.SetJson("trainer/meta", meta);
        c.SetBytes("trainer/episodes", history);
        if (config is not null) c.SetJson("trainer/config", config);
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

    private const int HistoryRowBytes = 8 + 8 + 4;

    private static IEnumerable<(long, double, int)> ReadHistory(byte[] bytes, string path)
    {
        int n = bytes.Length >= 4 ? BitConverter.ToInt32(bytes, 0) : -1;
        if (n < 0 || (long)n * HistoryRowBytes != bytes.Length - 4)
            throw BadSection(path, "trainer/episodes", $"holds {bytes.Length} bytes, which is not a count and that many episodes of {HistoryRowBytes} bytes", null);
        using var r = new BinaryReader(new MemoryStream(bytes, 4, bytes.Length - 4));
        var list = new List<(long, double, int)>(n);
        for (int i = 0; i < n; i++) list.Add((r.ReadInt64(), r.ReadDouble(), r.ReadInt32()));
        return list;
    }

    private static CheckpointException BadSection(string path, string section, string what, Exception? inner) =>
        inner is null ? new($"section '{section}' of checkpoint '{path}' {what}")
                      : new($"section '{section}' of checkpoint '{path}' {what}: {inner.Message}", inner);
}
