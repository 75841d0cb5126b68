using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Adders;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using static TorchSharp.torch;

namespace Astromech.Agents.R2d2;

/// <summary>
/// R2D2 in one process, wired from separate parts a distributed runtime can host unchanged: <c>actors</c>
/// threads each run <see cref="R2d2ActorLoop"/> (the loop cluster actor nodes run too): an <see cref="R2d2Actor"/>
/// with num_envs env copies and a network copy pulled from <see cref="Parameters"/> every param_sync_interval
/// vector steps, whose <see cref="VectorSequenceAdder"/> makes overlapping sequences that go into the shared
/// <see cref="SequenceReplay"/>; one learner thread samples batches once min_replay_size sequences are stored,
/// runs <see cref="R2d2Learner.Update"/>, writes the priorities back and publishes the online network.
/// <para>Evaluation (<see cref="Act"/>) runs the learner's online network greedily with one LSTM state per env
/// row, zeroed by <see cref="IAgent.OnEpisodeStart"/> and fed back the previous action and reward
/// (<see cref="IAgent.OnRewards"/>).</para>
/// </summary>
public sealed class R2d2Agent : IDistributedAgent, IReportsAgentStats, IStalenessDiagnostic
{
    private readonly R2d2Config _cfg;
    private readonly int _obsSize, _numActions, _seed;
    private readonly Rng _rng, _actRng;
    private long _sampledSequences;
    private readonly LearnerClock _clock = new();
    private long _actorDropped;

    // Evaluation state: one LSTM state per env row of the vector env that Act is called on.
    private int _evalRows = -1;
    private float[] _evalH = Array.Empty<float>(), _evalC = Array.Empty<float>(), _evalPrevR = Array.Empty<float>();
    private long[] _evalPrevA = Array.Empty<long>();

    public R2d2Agent(R2d2Config cfg, Space observationSpace, Space actionSpace, int seed)
    {
        var discrete = AgentSpaces.DiscreteActions("r2d2", actionSpace);
        AgentSpaces.BoxObservations("r2d2", observationSpace);
        _cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        _obsSize = observationSpace.FlatSize;
        _numActions = discrete.N;
        _seed = seed;
        _rng = new Rng(seed);
        _actRng = new Rng(unchecked(seed + 7919));
        manual_seed(seed);
        Learner = new R2d2Learner(cfg, observationSpace.Shape, _numActions);
        Replay = new SequenceReplay(cfg.ReplayCapacity, cfg.SequenceLength, _obsSize, cfg.LstmSize, cfg.PriorityExponent);
    }

    public string Algo => R2d2Algorithm.Info.Name;
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public R2d2Config Config => _cfg;
    public R2d2Learner Learner { get; }
    public SequenceReplay Replay { get; }
    public long Updates => Learner.Updates;
    public SequenceLayout Layout => new(_cfg.SequenceLength, _cfg.Overlap, _cfg.BurnIn, _cfg.StartState);
    public int ReplayCount => Replay.Count;
    public double LearnerUpdatesPerSecond => _clock.UpdatesPerSecond;

    /// <summary>Ape-X's ε for copy <paramref name="i"/> of <paramref name="count"/>: ε^(1 + α·i/(N − 1)) (ε itself when N = 1).</summary>
    public static double ApexEpsilon(int i, int count, double epsilon, double alpha) => ApeX.ApexExploration.Epsilon(i, count, epsilon, alpha);

    /// <summary>The single linear ε schedule (epsilon_schedule = linear).</summary>
    public double LinearEpsilon(Progress p) =>
        LinearSchedule.OverRunFraction(p, _cfg.ExplorationInitialEps, _cfg.ExplorationFinalEps, _cfg.ExplorationFraction);

    /// <summary>The per-actor ε's (epsilon_schedule = per_actor) of actor <paramref name="actorIndex"/>'s env copies, among all actors × copies.</summary>
    public static double[] EpsilonsOf(R2d2Config cfg, int actorIndex)
    {
        int n = cfg.NumEnvs, total = cfg.Actors * n;
        var eps = new double[n];
        for (int i = 0; i < n; i++) eps[i] = ApexEpsilon(actorIndex * n + i, total, cfg.ApexEpsilon, cfg.ApexAlpha);
        return eps;
    }

