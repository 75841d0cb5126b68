using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Agents.Dqn;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using static TorchSharp.torch;

namespace Astromech.Agents.ApeX;

/// <summary>
/// Ape-X DQN embedded in one process. <c>actors</c> threads each run an <see cref="ApexActor"/> (its own env
/// copies, network copies and ε's) and insert blocks of n-step transitions with actor-computed priorities through
/// an <see cref="IReplayClient"/>; one learner thread samples prioritized batches from it, runs the
/// <see cref="DqnLearner"/> update (double Q, dueling, n-step targets) and writes the priorities back, and every
/// publish_interval updates publishes its online and target parameters, versioned by its update count, to an
/// <see cref="IParameterPublisher"/>, from which actors pull through an <see cref="IParameterSource"/> every
/// param_sync_interval steps. Here the replay client is a <see cref="ReplayShard"/> and the parameter source a
/// <see cref="ParameterStore"/>, both plain objects; a cluster swaps in message-passing implementations of the
/// same interfaces without touching the actor or learner code.
/// </summary>
public sealed class ApexAgent : IDistributedAgent, IReportsAgentStats
{
    private readonly ApexConfig _cfg;
    private readonly DqnConfig _dqn;
    private readonly int _obsSize, _numActions;
    private readonly Rng _actRng;
    private ParameterStore _parameters = new();
    private IReplayClient _replay;
    private IParameterSource? _remoteSource;
    private IParameterPublisher? _remotePublisher;
    private readonly LearnerClock _clock = new();
    private readonly PolicyLagBook _lag = new();
    private long _publishedVersion = -1, _publishCount;
    private ReplayShardStats _lastStats;
    private long _blocksInserted, _insertWaits;

    public ApexAgent(ApexConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        var discrete = AgentSpaces.DiscreteActions("apex", actionSpace);
        AgentSpaces.BoxObservations("apex", observationSpace);
        _cfg = cfg;
        _dqn = cfg.ToDqnConfig();
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        _obsSize = observationSpace.FlatSize;
        _numActions = discrete.N;
        _actRng = new Rng(unchecked(seed + 7919));
        manual_seed(seed);
        Learner = new DqnLearner(_dqn, _obsSize, _numActions) { Algo = ApexAlgorithm.Info.Name };
        var table = new PrioritizedReplay(cfg.ReplayCapacity, _obsSize, 1, cfg.PriorityAlpha, cfg.PriorityEps);
        var limiter = cfg.Replay.RateLimiter();
        limiter.EnsureNoDeadlock(cfg.BatchSize, cfg.BlockCapacity);
        Shard = new ReplayShard(table, limiter, unchecked(seed + 104_729));
        _replay = Shard;
    }

    /// <summary>
    /// Replaces the in-process replay and parameter source with other implementations (a cluster's remote
    /// clients) before <see cref="Start"/>; the actor and learner loops are unchanged. A replay that is not this
    /// agent's own <see cref="Shard"/> is not saved in checkpoints (its host owns it).
    /// </summary>
    public void UseEndpoints(IReplayClient replay, IParameterSource source, IParameterPublisher publisher)
    {
        _replay = replay ?? throw new ArgumentNullException(nameof(replay));
        _remoteSource = source ?? throw new ArgumentNullException(nameof(source));
        _remotePublisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
    }

    private IParameterSource Source => _remoteSource ?? _parameters;
    private IParameterPublisher Publisher => _remotePublisher ?? _parameters;

    public string Algo => "apex";
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public ApexConfig Config => _cfg;
    public DqnLearner Learner { get; }
    /// <summary>The in-process replay (the actors' and learner's <see cref="IReplayClient"/>).</summary>
    public ReplayShard Shard { get; }
    /// <summary>The in-process parameter source.</summary>
    public ParameterStore Parameters => _parameters;
    public long Updates => Learner.Updates;
    public double LearnerUpdatesPerSecond => _clock.UpdatesPerSecond;
    /// <summary>Mean of (learner updates − actor parameter version) over the inserted blocks.</summary>
    public double MeanPolicyLag => _lag.Mean;

    /// <summary>ε of env copy <paramref name="copy"/> of actor <paramref name="actor"/>: Ape-X's ε_i over all actors × num_envs copies.</summary>
    public double EpsilonOf(int actor, int copy) =>
        ApexExploration.Epsilon(actor * _cfg.NumEnvs + copy, _cfg.Actors * _cfg.NumEnvs, _cfg.ApexEpsilon, _cfg.ApexAlpha);

    /// <summary>
    /// Whether <see cref="Start"/> runs the actor threads in this process (the default). A cluster learner node
    /// turns it off: its actors run in other processes, and their step and episode reports reach the run
    /// through <see cref="RunStarted"/>'s <see cref="ConcurrentRun"/> and <see cref="RecordRemoteBlocks"/>.
    /// </summary>
    public bool RunActorsLocally { get; set; } = true;

