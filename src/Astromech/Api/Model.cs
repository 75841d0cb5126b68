using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;

namespace Astromech;

/// <summary>What one <see cref="Model.Learn"/> call does beside training: where the run folder goes, evaluation and
/// checkpoint cadence, and the caller's hooks.</summary>
public sealed record LearnOptions
{
    /// <summary>The run folder (checkpoints, metrics.csv, TensorBoard events, curve.png, summary.json); null: the model's
    /// folder, <c>runs/&lt;algo&gt;-&lt;env&gt;-s&lt;seed&gt;-&lt;time&gt;</c> made at the first <see cref="Model.Learn"/>.</summary>
    public string? OutDir { get; init; }
    /// <summary>Env steps between deterministic evaluations; 0: none (the final one still runs).</summary>
    public long EvalInterval { get; init; }
    /// <summary>Episodes of each evaluation.</summary>
    public int EvalEpisodes { get; init; } = 10;
    /// <summary>Env steps between checkpoints (the final one is always written).</summary>
    public long CheckpointInterval { get; init; } = 25_000;
    /// <summary>Return at which the task counts as solved (the registered env's threshold when null).</summary>
    public double? RewardThreshold { get; init; }
    /// <summary>The progress line on the console.</summary>
    public bool ShowProgress { get; init; }
    /// <summary>Episode, evaluation, checkpoint and progress hooks, and early stopping.</summary>
    public TrainingCallbacks? Callbacks { get; init; }
    /// <summary>Ends the run in order (checkpoint, logs, summary written) when cancelled.</summary>
    public CancellationToken Stop { get; init; }
}

/// <summary>
/// An agent of any registered algorithm on an env of the caller's own (an <see cref="IEnv"/> factory) or a registered
/// one, for use from code, on the same parts as the CLI (no second training loop: <see cref="Learn"/> runs the shared
/// <see cref="Trainer"/>, writing the same run folder the CLI writes):
/// <code>
/// using var model = Model.Create("ppo", () =&gt; new MyEnv());
/// model.Learn(50_000);
/// model.Save("my-env.ckpt");
/// using var loaded = Model.Load("my-env.ckpt", () =&gt; new MyEnv());
/// loaded.Predict(observation, action);
/// </code>
/// Configs are the algorithms' own records (<c>new PpoConfig { LearningRate = 1e-3 }</c>, or <c>with</c> expressions on
/// <see cref="Config"/>). Not thread-safe: one thread uses a model at a time.
/// </summary>
public sealed class Model : IDisposable
{
    private readonly Func<IEnv> _makeEnv;
    private readonly IReadOnlyDictionary<string, string> _envArgs;
    private string? _outDir;
    private string? _lastCheckpoint;
    private bool[] _episodeStart;
    private bool _disposed;

    /// <summary>The algorithm's descriptor (name, action kinds, capabilities).</summary>
    public AlgorithmInfo Algorithm { get; }
    /// <summary>The algorithm's config record this model was made with.</summary>
    public object Config { get; }
    /// <summary>The agent itself, for what the model does not wrap.</summary>
    public IAgent Agent { get; }
    /// <summary>The env id recorded in checkpoints and summaries (a registered id, or the name given for a user env).</summary>
    public string EnvId { get; }
    public int Seed { get; }
    /// <summary>Env steps trained so far (over every <see cref="Learn"/> call, and before a <see cref="Load"/>).</summary>
    public long EnvSteps { get; private set; }
    public Space ObservationSpace => Agent.ObservationSpace;
    public Space ActionSpace => Agent.ActionSpace;
    /// <summary>The summary of the last <see cref="Learn"/> call; null before one.</summary>
    public RunSummary? LastRun { get; private set; }
    /// <summary>The run folder of the last <see cref="Learn"/> call; null before one.</summary>
    public string? RunFolder => _outDir;