    /// <summary>A fresh network copy for an actor or a diagnostic, with the learner's current parameters and no gradients.</summary>
    public RecurrentQNetwork NewNetworkCopy()
    {
        var net = RecurrentQNetwork.Create(Learner.ObsShape, _numActions, _cfg.Hidden, _cfg.LstmSize, _cfg.LstmForgetBias, _cfg.Torso, _cfg.ConvFilters);
        foreach (var p in net.parameters()) p.requires_grad = false;
        Learner.CopyOnlineTo(net);
        return net;
    }

    private ISequenceReplayClient? _remote;
    private IParameterPublisher? _publisher;
    private ReplayShardStats _remoteStats;
    private readonly PolicyLagBook _lag = new();

    /// <summary>
    /// Whether <see cref="Start"/> runs the actor threads in this process (the default). A cluster learner node
    /// turns it off and points the learner at a remote sequence replay with <see cref="UseEndpoints"/>.
    /// </summary>
    public bool RunActorsLocally { get; set; } = true;

    /// <summary>Raised by <see cref="Start"/> with the trainer's run, before any worker starts.</summary>
    public event Action<ConcurrentRun>? RunStarted;

    /// <summary>Mean of (learner updates − actor parameter version) over the actors' sequence inserts.</summary>
    public double MeanPolicyLag => _lag.Mean;

    /// <summary>
    /// Cluster learner: sample from <paramref name="replay"/> (whose own rate limiter paces the learner against
    /// the actors) instead of the in-process replay, and publish the online network's parameters, versioned by
    /// update count, to <paramref name="publisher"/> after every update. The in-process replay stays empty and is
    /// not what checkpoints save then (the replay node owns the sequences).
    /// </summary>
    public void UseEndpoints(ISequenceReplayClient replay, IParameterPublisher publisher)
    {
        _remote = replay ?? throw new ArgumentNullException(nameof(replay));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        RunActorsLocally = false;
    }

    /// <summary>Books <paramref name="inserts"/> sequence-block inserts (by embedded or remote actors) whose parameter versions
    /// add up to <paramref name="versionSum"/>, for the policy-lag statistics.</summary>
    public void RecordInsertedVersions(long inserts, long versionSum) => _lag.AddVersions(inserts, versionSum, Learner.Updates);

    /// <summary>Where embedded actors pull the learner's online parameters from; it is published at start and after every update.</summary>
    public ParameterStore Parameters { get; } = new();

    /// <summary>Publishes the online network, versioned by update count, to the cluster's parameter source or else to <see cref="Parameters"/>.</summary>
    private void Publish(bool restart = false)
    {
        float[] values;
        lock (Learner.ParamLock) values = ParameterVector.Read(Learner.Online);
        (_publisher ?? Parameters).Publish(Learner.Updates, values, restart);
    }

    public void Start(ConcurrentRun run)
    {
        _clock.Restart();
        RunStarted?.Invoke(run);
        Publish(restart: true);
        for (int a = 0; a < (RunActorsLocally ? _cfg.Actors : 0); a++)
        {
            int actor = a;
            run.StartWorker($"r2d2-actor-{actor}", () => ActorLoop(run, actor));
        }
        run.StartWorker("r2d2-learner", () => LearnerLoop(run));
    }

    private void ActorLoop(ConcurrentRun run, int actorIndex)
    {
        // Episode ids: actor in the top bits, env copy next (see VectorSequenceAdder), then a counter, plus the
        // replay's insert count so ids stay unique across resumed runs.
        long idBase = ((long)actorIndex << 48) + Replay.TotalAdded;
        // In process the replay always takes a step's sequences; the rate limit holds the actor before it acts.
        R2d2ActorLoop.Run(_cfg, run.MakeEnv, Learner.ObsShape, _numActions, actorIndex, run.Seed, idBase, Parameters, InsertIntoReplay, new EmbeddedHost(run, this),
            mayStep: () => !ActorsAhead(),
            epsilon: _cfg.EpsilonSchedule == EpsilonSchedule.Linear ? () => LinearEpsilon(run.Progress) : null,
            droppedTooShort: d => Interlocked.Add(ref _actorDropped, d));
    }

