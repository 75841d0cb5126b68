using System.Collections.Concurrent;
using System.Diagnostics;
using Astromech.Training;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// The actor role of a cluster: one or more actor loops on their own threads (each built by the algorithm's
/// worker factory: <see cref="ApexCluster"/>, <see cref="ImpalaCluster"/>), with this node as their
/// <see cref="IActorLoopHost"/>. A reporter thread sends the steps, episodes, inserted blocks or unrolls and the
/// parameter version gathered since the last acknowledged report to the learner every
/// <see cref="ReportInterval"/>; a report the learner does not acknowledge is sent again (the learner counts it
/// once), and acting never waits for the learner. The node stops when the learner says the budget is spent,
/// or on <see cref="Stop"/>.
/// </summary>
public sealed class ActorNode : IActorLoopHost, IDisposable
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly int[] _actorIndices;
    private readonly RoleTarget _learner;
    private readonly TimeSpan _requestTimeout;
    private readonly string _name;
    private readonly List<Thread> _threads = new();
    private readonly ConcurrentQueue<(double Return, int Length)> _episodes = new();
    private readonly ManualResetEventSlim _stopped = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _steps, _blocks, _versionSum, _waits, _version = -1;
    private long _totalSteps, _totalBlocks;
    private long _reportsAcked, _reportsFailed, _learnerUpdates;
    private volatile bool _stop;
    private Exception? _fault;
    private Func<IReadOnlyDictionary<string, double>>? _extraMetrics;

    private ActorNode(ClusterNode node, int[] actorIndices, NodeOptions options)
    {
        Node = node;
        _actorIndices = actorIndices;
        _requestTimeout = options.RequestTimeout;
        _learner = node.Locate("learner", LearnerInboxActor.Name);
        // Unique per process start: a restarted actor's reports are not mistaken for resends of its old ones.
        _name = $"actor-{string.Join('+', actorIndices)}-{Environment.ProcessId}-{Random.Shared.Next(1 << 20):x}";
        Metrics = new NodeMetrics($"actor-{string.Join('+', actorIndices)}", options.MetricsDir, Snapshot);
    }

    public ClusterNode Node { get; }
    public NodeMetrics Metrics { get; }
    public string Name => _name;
    public long EnvSteps => Interlocked.Read(ref _totalSteps);
    public long ParameterVersion => Interlocked.Read(ref _version);
    public long ReportsAcknowledged => Interlocked.Read(ref _reportsAcked);
    /// <summary>Reports the learner did not acknowledge in time (sent again later).</summary>
    public long ReportsUnanswered => Interlocked.Read(ref _reportsFailed);
    /// <summary>Set once every actor thread and the reporter have ended.</summary>
    public WaitHandle Stopped => _stopped.WaitHandle;
    public Exception? Fault => _fault;
    public bool Stopping => _stop;

    /// <summary>The actor loop of one actor index on this node: built on the node's cluster connection, run on its own thread.</summary>
    public delegate Action WorkerFactory(ActorNode node, int actorIndex);

    /// <summary>
    /// Joins the cluster as an actor node hosting actors <paramref name="actorIndices"/> (of <paramref name="actors"/>),
    /// waits until every role in <paramref name="needs"/> is up, and starts one thread per actor running what
    /// <paramref name="worker"/> builds.
    /// </summary>
    public static ActorNode Start(RunSpec spec, int actors, int[] actorIndices, NodeOptions options, IReadOnlyList<string> needs, WorkerFactory worker,
        Func<ActorNode, Func<IReadOnlyDictionary<string, double>>>? extraMetrics = null)
    {
        if (actorIndices.Length == 0) throw new ArgumentException("an actor node hosts at least one actor");
        foreach (int i in actorIndices)
            if (i < 0 || i >= actors) throw new ArgumentOutOfRangeException(nameof(actorIndices), i, $"actor index {i} is outside the run's {actors} actors (0…{actors - 1})");
        return ClusterNode.Start("actor", spec, options, needs.Append("learner").Distinct().ToList(), node =>
        {
            var an = new ActorNode(node, actorIndices, options);
            an._extraMetrics = extraMetrics?.Invoke(an);
            an.StartThreads(worker);
            return an;
        });
    }

    private void StartThreads(WorkerFactory worker)
    {
        foreach (int index in _actorIndices)
        {
            var body = worker(this, index);
            var t = new Thread(() =>
            {
                try
                {
                    Training.TorchSetup.ConfigureCurrentThread();
                    body();
                }
                catch (Exception e)
                {
                    _fault ??= e;
                    _stop = true;
                }
            }) { IsBackground = true, Name = $"actor-{index}" };
            _threads.Add(t);
            t.Start();
        }
        var reporter = new Thread(ReportLoop) { IsBackground = true, Name = "actor-reporter" };
        _threads.Add(reporter);
        reporter.Start();
        new Thread(() =>
        {
            foreach (var t in _threads) t.Join();
            _stopped.Set();
        }) { IsBackground = true, Name = "actor-node-join" }.Start();
    }

    /// <summary>Notes the parameter version an actor of this node loaded last (reported to the learner).</summary>
    public void ParametersLoaded(long version) => Interlocked.Exchange(ref _version, version);

    private void ReportLoop()
    {
        long sequence = 0;
        ActorReport? pending = null;
        double lastT = _clock.Elapsed.TotalSeconds;
        long lastTotal = 0;
        int finalRounds = 0;
        while (true)
        {
            bool final = _stop;
            if (!final) Thread.Sleep(ReportInterval);
            if (pending is null)
            {
                var returns = new List<double>();
                var lengths = new List<int>();
                while (_episodes.TryDequeue(out var e)) { returns.Add(e.Return); lengths.Add(e.Length); }
                double t = _clock.Elapsed.TotalSeconds;
                long total = Interlocked.Read(ref _totalSteps);
                double sps = (total - lastTotal) / Math.Max(1e-6, t - lastT);
                lastT = t;
                lastTotal = total;
                pending = new ActorReport(_name, ++sequence, Interlocked.Exchange(ref _steps, 0), Interlocked.Exchange(ref _blocks, 0),
                    Interlocked.Exchange(ref _versionSum, 0), Interlocked.Exchange(ref _waits, 0), Interlocked.Read(ref _version), returns.ToArray(), lengths.ToArray(), sps);
            }
            try
            {
                var ack = Ask.Call<ActorReportAck>(_learner, pending, _requestTimeout);
                Interlocked.Exchange(ref _learnerUpdates, ack.LearnerUpdates);
                if (ack.Sequence == pending.Sequence) { pending = null; Interlocked.Increment(ref _reportsAcked); }
                if (ack.Stop) _stop = true;
            }
            catch (RoleException e)
            {
                // Unanswered (learner down or partitioned) or refused: keep the report and send it again.
                Interlocked.Increment(ref _reportsFailed);
                if (e is not RoleUnavailableException && Interlocked.Read(ref _reportsFailed) == 1) Console.Error.WriteLine($"warning: the learner refused a report: {e.Message}");
            }
            // After stopping: send what is pending, then what the actors did meanwhile, until nothing is left
            // (at most three rounds, answered or not, so a learner that is gone cannot keep the node alive).
            if (final)
            {
                bool nothingLeft = pending is null && Interlocked.Read(ref _steps) == 0 && Interlocked.Read(ref _blocks) == 0 && _episodes.IsEmpty;
                if (nothingLeft || ++finalRounds >= 3) return;
            }
        }
    }

    // ---- IActorLoopHost ----
    public bool SafePoint() => !_stop;
    public bool AddSteps(int n)
    {
        Interlocked.Add(ref _steps, n);
        Interlocked.Add(ref _totalSteps, n);
        return !_stop;
    }
    public void EndEpisode(double episodeReturn, int length) => _episodes.Enqueue((episodeReturn, length));
    public void BlockInserted(long parameterVersion, int transitions)
    {
        Interlocked.Increment(ref _blocks);
        Interlocked.Add(ref _versionSum, parameterVersion);
        Interlocked.Increment(ref _totalBlocks);
    }
    public void InsertWaited() => Interlocked.Increment(ref _waits);

    /// <summary>Ends acting; the reporter sends what is left once more.</summary>
    public void Stop() => _stop = true;

    private (long, IReadOnlyDictionary<string, double>) Snapshot()
    {
        var d = new Dictionary<string, double>
        {
            ["actor/env_steps"] = EnvSteps,
            ["actor/env_steps_per_second"] = EnvSteps / Math.Max(1e-6, _clock.Elapsed.TotalSeconds),
            ["actor/parameter_version"] = ParameterVersion,
            ["actor/learner_updates"] = Interlocked.Read(ref _learnerUpdates),
            ["actor/blocks_inserted"] = Interlocked.Read(ref _totalBlocks),
            ["actor/reports_unanswered"] = ReportsUnanswered,
        };
        if (_extraMetrics is not null) foreach (var (k, v) in _extraMetrics()) d[k] = v;
        return (EnvSteps, d);
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop = true;
        _stopped.Wait(TimeSpan.FromSeconds(30));
        Metrics.Dispose();
        Node.Dispose();
    }
}
