using System.Collections.Concurrent;
using System.Diagnostics;
using Astromech.Agents.ApeX;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;
using Astromech.Envs;
using Astromech.Replay;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// The actor role of an Ape-X cluster: one or more <see cref="ApexActor"/>s on their own threads, each running
/// the same <see cref="ApexActorLoop"/> as the embedded agent, against the replay node's shard and parameter
/// source. A reporter thread sends the steps, episodes, inserted blocks and parameter version gathered since
/// the last acknowledged report to the learner every <see cref="ReportInterval"/>; a report the learner does
/// not acknowledge is sent again (the learner counts it once), and acting never waits for the learner.
/// The node stops when the learner says the budget is spent, or on <see cref="Stop"/>.
/// </summary>
public sealed class ActorNode : IActorLoopHost, IDisposable
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly ApexConfig _cfg;
    private readonly Func<IEnv> _makeEnv;
    private readonly int _obsSize, _numActions;
    private readonly int[] _actorIndices;
    private readonly int _seed;
    private readonly RemoteReplayClient _replay;
    private readonly RemoteParameterSource _parameters;
    private readonly RoleTarget _learner;
    private readonly TimeSpan _requestTimeout;
    private readonly string _name;
    private readonly List<Thread> _threads = new();
    private readonly ConcurrentQueue<(double Return, int Length)> _episodes = new();
    private readonly ManualResetEventSlim _stopped = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _steps, _blocks, _waits, _version = -1;
    private long _totalSteps, _totalBlocks;
    private long _reportsAcked, _reportsFailed, _learnerUpdates;
    private volatile bool _stop;
    private Exception? _fault;

    private ActorNode(ClusterNode node, ApexConfig cfg, Func<IEnv> makeEnv, int obsSize, int numActions, int[] actorIndices, int seed, NodeOptions options)
    {
        Node = node;
        _cfg = cfg;
        _makeEnv = makeEnv;
        _obsSize = obsSize;
        _numActions = numActions;
        _actorIndices = actorIndices;
        _seed = seed;
        _requestTimeout = options.RequestTimeout;
        _replay = new RemoteReplayClient(node.Locate("replay", ReplayNode.ReplayName), options.RequestTimeout, tolerateOutages: true);
        _parameters = new RemoteParameterSource(node.Locate("replay", ReplayNode.ParametersName), options.RequestTimeout, tolerateOutages: true);
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
    public ReplayOutageStats ReplayOutages => _replay.Outages;
    /// <summary>Set once every actor thread and the reporter have ended.</summary>
    public WaitHandle Stopped => _stopped.WaitHandle;
    public Exception? Fault => _fault;

    /// <summary>
    /// Joins the cluster as an actor node hosting Ape-X actors <paramref name="actorIndices"/> (of the config's
    /// <c>actors</c>, which sets their ε's), waits for the replay and learner nodes, and starts acting.
    /// </summary>
    public static ActorNode Start(ApexConfig cfg, RunSpec spec, Func<IEnv> makeEnv, int obsSize, int numActions, int[] actorIndices, int seed, NodeOptions options)
    {
        foreach (int i in actorIndices)
            if (i < 0 || i >= cfg.Actors) throw new ArgumentOutOfRangeException(nameof(actorIndices), i, $"actor index {i} is outside the run's {cfg.Actors} actors (0…{cfg.Actors - 1})");
        if (actorIndices.Length == 0) throw new ArgumentException("an actor node hosts at least one actor");
        var node = ClusterNode.Start("actor", spec, options.Host, options.Port, options.Seeds, options.JoinTimeout);
        try
        {
            foreach (var role in new[] { "replay", "learner" })
                if (!node.WaitForRole(role, options.JoinTimeout))
                    throw new ClusterJoinException($"actor node: no {role} node is up in the cluster after {options.JoinTimeout.TotalSeconds:F0} s; members seen: {node.DescribeMembers()}");
            var an = new ActorNode(node, cfg, makeEnv, obsSize, numActions, actorIndices, seed, options);
            an.StartThreads();
            return an;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    private void StartThreads()
    {
        var turns = new InsertTurns();
        foreach (int index in _actorIndices)
        {
            int seed = unchecked(_seed + 10_007 * (index + 1));
            var t = new Thread(() =>
            {
                try
                {
                    Training.TorchSetup.ConfigureCurrentThread();
                    // Wait for the learner's first parameters: acting with a random network only fills replay with noise.
                    using var actor = new ApexActor(_makeEnv, _cfg, _obsSize, _numActions, ApexAgent.EpsilonsOf(_cfg, index), new Rng(seed), seed);
                    while (!_stop && !actor.Pull(_parameters)) Thread.Sleep(200);
                    Interlocked.Exchange(ref _version, actor.ParameterVersion);
                    ApexActorLoop.Run(actor, _cfg, _replay, new VersionTracking(_parameters, this), this, turns);
                }
                catch (Exception e)
                {
                    _fault ??= e;
                    _stop = true;
                }
            }) { IsBackground = true, Name = $"apex-actor-{index}" };
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

    /// <summary>The parameter source as the loop sees it, noting each version the actor loads.</summary>
    private sealed class VersionTracking(RemoteParameterSource inner, ActorNode node) : Parameters.IParameterSource
    {
        public Parameters.ParameterSet? GetNewer(long haveVersion)
        {
            var p = inner.GetNewer(haveVersion);
            if (p is not null) Interlocked.Exchange(ref node._version, p.Version);
            return p;
        }
    }

    private void ReportLoop()
    {
        long sequence = 0;
        ActorReport? pending = null;
        double lastT = _clock.Elapsed.TotalSeconds;
        long lastTotal = 0;
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
                    Interlocked.Exchange(ref _waits, 0), Interlocked.Read(ref _version), returns.ToArray(), lengths.ToArray(), sps);
            }
            try
            {
                var ack = Ask.Call<ActorReportAck>(_learner, pending, _requestTimeout);
                Interlocked.Exchange(ref _learnerUpdates, ack.LearnerUpdates);
                if (ack.Sequence == pending.Sequence) { pending = null; Interlocked.Increment(ref _reportsAcked); }
                if (ack.Stop) _stop = true;
            }
            catch (RoleUnavailableException) { Interlocked.Increment(ref _reportsFailed); }
            if (final) return; // one last report after stopping, answered or not
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
        Interlocked.Increment(ref _totalBlocks);
    }
    public void InsertWaited() => Interlocked.Increment(ref _waits);

    /// <summary>Ends acting; the reporter sends what is left once more.</summary>
    public void Stop() => _stop = true;

    private (long, IReadOnlyDictionary<string, double>) Snapshot()
    {
        var o = _replay.Outages;
        return (EnvSteps, new Dictionary<string, double>
        {
            ["actor/env_steps"] = EnvSteps,
            ["actor/env_steps_per_second"] = EnvSteps / Math.Max(1e-6, _clock.Elapsed.TotalSeconds),
            ["actor/parameter_version"] = ParameterVersion,
            ["actor/learner_updates"] = Interlocked.Read(ref _learnerUpdates),
            ["actor/blocks_inserted"] = Interlocked.Read(ref _totalBlocks),
            ["actor/reports_unanswered"] = ReportsUnanswered,
            ["actor/replay_failed_calls"] = o.FailedCalls,
        });
    }

    public void Dispose()
    {
        _stop = true;
        _stopped.Wait(TimeSpan.FromSeconds(30));
        Metrics.Dispose();
        Node.Dispose();
    }
}