    private bool InsertIntoReplay(IReadOnlyList<SequenceItem> items)
    {
        foreach (var s in items) Replay.Add(s);
        return true;
    }

    /// <summary>The embedded actor threads' host: the trainer's run, and this agent's policy-lag books.</summary>
    private sealed class EmbeddedHost(ConcurrentRun run, R2d2Agent agent) : IActorLoopHost
    {
        public bool SafePoint() => run.SafePoint();
        public bool AddSteps(int n) => run.AddSteps(n);
        public void EndEpisode(double episodeReturn, int length) => run.EndEpisode(episodeReturn, length);
        public void BlockInserted(long parameterVersion, int sequences) => agent.RecordInsertedVersions(1, parameterVersion);
        public void InsertWaited() { } // the in-process replay never refuses
    }

    /// <summary>Rate limit (samples_per_insert): sampled − spi·inserted beyond the tolerance.</summary>
    private bool LearnerAhead() => _cfg.SamplesPerInsert > 0
        && Interlocked.Read(ref _sampledSequences) + _cfg.BatchSize - _cfg.SamplesPerInsert * InsertedSinceLearningStarts() > _cfg.SamplesPerInsertTolerance;

    /// <summary>Rate limit: spi·inserted − sampled beyond the tolerance (never before the learner may start).</summary>
    private bool ActorsAhead() => _cfg.SamplesPerInsert > 0 && Replay.Count >= _cfg.MinReplaySize
        && _cfg.SamplesPerInsert * InsertedSinceLearningStarts() - Interlocked.Read(ref _sampledSequences) > _cfg.SamplesPerInsertTolerance;

    private double InsertedSinceLearningStarts() => Math.Max(0, Replay.TotalAdded - _cfg.MinReplaySize);

    private void LearnerLoop(ConcurrentRun run)
    {
        var batch = new SequenceBatch(_cfg.BatchSize, _cfg.SequenceLength, _obsSize, _cfg.LstmSize);
        while (run.SafePoint())
        {
            if (_remote is not null)
            {
                if (!_remote.TrySample(_cfg.ImportanceSamplingExponent, batch))
                {
                    Thread.Sleep(2);
                    continue;
                }
                long t1 = Stopwatch.GetTimestamp();
                if (_clock.UpdatesThisStart % 50 == 0) _remoteStats = _remote.Stats;
                var m = TrainOnSampled(batch, run.Progress, _remote.UpdatePriorities, _remoteStats.Size, double.NaN);
                Publish();
                _clock.Updated(t1);
                m["time/learner_updates_per_second"] = LearnerUpdatesPerSecond;
                m["train/policy_lag"] = MeanPolicyLag;
                run.ReportMetrics(m);
                continue;
            }
            if (Replay.Count < _cfg.MinReplaySize || LearnerAhead())
            {
                Thread.Sleep(2);
                continue;
            }
            long t0 = Stopwatch.GetTimestamp();
            var metrics = TrainOnce(batch, run.Progress);
            Publish();
            _clock.Updated(t0);
            metrics["time/learner_updates_per_second"] = LearnerUpdatesPerSecond;
            run.ReportMetrics(metrics);
        }
    }

    /// <summary>One learner step: sample, update, write priorities back (public for tests and single-threaded drivers).</summary>
    public Dictionary<string, double> TrainOnce(SequenceBatch batch, Progress progress)
    {
        Replay.Sample(_cfg.BatchSize, _rng, _cfg.ImportanceSamplingExponent, batch);
        return TrainOnSampled(batch, progress, Replay.UpdatePriorities, Replay.Count, Replay.MaxPriority);
    }

    private delegate int PriorityWriter(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<double> priorities);