    private Model(AlgorithmInfo algo, object config, IAgent agent, Func<IEnv> makeEnv, string envId,
        IReadOnlyDictionary<string, string> envArgs, int seed, long envSteps, string? checkpoint)
    {
        Algorithm = algo;
        Config = config;
        Agent = agent;
        _makeEnv = makeEnv;
        EnvId = envId;
        _envArgs = envArgs;
        Seed = seed;
        EnvSteps = envSteps;
        _lastCheckpoint = checkpoint;
        _episodeStart = new[] { true };
    }

    /// <summary>A new agent of <paramref name="algo"/> (a registered name: <c>Algorithms.All</c>) for the env
    /// <paramref name="makeEnv"/> builds; each call must return a fresh env (the trainer makes several: training copies
    /// and evaluation copies). <paramref name="config"/> is the algorithm's config record (its defaults when null).
    /// <paramref name="envName"/> names the env in checkpoints and summaries (the env class's name when null).</summary>
    public static Model Create(string algo, Func<IEnv> makeEnv, object? config = null, int seed = 0, string? envName = null)
    {
        ArgumentNullException.ThrowIfNull(makeEnv);
        var info = Algorithms.Get(algo);
        var cfg = CheckConfig(info, config);
        Func<IEnv> wrapped = info.WrapEnv is { } wrap ? () => wrap(cfg, MakeChecked(makeEnv)) : () => MakeChecked(makeEnv);
        string name = envName ?? ProbeName(makeEnv);
        return Build(info, cfg, wrapped, name, new Dictionary<string, string>(), seed);
    }

