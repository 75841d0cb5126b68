using Astromech.Envs.Spaces;

namespace Astromech.Envs.MultiTask;

/// <summary>
/// Several tasks behind one env, for multi-task training (and multi-teacher kickstarting, where each state is routed
/// to its task's teacher). Every task must have the same action space and observation size. At each reset one task
/// is drawn uniformly from the env's own RNG (so <c>Reset(seed)</c> fixes the sequence of tasks), or the task set by
/// the <c>task</c> env arg is used. The observation is the task's observation followed by one feature holding the
/// task id (0 … n−1, as a float), at index <see cref="TaskIndex"/>; reset and step infos carry the id under
/// <c>"task"</c>. Stepping allocates nothing (the infos are preallocated, one per task).
/// </summary>
public sealed class MultiTaskEnv : Env
{
    private readonly IEnv[] _tasks;
    private readonly string[] _names;
    private readonly Box _space;
    private readonly Space _actions;
    private readonly float[] _scratch;
    private readonly IReadOnlyDictionary<string, object>[] _infos;
    private int _fixedTask = -1;

    /// <param name="tasks">The task envs (owned: disposed with this env), in task-id order.</param>
    /// <param name="names">One short name per task, reported by <see cref="TaskName"/>.</param>
    public MultiTaskEnv(IReadOnlyList<IEnv> tasks, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(names);
        if (tasks.Count < 2) throw new ArgumentException($"a multi-task env needs at least 2 tasks, got {tasks.Count}", nameof(tasks));
        if (names.Count != tasks.Count) throw new ArgumentException($"{names.Count} task names for {tasks.Count} tasks", nameof(names));
        var first = tasks[0].ObservationSpace as Box
            ?? throw new ArgumentException($"multi-task env: task 0 ({names[0]}) needs a Box observation space, got {tasks[0].ObservationSpace}", nameof(tasks));
        int n = first.FlatSize;
        var low = new float[n + 1];
        var high = new float[n + 1];
        Array.Copy(first.Low, low, n);
        Array.Copy(first.High, high, n);
        for (int k = 1; k < tasks.Count; k++)
        {
            if (tasks[k].ActionSpace.ToString() != tasks[0].ActionSpace.ToString())
                throw new ArgumentException($"multi-task env: task {k} ({names[k]}) acts in {tasks[k].ActionSpace} but task 0 ({names[0]}) in {tasks[0].ActionSpace}; all tasks must share the action space", nameof(tasks));
            if (tasks[k].ObservationSpace is not Box b || b.FlatSize != n)
                throw new ArgumentException($"multi-task env: task {k} ({names[k]}) observes {tasks[k].ObservationSpace} but task 0 ({names[0]}) observes {first}; all tasks need Box observations of the same size", nameof(tasks));
            for (int i = 0; i < n; i++)
            {
                low[i] = Math.Min(low[i], b.Low[i]);
                high[i] = Math.Max(high[i], b.High[i]);
            }
        }
        low[n] = 0;
        high[n] = tasks.Count - 1;
        _space = new Box(low, high);
        _actions = tasks[0].ActionSpace;
        _tasks = tasks.ToArray();
        _names = names.ToArray();
        _scratch = new float[n];
        _infos = new IReadOnlyDictionary<string, object>[tasks.Count];
        for (int k = 0; k < tasks.Count; k++) _infos[k] = new Dictionary<string, object> { ["task"] = k };
        TaskIndex = n;
    }

    public override Space ObservationSpace => _space;
    public override Space ActionSpace => _actions;

    /// <summary>Number of tasks.</summary>
    public int TaskCount => _tasks.Length;

    /// <summary>The observation index of the task-id feature (the last one).</summary>
    public int TaskIndex { get; }

    /// <summary>The task of the current episode (−1 before the first reset).</summary>
    public int CurrentTask { get; private set; } = -1;

    /// <summary>The task env with id <paramref name="k"/> (for inspection; do not step it).</summary>
    public IEnv Task(int k) => _tasks[k];

    /// <summary>The short name of task <paramref name="k"/>.</summary>
    public string TaskName(int k) => _names[k];

    /// <summary>−1 (default): draw a task uniformly at each reset; k: always task k (e.g. to train or evaluate one task's specialist).</summary>
    [EnvArg("task", Help = "-1: draw a task uniformly per episode; k: always task k")]
    public int FixedTask
    {
        get => _fixedTask;
        set
        {
            if (value < -1 || value >= _tasks.Length)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"task must be -1 (draw per episode) or a task id in [0, {_tasks.Length - 1}]");
            _fixedTask = value;
        }
    }

    /// <summary>
    /// Draws the episode's task (unless fixed) and resets it with a seed drawn from this env's RNG, so that
    /// <c>Reset(seed)</c> fixes both the sequence of tasks and their episodes.
    /// </summary>
    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        int k = _fixedTask >= 0 ? _fixedTask : Rng.Next(_tasks.Length);
        int innerSeed = Rng.Next();
        CurrentTask = k;
        var info = _tasks[k].Reset(_scratch, innerSeed);
        Write(obs);
        return info is null ? _infos[k] : Merge(info);
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        var r = _tasks[CurrentTask].Step(action, _scratch);
        Write(obs);
        return r with { Info = r.Info is null ? _infos[CurrentTask] : Merge(r.Info) };
    }

    private void Write(Span<float> obs)
    {
        _scratch.AsSpan().CopyTo(obs);
        obs[TaskIndex] = CurrentTask;
    }

    private IReadOnlyDictionary<string, object> Merge(IReadOnlyDictionary<string, object> inner)
    {
        var d = new Dictionary<string, object>();
        foreach (var (key, value) in inner) d[key] = value;
        d["task"] = _infos[CurrentTask]["task"];
        return d;
    }

    public override void Dispose()
    {
        foreach (var t in _tasks) t.Dispose();
    }
}