    /// <summary>One update on a batch already sampled; the new priorities go to <paramref name="writeBack"/>.</summary>
    private Dictionary<string, double> TrainOnSampled(SequenceBatch batch, Progress progress, PriorityWriter writeBack, int replaySize, double maxPriority)
    {
        double lr = Learner.LearningRateAt(progress);
        if (_cfg.LrAnneal) Learner.SetLearningRate(lr);
        var r = Learner.Update(batch, progress.EnvSteps);
        writeBack(batch.Indices, batch.Keys, r.Priorities);
        Interlocked.Add(ref _sampledSequences, _cfg.BatchSize);
        return new Dictionary<string, double>
        {
            ["train/loss"] = r.Loss,
            ["train/learning_rate"] = lr,
            ["train/mean_q"] = r.MeanQ,
            ["train/grad_norm"] = r.GradNorm,
            ["train/priority_mean"] = r.Priorities.Average(),
            ["train/trained_steps"] = r.TrainedSteps,
            ["train/updates"] = Learner.Updates,
            ["train/replay_size"] = replaySize,
            ["train/replay_max_priority"] = maxPriority,
        };
    }

    /// <summary>
    /// The paper's ΔQ staleness diagnostic (<see cref="QStaleness"/>) for the four start-state strategies, on the
    /// sequences now in replay and the learner's current network. Call while the run is paused or stopped.
    /// </summary>
    public IReadOnlyList<StalenessResult> MeasureStaleness(int maxSequences = 256)
    {
        using var net = NewNetworkCopy();
        return QStaleness.Measure(net, Replay.Snapshot(), _cfg.SequenceLength - _cfg.Overlap, _cfg.BurnIn, maxSequences);
    }

    // ---- evaluation ----

    public void OnEpisodeStart(ReadOnlySpan<bool> rows)
    {
        bool all = true;
        foreach (bool s in rows) all &= s;
        if (_evalRows < 0 || (all && rows.Length != _evalRows)) ResizeEvalState(rows.Length);
        else if (rows.Length != _evalRows)
            throw new ArgumentException(
                $"r2d2 keeps recurrent state for {_evalRows} env rows, but OnEpisodeStart got {rows.Length} flags; start every row (all true) to begin on a vector env of another size");
        int S = _cfg.LstmSize;
        for (int i = 0; i < rows.Length; i++)
        {
            if (!rows[i]) continue;
            Array.Clear(_evalH, i * S, S);
            Array.Clear(_evalC, i * S, S);
            _evalPrevA[i] = -1;
            _evalPrevR[i] = 0;
        }
    }

    public void OnRewards(ReadOnlySpan<float> rewards)
    {
        if (rewards.Length != _evalRows)
            throw new ArgumentException($"r2d2 keeps recurrent state for {_evalRows} env rows, but got {rewards.Length} rewards");
        rewards.CopyTo(_evalPrevR);
    }

    private void ResizeEvalState(int rows)
    {
        _evalRows = rows;
        _evalH = new float[rows * _cfg.LstmSize];
        _evalC = new float[rows * _cfg.LstmSize];
        _evalPrevA = new long[rows];
        _evalPrevR = new float[rows];
        Array.Fill(_evalPrevA, -1L);
    }