    /// <summary>A new agent for the env <paramref name="config"/>'s algorithm is the only one configured by (e.g. a
    /// <c>PpoConfig</c> makes a PPO agent).</summary>
    public static Model Create<TConfig>(Func<IEnv> makeEnv, TConfig config, int seed = 0, string? envName = null) where TConfig : class
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(AlgorithmOf(typeof(TConfig)).Name, makeEnv, config, seed, envName);
    }

    /// <summary>A new agent of <paramref name="algo"/> on the registered env <paramref name="envId"/> (with its env args).</summary>
    public static Model Create(string algo, string envId, object? config = null, int seed = 0, IReadOnlyDictionary<string, string>? envArgs = null)
    {
        var info = Algorithms.Get(algo);
        var cfg = CheckConfig(info, config);
        var args = new Dictionary<string, string>(envArgs ?? new Dictionary<string, string>());
        EnvRegistry.Spec(envId); // an unknown id is refused here, naming near matches
        return Build(info, cfg, () => info.MakeEnv(cfg, envId, args), envId, args, seed);
    }

    /// <summary>Rebuilds the model a checkpoint holds (from <see cref="Save"/>, <see cref="Learn"/> or <c>astromech train</c>):
    /// its algorithm, config and env come from the checkpoint; <paramref name="makeEnv"/> builds the env when it is not a
    /// registered one (a user env), and must give the spaces the checkpoint was trained on. A kickstarted student loads
    /// without its teachers.</summary>
    public static Model Load(string path, Func<IEnv>? makeEnv = null, int seed = 0)
    {
        var ckpt = CheckpointFile.Read(path);
        var meta = ckpt.GetJsonNode("trainer/meta");
        string algoName, envId;
        try { (algoName, envId) = ((string)meta["algo"]!, (string)meta["env"]!); }
        catch (Exception e) { throw new CheckpointException($"checkpoint '{path}': section 'trainer/meta' lacks a string 'algo' or 'env' ({e.Message})", e); }
        var info = Algorithms.Get(algoName);
        var args = new Dictionary<string, string>();
        if (meta["env_args"] is JsonObject saved)
            foreach (var (k, v) in saved) args[k] = (string)v!;
        object cfg = ckpt.Contains("trainer/config")
            ? ConfigBinder.Bind(info.ConfigType, ckpt.GetJsonNode("trainer/config").AsObject())
            : info.DefaultConfig();
        cfg = Agents.Kickstarting.Teacher.WithoutTeachers(cfg);
        Func<IEnv> env;
        if (makeEnv is not null)
            env = info.WrapEnv is { } wrap ? () => wrap(cfg, MakeChecked(makeEnv)) : () => MakeChecked(makeEnv);
        else if (EnvRegistry.Contains(envId))
            env = () => info.MakeEnv(cfg, envId, args);
        else
            throw new ArgumentException($"checkpoint '{path}' was trained on '{envId}', which is not a registered env: pass the env factory (Model.Load(path, () => new YourEnv()))", nameof(makeEnv));
        long steps = (long?)meta["env_steps"] ?? 0;
        var model = Build(info, cfg, env, envId, args, seed, steps, path);
        try { model.Agent.Load(ckpt); }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>
    /// Trains for <paramref name="steps"/> more env steps (a second call continues where the first ended, resuming from
    /// the model's last checkpoint, so counters, schedules, replay and RNG carry on); evaluates at the end and returns the
    /// run's summary. The run folder holds the same files as <c>astromech train</c>'s.
    /// </summary>
    public RunSummary Learn(long steps, LearnOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Learn needs at least one env step");
        var o = options ?? new LearnOptions();
        string outDir = o.OutDir ?? _outDir ?? Path.Combine("runs", $"{Algorithm.Name}-{EnvId.Replace('/', '_')}-s{Seed}-{DateTime.Now:yyyyMMdd-HHmmss}");
        double? threshold = o.RewardThreshold ?? (EnvRegistry.Contains(EnvId) ? EnvRegistry.Spec(EnvId).RewardThreshold : null);
        var summary = Trainer.Run(Agent, _makeEnv, new TrainerOptions
        {
            EnvId = EnvId,
            EnvArgs = _envArgs,
            Seed = Seed,
            TotalSteps = EnvSteps + steps,
            OutDir = outDir,
            EvalEpisodes = o.EvalEpisodes,
            EvalInterval = o.EvalInterval,
            CheckpointInterval = o.CheckpointInterval,
            RewardThreshold = threshold,
            ShowProgress = o.ShowProgress,
            ResumeFrom = _lastCheckpoint,
            AgentConfig = ConfigBinder.ToJson(Config),
            Callbacks = o.Callbacks,
            Stop = o.Stop,
            // A later Learn into the same folder continues the run there (resumed from its checkpoint).
            Overwrite = false,
        });
        _outDir = outDir;
        _lastCheckpoint = summary.Checkpoint;
        EnvSteps = summary.EnvSteps;
        LastRun = summary;
        _episodeStart = new[] { true };
        return summary;
    }

    /// <summary>
    /// The action for one observation (flat, <see cref="ObservationSpace"/>'s size) into <paramref name="action"/>
    /// (<see cref="ActionSpace"/>'s flat size: one index for a discrete space). Deterministic: the greedy or mode action,
    /// as evaluation takes it. A recurrent agent carries its state from call to call; call <see cref="StartEpisode"/>
    /// when the env resets (the first call after creating, loading or learning starts an episode itself).
    /// </summary>
    public void Predict(ReadOnlySpan<float> observation, Span<float> action, bool deterministic = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int obs = ObservationSpace.FlatSize, act = ActionSpace.FlatSize;
        if (observation.Length != obs)
            throw new ArgumentException($"Predict: the observation has {observation.Length} floats; {ObservationSpace} has {obs}", nameof(observation));
        if (action.Length != act)
            throw new ArgumentException($"Predict: room for {action.Length} action floats; {ActionSpace} has {act}", nameof(action));
        for (int i = 0; i < observation.Length; i++)
            if (!float.IsFinite(observation[i]))
                throw new ArgumentException($"Predict: observation element {i} is {observation[i]}", nameof(observation));
        if (_episodeStart[0])
        {
            Agent.OnEpisodeStart(_episodeStart);
            _episodeStart[0] = false;
        }
        Agent.Act(observation, action, new Progress(EnvSteps, EnvSteps), deterministic);
    }

    /// <summary>The action for one observation, as a new array.</summary>
    public float[] Predict(ReadOnlySpan<float> observation, bool deterministic = true)
    {
        var action = new float[ActionSpace.FlatSize];
        Predict(observation, action, deterministic);
        return action;
    }

    /// <summary>The next <see cref="Predict"/> starts a new episode (a recurrent agent's state is reset).</summary>
    public void StartEpisode() => _episodeStart[0] = true;

    /// <summary>The reward the env gave for the last predicted action, for agents that feed it back into their core (R2D2); others ignore it.</summary>
    public void ObserveReward(float reward) => Agent.OnRewards(new[] { reward });

    /// <summary>Deterministic evaluation on fresh envs: <paramref name="episodes"/> whole episodes.</summary>
    public EvalResult Evaluate(int episodes = 10, int? seed = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (episodes < 1) throw new ArgumentOutOfRangeException(nameof(episodes), episodes, "Evaluate needs at least one episode");
        var result = Evaluator.Run(Agent, _makeEnv, episodes, seed ?? unchecked(Seed + 1_000_003), new Progress(EnvSteps, EnvSteps));
        _episodeStart = new[] { true };
        return result;
    }

    /// <summary>Writes the model as a checkpoint (atomically) that <see cref="Load"/>, <c>astromech eval</c>,
    /// <c>astromech export</c> and <c>--resume</c> read; after <see cref="Learn"/> it keeps that run's episode history.</summary>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        bool same = _lastCheckpoint is not null && Path.GetFullPath(_lastCheckpoint) == Path.GetFullPath(path);
        Trainer.SaveAgent(Agent, EnvId, _envArgs, Seed, EnvSteps, ConfigBinder.ToJson(Config), path, same ? null : _lastCheckpoint);
    }

    /// <summary>Exports the acting policy as an ONNX file (see docs/export.md), where the algorithm has one.</summary>
    public void ExportOnnx(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var g = Algorithm.ExportPolicy(Agent).Graph;
        g.Metadata["env"] = EnvId;
        g.Metadata["checkpoint_env_steps"] = EnvSteps.ToString(System.Globalization.CultureInfo.InvariantCulture);
        g.Metadata["observation_space"] = ObservationSpace.ToString() ?? "";
        g.Metadata["action_space"] = ActionSpace.ToString() ?? "";
        g.Save(path, typeof(Model).Assembly.GetName().Version?.ToString() ?? "");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Agent.Dispose();
    }

    private static Model Build(AlgorithmInfo info, object cfg, Func<IEnv> makeEnv, string envId, IReadOnlyDictionary<string, string> args,
        int seed, long envSteps = 0, string? checkpoint = null)
    {
        Space obs, act;
        using (var probe = makeEnv()) (obs, act) = (probe.ObservationSpace, probe.ActionSpace);
        info.EnsureSupports(envId, act);
        var agent = info.Create(cfg, obs, act, seed);
        return new Model(info, cfg, agent, makeEnv, envId, args, seed, envSteps, checkpoint);
    }

    private static object CheckConfig(AlgorithmInfo info, object? config)
    {
        if (config is null) return info.DefaultConfig();
        if (config.GetType() != info.ConfigType)
            throw new ArgumentException($"algorithm '{info.Name}' is configured by {info.ConfigType.Name}, not {config.GetType().Name}", nameof(config));
        ConfigBinder.Validate(config);
        return config;
    }

    private static AlgorithmInfo AlgorithmOf(Type configType)
    {
        var matches = Algorithms.All.Where(a => a.ConfigType == configType).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ArgumentException($"no registered algorithm is configured by {configType.Name}"),
            _ => throw new ArgumentException($"{configType.Name} configures {string.Join(", ", matches.Select(a => a.Name))}: name the algorithm (Model.Create(\"{matches[0].Name}\", ...))"),
        };
    }

    private static IEnv MakeChecked(Func<IEnv> makeEnv) =>
        makeEnv() ?? throw new InvalidOperationException("the env factory returned null; it must return a new IEnv on every call");

    private static string ProbeName(Func<IEnv> makeEnv)
    {
        using var env = MakeChecked(makeEnv);
        return env.GetType().Name;
    }
}