    /// <summary>Raised by <see cref="Start"/> with the trainer's run, before any worker starts.</summary>
    public event Action<ConcurrentRun>? RunStarted;

    public void Start(ConcurrentRun run)
    {
        _clock.Restart();
        RunStarted?.Invoke(run);
        // The actors start from the learner's parameters. A restart publish: after a resume from a checkpoint the
        // source may serve a later version than the loaded update count, and the learner's must replace it.
        PublishTo(Publisher, restart: true);
        if (RunActorsLocally)
        {
            var turns = new InsertTurns();
            for (int a = 0; a < _cfg.Actors; a++)
            {
                int actor = a;
                int seed = ActorSeed.Of(run.Seed, actor);
                run.StartWorker($"apex-actor-{actor}", () => ActorLoop(run, actor, seed, _replay, Source, turns));
            }
        }
        run.StartWorker("apex-learner", () => LearnerLoop(run, _replay, Publisher));
    }

    /// <summary>Ape-X's ε's for the env copies of actor <paramref name="actorIndex"/> (of <see cref="ApexConfig.Actors"/>).</summary>
    public static double[] EpsilonsOf(ApexConfig cfg, int actorIndex)
    {
        var eps = new double[cfg.NumEnvs];
        for (int i = 0; i < eps.Length; i++) eps[i] = ApexExploration.Epsilon(actorIndex * cfg.NumEnvs + i, cfg.Actors * cfg.NumEnvs, cfg.ApexEpsilon, cfg.ApexAlpha);
        return eps;
    }

    private void ActorLoop(ConcurrentRun run, int actorIndex, int seed, IReplayClient replay, IParameterSource parameters, InsertTurns turns)
    {
        using var actor = new ApexActor(run.MakeEnv, _cfg, _obsSize, _numActions, EpsilonsOf(_cfg, actorIndex), new Rng(seed), seed);
        ApexActorLoop.Run(actor, _cfg, replay, parameters, new EmbeddedHost(run, this), turns);
    }

    /// <summary>The embedded actor threads' host: the trainer's run, and this agent's lag and insert books.</summary>
    private sealed class EmbeddedHost(ConcurrentRun run, ApexAgent agent) : IActorLoopHost
    {
        public bool SafePoint() => run.SafePoint();
        public bool AddSteps(int n) => run.AddSteps(n);
        public void EndEpisode(double episodeReturn, int length) => run.EndEpisode(episodeReturn, length);
        public void BlockInserted(long parameterVersion, int transitions) => agent.RecordRemoteBlocks(1, parameterVersion);
        public void InsertWaited() => Interlocked.Increment(ref agent._insertWaits);
    }

    /// <summary>
    /// Books <paramref name="blocks"/> blocks inserted by actors whose parameter versions add up to
    /// <paramref name="versionSum"/> (policy lag of a block = learner updates − its version), and
    /// <paramref name="insertWaits"/> refused inserts. Embedded actors call it per block; a cluster learner node
    /// per actor report. The max lag is the largest per-report mean.
    /// </summary>
    public void RecordRemoteBlocks(long blocks, long versionSum, long insertWaits = 0)
    {
        Interlocked.Add(ref _insertWaits, insertWaits);
        if (blocks <= 0) return;
        _lag.AddVersions(blocks, versionSum, Learner.Updates);
        Interlocked.Add(ref _blocksInserted, blocks);
    }

    /// <summary>Publishes the learner's online and target parameters, versioned by its update count.</summary>
    private void PublishTo(IParameterPublisher publisher, bool restart = false)
    {
        publisher.Publish(Learner.Updates, ParameterVector.Read(Learner.Online, Learner.Target), restart);
        Interlocked.Exchange(ref _publishedVersion, Learner.Updates);
        Interlocked.Increment(ref _publishCount);
    }

