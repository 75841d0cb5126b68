using System.Globalization;
using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;

namespace Astromech.Training.Pbt;

/// <summary>
/// PBT members that are ordinary training runs: each member is a run directory; a slice builds the agent from the base
/// config with the member's hyperparameters bound over it (so any numeric config key of any learner can be searched,
/// with its range checks), resumes it from the member's checkpoint, trains with the shared <see cref="Trainer"/> up to
/// the ready point, and scores it by the trainer's final deterministic evaluation (or, with score = train_mean, by the
/// mean of its last 100 training episodes). Copying a member copies its checkpoint
/// file: parameters, optimizer state, counters, RNG and episode history.
/// <para>Caveats that follow from slicing: a rollout in progress at a ready point is dropped (choose ready_interval as a
/// multiple of the rollout size n_steps × num_envs); episodes in progress are cut; and schedules that anneal over the
/// run's length (lr_anneal, clip_range_anneal) would see each slice's end as the run's end, so they are refused.</para>
/// </summary>
public sealed class TrainerMemberTrainer : IPbtMemberTrainer
{
    private readonly Type _configType;
    private readonly JsonObject _baseConfig;
    private readonly Func<object, int, IAgent> _create;
    private readonly Func<IEnv> _makeEnv;
    private readonly string _envId;
    private readonly IReadOnlyDictionary<string, string> _envArgs;
    private readonly int _seed;
    private readonly int _evalEpisodes;
    private readonly double? _threshold;
    private readonly PbtScoreSource _score;
    private readonly PbtEvalSeed _evalSeed;

    /// <summary>Stops the slices in training early and in order (each member writes its checkpoint, logs and summary).</summary>
    public CancellationToken Stop { get; init; }

    /// <param name="configType">The learner's config record.</param>
    /// <param name="baseConfig">Its keys for every member (the searched keys are bound over them).</param>
    /// <param name="create">Builds an agent from a bound config and a seed.</param>
    public TrainerMemberTrainer(Type configType, JsonObject baseConfig, Func<object, int, IAgent> create, Func<IEnv> makeEnv,
        string envId, IReadOnlyDictionary<string, string> envArgs, int seed, int evalEpisodes, double? rewardThreshold,
        PbtScoreSource score = PbtScoreSource.Eval, PbtEvalSeed evalSeed = PbtEvalSeed.Member)
    {
        _configType = configType;
        _baseConfig = baseConfig;
        _create = create;
        _makeEnv = makeEnv;
        _envId = envId;
        _envArgs = envArgs;
        _seed = seed;
        _evalEpisodes = evalEpisodes;
        _threshold = rewardThreshold;
        _score = score;
        _evalSeed = evalSeed;
        var probe = ConfigBinder.ToJson(ConfigBinder.Bind(configType, baseConfig));
        foreach (var key in new[] { "lr_anneal", "clip_range_anneal" })
            if (probe[key] is JsonValue v && v.TryGetValue<bool>(out var on) && on)
                throw new ConfigException($"{key} = true anneals over the run's length, which PBT's slices cut short; turn it off (PBT tunes learning_rate instead)");
    }

    /// <summary>The member's config: the base config with its hyperparameters bound over it (range checks name the key).</summary>
    public object ConfigFor(PbtMember m) =>
        ConfigBinder.Bind(_configType, _baseConfig, m.Hyperparameters.Select(kv => $"{kv.Key}={kv.Value.ToString("R", CultureInfo.InvariantCulture)}"));

    public string CheckpointOf(PbtMember m) => new RunDirectory(m.Dir).Checkpoint;

    /// <summary>The evaluation seed of the slice that ends at <paramref name="untilStep"/>: null (the member's own, derived from its
    /// run seed) or, with eval_seed = shared, one that depends only on the PBT seed and the ready point, so every member
    /// is scored on the same episodes there and each ready point draws new ones.</summary>
    public int? EvalSeedAt(long untilStep) => _evalSeed == PbtEvalSeed.Shared
        ? unchecked(_seed * 7919 + 1_000_003 + (int)(untilStep % int.MaxValue) * 31)
        : null;

    public PbtScore TrainSlice(PbtMember member, long untilStep)
    {
        var config = ConfigFor(member);
        int seed = unchecked(_seed + 1009 * member.Id);
        string ckpt = CheckpointOf(member);
        using var agent = _create(config, seed);
        var summary = Trainer.Run(agent, _makeEnv, new TrainerOptions
        {
            EnvId = _envId,
            EnvArgs = _envArgs,
            Seed = seed,
            TotalSteps = untilStep,
            OutDir = member.Dir,
            EvalEpisodes = _evalEpisodes,
            EvalSeed = EvalSeedAt(untilStep),
            CheckpointInterval = 0,
            RewardThreshold = _threshold,
            ShowProgress = false,
            ResumeFrom = File.Exists(ckpt) ? ckpt : null,
            AgentConfig = ConfigBinder.ToJson(config),
            Stop = Stop,
        });
        Stop.ThrowIfCancellationRequested(); // a cut slice has no score to rank
        if (_score == PbtScoreSource.TrainMean)
            return summary.FinalMeanReturn is double mean
                ? new PbtScore(mean, summary.FinalStdReturn ?? 0, summary.FinalWindowEpisodes)
                : throw new InvalidOperationException($"PBT member {member.Id} finished no training episode by step {untilStep}; score = train_mean needs some (raise ready_interval)");
        return new PbtScore(summary.EvalMeanReturn, summary.EvalStdReturn, summary.EvalEpisodes);
    }

    /// <summary>Loads the member's checkpoint into a fresh agent (without its teachers, as <c>astromech eval</c> does) and runs
    /// <paramref name="episodes"/> deterministic episodes from <paramref name="seed"/>: the same numbers as
    /// <c>astromech eval CHECKPOINT --episodes N --seed S</c>.</summary>
    public PbtScore Evaluate(PbtMember member, int episodes, int seed)
    {
        string path = CheckpointOf(member);
        if (!File.Exists(path)) throw new InvalidOperationException($"PBT member {member.Id} has no checkpoint to evaluate ({path}); it never trained");
        var ckpt = CheckpointFile.Read(path);
        using var agent = _create(Astromech.Agents.Kickstarting.Teacher.WithoutTeachers(ConfigFor(member)), seed);
        agent.Load(ckpt);
        long steps = (long)ckpt.GetJsonNode("trainer/meta")["env_steps"]!;
        var r = Evaluator.Run(agent, _makeEnv, episodes, seed, new Progress(steps, steps));
        return new PbtScore(r.MeanReturn, r.StdReturn, r.Returns.Length);
    }

    public void CopyStates(IReadOnlyList<(PbtMember From, PbtMember To)> copies)
    {
        // Read every source first: a member may be a source and a destination in the same round.
        var data = copies.Select(c => File.ReadAllBytes(CheckpointOf(c.From))).ToArray();
        for (int i = 0; i < copies.Count; i++)
        {
            Directory.CreateDirectory(copies[i].To.Dir);
            AtomicFile.WriteAllBytes(CheckpointOf(copies[i].To), data[i]);
        }
    }
}
