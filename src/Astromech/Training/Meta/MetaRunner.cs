using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Astromech.Envs.Meta;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;

namespace Astromech.Training.Meta;

/// <summary>One task as the meta runner hands it to a learner: its parameters (an <see cref="ITaskFamily"/> task), its place in
/// the run, and a seed for whatever data the learner draws for it (support and query sets, episodes).</summary>
/// <param name="Iteration">The outer iteration (0 for the evaluation before any meta-update).</param>
/// <param name="Index">Position in the iteration's meta-batch, or in the held-out set for evaluation tasks.</param>
/// <param name="Heldout">True for the fixed evaluation tasks, false for training tasks.</param>
public sealed record MetaTask(int Iteration, int Index, bool Heldout, double[] Parameters, int Seed);

/// <summary>A task's score before adaptation (the meta-parameters as they are) and after the inner loop adapted a copy to it.
/// Scores are losses or returns, as the learner's <see cref="IMetaLearner.HigherIsBetter"/> says.</summary>
public readonly record struct MetaTaskResult(double Before, double After);

/// <summary>
/// What the meta runner needs from a meta-learner (MAML, Reptile, …): adapt to a task without changing the meta-parameters and
/// report the score before and after; when asked, keep the task's contribution to the next meta-update; apply it; and save
/// and load everything that update depends on (parameters, optimizer state). Called from one thread.
/// </summary>
public interface IMetaLearner
{
    /// <summary>True when scores are returns (higher is better), false when they are losses.</summary>
    bool HigherIsBetter { get; }

    /// <summary>Adapts to <paramref name="task"/>; with <paramref name="accumulate"/>, adds its meta-gradient (or update
    /// direction) to the pending meta-update; without, leaves no trace (evaluation).</summary>
    MetaTaskResult Adapt(MetaTask task, bool accumulate);

    /// <summary>Applies the pending meta-update accumulated over <paramref name="taskCount"/> tasks and clears it.</summary>
    void MetaUpdate(int taskCount);

    void Save(Checkpoint checkpoint);
    void Load(Checkpoint checkpoint);
}

/// <summary>The schedule of a meta-training run (<see cref="MetaRunner"/>).</summary>
public sealed record MetaOptions : IValidatableConfig
{
    /// <summary>Outer iterations (meta-updates).</summary>
    [ConfigRange(1, 1e9)] public int Iterations { get; init; } = 1000;
    /// <summary>Training tasks sampled per iteration (the meta-batch; MAML's sine regression used 25, its RL runs 20–40).</summary>
    [ConfigRange(1, 1_000_000)] public int TasksPerIteration { get; init; } = 25;
    /// <summary>Fixed held-out tasks scored before and after adaptation at every evaluation (0: no evaluation).</summary>
    [ConfigRange(0, 1_000_000)] public int EvalTasks { get; init; } = 10;
    /// <summary>Iterations between evaluations; there is always one before training (iteration 0) and one after the last iteration.</summary>
    [ConfigRange(1, 1e9)] public int EvalInterval { get; init; } = 100;
    /// <summary>Iterations between checkpoints (meta_checkpoint.ckpt); the last iteration always writes one.</summary>
    [ConfigRange(1, 1e9)] public int CheckpointInterval { get; init; } = 10;
    public int Seed { get; init; } = 0;

    public IEnumerable<string> Validate() { yield break; }
}

/// <summary>One row of meta_trace.csv.</summary>
public sealed record MetaTraceRow(int Iteration, string Phase, int Task, double[] Parameters, MetaTaskResult Result);

/// <param name="Trace">Every training and evaluation row of the run (resumed runs included).</param>
/// <param name="Evaluations">Per evaluation iteration: the mean score over the held-out tasks before and after adaptation.</param>
/// <param name="ResumedFrom">The last iteration the run found checkpointed (0 for a fresh run).</param>
public sealed record MetaResult(IReadOnlyList<MetaTraceRow> Trace, IReadOnlyList<(int Iteration, double Before, double After)> Evaluations, int ResumedFrom);