    private void LearnerLoop(ConcurrentRun run, IReplayClient replay, IParameterPublisher publisher)
    {
        var batch = new ReplayBatch(_cfg.BatchSize, _obsSize, 1);
        while (run.SafePoint())
        {
            if (!replay.TrySample(_cfg.BatchSize, _cfg.PriorityBeta, batch))
            {
                Thread.Sleep(1);
                continue;
            }
            long t0 = Stopwatch.GetTimestamp();
            var (loss, meanQ) = Learner.Update(batch, run.EnvSteps);
            replay.UpdatePriorities(batch.Indices.AsSpan(0, batch.Size), batch.Keys.AsSpan(0, batch.Size), Learner.LastTdErrors);
            if (Learner.Updates % _cfg.PublishInterval == 0) PublishTo(publisher);
            _clock.Updated(t0);
            // Replay stats are a round trip when the replay is remote: refreshed every 50 updates.
            if (_clock.UpdatesThisStart % 50 == 1) _lastStats = replay.Stats;
            var stats = _lastStats;
            run.ReportMetrics(new Dictionary<string, double>
            {
                ["train/loss"] = loss,
                ["train/mean_q"] = meanQ,
                ["train/updates"] = Learner.Updates,
                ["train/replay_size"] = stats.Size,
                ["train/replay_inserted"] = stats.Inserted,
                ["train/policy_lag"] = MeanPolicyLag,
                ["time/learner_updates_per_second"] = LearnerUpdatesPerSecond,
            });
        }
    }

    // ---- evaluation ----

    /// <summary>Acts with the learner's online network: greedy, or with the greediest actor's ε when not deterministic.</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / _obsSize;
        if (rows * _obsSize != observations.Length || actions.Length != rows)
            throw new ArgumentException($"apex: {observations.Length} observation floats do not make rows of {_obsSize} matching {actions.Length} actions");
        var greedy = new int[rows];
        using (var scope = NewDisposeScope())
        using (no_grad())
            Learner.Online.forward(tensor(observations.ToArray(), new long[] { rows, _obsSize })).argmax(1).to_type(ScalarType.Int32).data<int>().CopyTo(greedy);
        double eps = deterministic ? 0 : Math.Pow(_cfg.ApexEpsilon, 1 + _cfg.ApexAlpha);
        for (int i = 0; i < rows; i++)
            actions[i] = eps > 0 && _actRng.NextDouble() < eps ? _actRng.Next(_numActions) : greedy[i];
    }

    // ---- stats and checkpoints ----

    public JsonObject AgentStats()
    {
        var s = _replay.Stats;
        var stats = new JsonObject
        {
            ["actors"] = _cfg.Actors,
            ["replay"] = ReferenceEquals(_replay, Shard) ? "in-process" : _replay.GetType().Name,
            ["learner_updates"] = Learner.Updates,
            ["learner_updates_per_second"] = double.IsNaN(LearnerUpdatesPerSecond) ? null : Math.Round(LearnerUpdatesPerSecond, 2),
            ["replay_size"] = s.Size,
            ["transitions_inserted"] = s.Inserted,
            ["transitions_sampled"] = s.Sampled,
            ["stale_priority_updates"] = s.StalePriorityUpdates,
            ["blocks_inserted"] = Interlocked.Read(ref _blocksInserted),
            ["actor_insert_waits"] = Interlocked.Read(ref _insertWaits),
            ["parameter_version"] = Interlocked.Read(ref _publishedVersion),
            ["parameter_sets_published"] = Interlocked.Read(ref _publishCount),
            ["policy_lag_mean"] = double.IsNaN(MeanPolicyLag) ? null : Math.Round(MeanPolicyLag, 2),
            ["policy_lag_max"] = _lag.Max,
        };
        if (_replay is IReportsReplayOutages r)
        {
            var o = r.Outages;
            stats["replay_failed_calls"] = o.FailedCalls;
            stats["replay_restarts"] = o.Restarts;
            stats["replay_transitions_lost"] = o.ItemsLost;
            stats["replay_priority_updates_lost"] = o.PriorityUpdatesLost;
        }
        return stats;
    }

    /// <summary>Config, shape, online and target networks, optimizer, counters, RNG and the replay shard.</summary>
    public void Save(Checkpoint c) => State.Save(c);

    public void Load(Checkpoint c)
    {
        State.Load(c);
        _parameters = new ParameterStore(); // versions restart from the loaded update count at the next Start
    }

    private AgentState? _state;

    /// <summary>The checkpoint state, declared once (<see cref="AgentState"/>). The replay is the embedded shard's (a cluster
    /// learner's replay lives on the replay node).</summary>
    private AgentState State => _state ??= new AgentState("apex")
        .Shape(("obs_size", "observation size", _obsSize), ("num_actions", "number of actions", _numActions))
        .Config(_cfg, "hidden", "dueling", "replay.capacity")
        .Counters(o => o["updates"] = Learner.Updates, o => Learner.SetUpdates((long)o["updates"]!))
        .Module("online", Learner.Online)
        .Module("target", Learner.Target)
        .Optimizer("optimizer", Learner.Optimizer)
        .Rng("act_rng", _actRng)
        .Custom(c => { if (ReferenceEquals(_replay, Shard)) Shard.Save(c, "apex/replay"); },
                c => { if (c.Contains("apex/replay/table")) Shard.Load(c, "apex/replay"); });

    public void Dispose() => Learner.Dispose();
}