    /// <summary>
    /// Acts on every row with the learner's online network, carrying one LSTM state per row. The first call
    /// (or OnEpisodeStart with every row starting) sets the number of rows; a later call with another number of
    /// rows is an error, since the rows' recurrent states would no longer line up with the observations.
    /// </summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / _obsSize;
        if (rows * _obsSize != observations.Length || actions.Length != rows)
            throw new ArgumentException($"r2d2: {observations.Length} observation floats do not make rows of {_obsSize} matching {actions.Length} actions");
        if (_evalRows < 0) ResizeEvalState(rows);
        if (rows != _evalRows)
            throw new ArgumentException(
                $"r2d2 keeps recurrent state for {_evalRows} env rows, but Act got {rows} observation rows; call OnEpisodeStart with one flag per row, all true, before acting on a vector env of another size");
        int S = _cfg.LstmSize;
        var greedy = new int[rows];
        using (var scope = NewDisposeScope())
        using (no_grad())
        lock (Learner.ParamLock)
        {
            var (q, h, c) = Learner.Online.Step(tensor(observations.ToArray(), new long[] { rows, _obsSize }), tensor(_evalPrevA, new long[] { rows }),
                tensor(_evalPrevR, new long[] { rows }), tensor(_evalH, new long[] { rows, S }), tensor(_evalC, new long[] { rows, S }));
            q.argmax(1).to_type(ScalarType.Int32).data<int>().CopyTo(greedy);
            h.data<float>().CopyTo(_evalH);
            c.data<float>().CopyTo(_evalC);
        }
        double eps = deterministic ? 0
            : _cfg.EpsilonSchedule == EpsilonSchedule.Linear ? LinearEpsilon(progress)
            : Math.Pow(_cfg.ApexEpsilon, 1 + _cfg.ApexAlpha); // the greediest actor's ε
        for (int i = 0; i < rows; i++)
        {
            actions[i] = eps > 0 && _actRng.NextDouble() < eps ? _actRng.Next(_numActions) : greedy[i];
            _evalPrevA[i] = (long)actions[i];
        }
    }

    // ---- stats and checkpoints ----

    public JsonObject AgentStats()
    {
        var remote = _remote?.Stats;
        var stats = new JsonObject
        {
            ["replay"] = _remote is null ? "in-process" : _remote.GetType().Name,
            ["learner_updates"] = Learner.Updates,
            ["learner_updates_per_second"] = double.IsNaN(LearnerUpdatesPerSecond) ? null : Math.Round(LearnerUpdatesPerSecond, 2),
            ["replay_size"] = remote?.Size ?? Replay.Count,
            ["sequences_added"] = remote?.Inserted ?? Replay.TotalAdded,
            ["sequences_dropped_too_short"] = Interlocked.Read(ref _actorDropped),
            ["sequences_sampled"] = Interlocked.Read(ref _sampledSequences),
            ["start_state"] = _cfg.StartState.ToString(),
        };
        if (!double.IsNaN(MeanPolicyLag))
        {
            stats["policy_lag_mean"] = Math.Round(MeanPolicyLag, 2);
            stats["policy_lag_max"] = _lag.Max;
        }
        if (_remote is IReportsReplayOutages r)
        {
            var o = r.Outages;
            stats["replay_failed_calls"] = o.FailedCalls;
            stats["replay_restarts"] = o.Restarts;
            stats["replay_sequences_lost"] = o.ItemsLost;
        }
        return stats;
    }

    /// <summary>Config, shape, online and target networks, optimizer, counters, RNG and the replay (as DQN does).</summary>
    public void Save(Checkpoint c) => State.Save(c);

    public void Load(Checkpoint c) => State.Load(c);

    private AgentState? _state;

    /// <summary>The checkpoint state, declared once (<see cref="AgentState"/>): networks, optimizer, RNG and counters under the
    /// learner's parameter lock, the replay after it.</summary>
    private AgentState State => _state ??= new AgentState("r2d2")
        .Shape(("obs_size", "observation size", _obsSize), ("num_actions", "number of actions", _numActions), ("lstm_size", "lstm_size", _cfg.LstmSize))
        .Config(_cfg, "hidden", "lstm_size", "sequence_length", "torso", "conv_filters")
        .LockedBy(Learner.ParamLock)
        .Counters(o => { o["updates"] = Learner.Updates; o["sampled_sequences"] = Interlocked.Read(ref _sampledSequences); },
                  o => { Learner.SetUpdates((long)o["updates"]!); _sampledSequences = (long)o["sampled_sequences"]!; })
        .Module("online", Learner.Online)
        .Module("target", Learner.Target)
        .Optimizer("optimizer", Learner.Optimizer)
        .Rng("rng", _rng)
        .Unlocked()
        .Blob("replay", Replay.Save, Replay.Load);

    public void Dispose() => Learner.Dispose();
}