/// <summary>
/// Meta-training (the outer loop of MAML, Reptile and their kin, Finn et al. 2017; Nichol et al. 2018): each iteration samples
/// a meta-batch of tasks, the learner adapts to each (scored before and after) and then makes one meta-update; a fixed set of
/// held-out tasks is scored before and after adaptation at iteration 0, every eval_interval iterations and at the end. Task
/// draws depend only on the seed and the iteration (and the task seeds on its position too), so a run resumed from its
/// checkpoint after an interruption continues exactly as if it had not stopped. Writes into the output folder:
/// meta_trace.csv (one row per task: iteration, phase train|eval, task, its parameters, before, after, gain),
/// meta_evals.csv (per evaluation: mean before, mean after), meta_summary.json and meta_checkpoint.ckpt, all atomically.
/// Built on <see cref="OuterLoop"/>, which PBT's runner shares.
/// </summary>
public static class MetaRunner
{
    public const string CheckpointName = "meta_checkpoint.ckpt";
    private const string StateSection = "meta/state";
    private const int FormatVersion = 1;

    /// <summary>Tasks from an env's task family (its <see cref="ITaskFamily.SampleTask"/>).</summary>
    public static Func<Random, double[]> TasksOf(ITaskFamily family) => family.SampleTask;

    /// <summary>
    /// Runs (or, with <paramref name="resume"/> and a checkpoint in <paramref name="outDir"/>, continues) meta-training.
    /// <paramref name="sampleTask"/> draws one task's parameters, always <paramref name="taskSize"/> of them.
    /// </summary>
    public static MetaResult Run(MetaOptions o, IMetaLearner learner, Func<Random, double[]> sampleTask, int taskSize, string outDir,
        bool resume = true, Action<string>? log = null)
    {
        ConfigBinder.Validate(o);
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(sampleTask);
        if (taskSize < 1) throw new ArgumentOutOfRangeException(nameof(taskSize), taskSize, "a task has at least one parameter");
        Directory.CreateDirectory(outDir);
        string ckptPath = Path.Combine(outDir, CheckpointName);

        double[] Draw(Random rng)
        {
            var t = sampleTask(rng);
            if (t is null || t.Length != taskSize)
                throw new InvalidOperationException($"the task sampler returned {t?.Length.ToString(CultureInfo.InvariantCulture) ?? "null"} parameters, the run expects task_size = {taskSize}");
            return t;
        }
        var evalRng = new Random(SeedOf(o.Seed, Stream.HeldoutTasks, 0, 0));
        var heldout = Enumerable.Range(0, o.EvalTasks).Select(i => new MetaTask(0, i, true, Draw(evalRng), SeedOf(o.Seed, Stream.HeldoutData, 0, i))).ToArray();

        var trace = new List<MetaTraceRow>();
        var evals = new List<(int, double, double)>();
        int done = 0;
        if (resume && File.Exists(ckptPath))
        {
            var ckpt = CheckpointFile.Read(ckptPath);
            done = Restore(ckpt, o, taskSize, trace, evals);
            learner.Load(ckpt);
            log?.Invoke($"resumed from {ckptPath} after iteration {done}");
        }
        int resumedFrom = done;

        void Evaluate(int iteration)
        {
            if (heldout.Length == 0) return;
            var rows = heldout.Select(t => t with { Iteration = iteration }).ToArray();
            var results = OuterLoop.StepAll(rows, 1, t => learner.Adapt(t, accumulate: false));
            for (int i = 0; i < rows.Length; i++) trace.Add(new MetaTraceRow(iteration, "eval", i, rows[i].Parameters, results[i]));
            double before = results.Average(r => r.Before), after = results.Average(r => r.After);
            evals.Add((iteration, before, after));
            log?.Invoke($"eval at iteration {iteration}: before adaptation {before:G5}, after {after:G5} ({heldout.Length} held-out tasks)");
        }

        if (done == 0)
        {
            Evaluate(0);
            WriteOutputs(outDir, o, learner, taskSize, trace, evals, done);
        }
        OuterLoop.Run(done + 1, o.Iterations + 1,
            it =>
            {
                var rng = new Random(SeedOf(o.Seed, Stream.TrainTasks, it, 0));
                return Enumerable.Range(0, o.TasksPerIteration)
                    .Select(i => new MetaTask(it, i, false, Draw(rng), SeedOf(o.Seed, Stream.TrainData, it, i))).ToArray();
            },
            (it, task) => learner.Adapt(task, accumulate: true),
            (it, tasks, results) =>
            {
                learner.MetaUpdate(tasks.Count);
                for (int i = 0; i < tasks.Count; i++) trace.Add(new MetaTraceRow(it, "train", i, tasks[i].Parameters, results[i]));
                bool last = it == o.Iterations;
                if (it % o.EvalInterval == 0 || last) Evaluate(it);
                if (it % o.CheckpointInterval == 0 || last)
                {
                    var ckpt = new Checkpoint();
                    Save(ckpt, o, taskSize, it, trace, evals);
                    learner.Save(ckpt);
                    CheckpointFile.Write(ckptPath, ckpt);
                    WriteOutputs(outDir, o, learner, taskSize, trace, evals, it);
                }
            });
        if (done >= o.Iterations) WriteOutputs(outDir, o, learner, taskSize, trace, evals, done);
        return new MetaResult(trace, evals, resumedFrom);
    }

    private enum Stream : ulong { HeldoutTasks = 1, HeldoutData = 2, TrainTasks = 3, TrainData = 4 }

    /// <summary>A seed for one (stream, iteration, index) of a run, mixed with SplitMix64's finalizer so that different streams
    /// and positions do not share seeds the way sums of small multiples would (a training iteration drawing the held-out tasks).</summary>
    private static int SeedOf(int seed, Stream stream, int iteration, int index)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream << 60 ^ (ulong)(uint)iteration << 28 ^ (ulong)(uint)index);
        for (int round = 0; round < 2; round++)
        {
            z = unchecked(z + 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
        }
        return (int)(z & int.MaxValue);
    }

    private static void Save(Checkpoint c, MetaOptions o, int taskSize, int iteration, List<MetaTraceRow> trace, List<(int It, double Before, double After)> evals)
    {
        var rows = new JsonArray();
        foreach (var r in trace)
            rows.Add(new JsonObject
            {
                ["iteration"] = r.Iteration, ["phase"] = r.Phase, ["task"] = r.Task,
                ["parameters"] = new JsonArray(r.Parameters.Select(p => (JsonNode)p).ToArray()),
                ["before"] = r.Result.Before, ["after"] = r.Result.After,
            });
        c.SetJson(StateSection, new JsonObject
        {
            ["format"] = FormatVersion, ["iteration"] = iteration, ["seed"] = o.Seed, ["tasks_per_iteration"] = o.TasksPerIteration,
            ["eval_tasks"] = o.EvalTasks, ["eval_interval"] = o.EvalInterval, ["task_size"] = taskSize, ["trace"] = rows,
            ["evals"] = new JsonArray(evals.Select(e => (JsonNode)new JsonArray(e.It, e.Before, e.After)).ToArray()),
        });
    }

    /// <summary>Reads the runner's state back; refuses a checkpoint of another schedule naming the key.</summary>
    private static int Restore(Checkpoint c, MetaOptions o, int taskSize, List<MetaTraceRow> trace, List<(int, double, double)> evals)
    {
        if (!c.Contains(StateSection)) throw new CheckpointException($"{CheckpointName} has no '{StateSection}' section: it was not written by the meta runner");
        var s = c.GetJsonNode(StateSection);
        Checkpoint.EnsureMatches("meta checkpoint format", (int)s["format"]!, FormatVersion);
        Checkpoint.EnsureMatches("seed", (int)s["seed"]!, o.Seed);
        Checkpoint.EnsureMatches("tasks_per_iteration", (int)s["tasks_per_iteration"]!, o.TasksPerIteration);
        Checkpoint.EnsureMatches("eval_tasks", (int)s["eval_tasks"]!, o.EvalTasks);
        Checkpoint.EnsureMatches("eval_interval", (int)s["eval_interval"]!, o.EvalInterval);
        Checkpoint.EnsureMatches("task_size", (int)s["task_size"]!, taskSize);
        int iteration = (int)s["iteration"]!;
        if (iteration > o.Iterations)
            throw new CheckpointException($"{CheckpointName} is at iteration {iteration}, past this run's iterations = {o.Iterations}");
        foreach (var r in s["trace"]!.AsArray())
            trace.Add(new MetaTraceRow((int)r!["iteration"]!, (string)r["phase"]!, (int)r["task"]!,
                r["parameters"]!.AsArray().Select(p => (double)p!).ToArray(), new MetaTaskResult((double)r["before"]!, (double)r["after"]!)));
        foreach (var e in s["evals"]!.AsArray()) evals.Add(((int)e![0]!, (double)e[1]!, (double)e[2]!));
        return iteration;
    }

    private static void WriteOutputs(string outDir, MetaOptions o, IMetaLearner learner, int taskSize, List<MetaTraceRow> trace,
        List<(int It, double Before, double After)> evals, int iteration)
    {
        var inv = CultureInfo.InvariantCulture;
        double Gain(MetaTaskResult r) => learner.HigherIsBetter ? r.After - r.Before : r.Before - r.After;
        var sb = new StringBuilder("iteration,phase,task");
        for (int k = 0; k < taskSize; k++) sb.Append(inv, $",task_{k}");
        sb.Append(",before,after,gain\n");
        foreach (var r in trace)
        {
            sb.Append(inv, $"{r.Iteration},{r.Phase},{r.Task}");
            foreach (var p in r.Parameters) sb.Append(',').Append(p.ToString("R", inv));
            sb.Append(inv, $",{r.Result.Before:R},{r.Result.After:R},{Gain(r.Result):R}\n");
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "meta_trace.csv"), sb.ToString());
        var ev = new StringBuilder("iteration,before_mean,after_mean,gain_mean\n");
        foreach (var e in evals)
            ev.Append(inv, $"{e.It},{e.Before:R},{e.After:R},{(learner.HigherIsBetter ? e.After - e.Before : e.Before - e.After):R}\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, "meta_evals.csv"), ev.ToString());
        var summary = new JsonObject
        {
            ["iteration"] = iteration, ["iterations"] = o.Iterations, ["tasks_per_iteration"] = o.TasksPerIteration,
            ["eval_tasks"] = o.EvalTasks, ["seed"] = o.Seed, ["score"] = learner.HigherIsBetter ? "return" : "loss",
        };
        if (evals.Count > 0)
        {
            var first = evals[0];
            var lastEval = evals[^1];
            summary["first_eval"] = new JsonObject { ["iteration"] = first.It, ["before"] = first.Before, ["after"] = first.After };
            summary["last_eval"] = new JsonObject { ["iteration"] = lastEval.It, ["before"] = lastEval.Before, ["after"] = lastEval.After };
            var perTask = new JsonArray();
            foreach (var r in trace.Where(r => r.Phase == "eval" && r.Iteration == lastEval.It))
                perTask.Add(new JsonObject
                {
                    ["task"] = r.Task, ["parameters"] = new JsonArray(r.Parameters.Select(p => (JsonNode)p).ToArray()),
                    ["before"] = r.Result.Before, ["after"] = r.Result.After,
                });
            summary["last_eval_tasks"] = perTask;
        }
        RunDirectory.WriteJsonAtomic(Path.Combine(outDir, "meta_summary.json"), summary);
    }
}
