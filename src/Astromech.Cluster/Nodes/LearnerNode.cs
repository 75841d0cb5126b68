using System.Collections.Concurrent;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;
using Astromech.Envs;
using Astromech.Training;

namespace Astromech.Cluster.Nodes;

/// <summary>Where and how a node process joins its cluster.</summary>
public sealed record NodeOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    /// <summary>HOST:PORT of nodes already in the cluster (empty: this node starts the cluster).</summary>
    public IReadOnlyList<string> Seeds { get; init; } = Array.Empty<string>();
    /// <summary>Finds the seeds by service discovery instead (Kubernetes); null with no seeds: this node starts the cluster.</summary>
    public SeedDiscovery? Discovery { get; init; }
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a request to another role may go unanswered before it counts as an outage.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The learner requests its next batch while it computes an update, and sends priorities without waiting (see <see cref="RemoteReplayClient.Pipelined"/>).</summary>
    public bool PipelinedLearner { get; init; } = true;
    /// <summary>Sample requests a pipelined Ape-X learner keeps in flight (see <see cref="RemoteReplayClient.PrefetchDepth"/>).</summary>
    public int PrefetchDepth { get; init; } = 2;
    /// <summary>Run directory for this node's metrics (nodes/NAME/); null: console only.</summary>
    public string? MetricsDir { get; init; }
}

/// <summary>
/// The learner role of a cluster (Ape-X, IMPALA): the agent's learner thread, unchanged, run by the ordinary
/// <see cref="Trainer"/> (so summary.json, metrics, evaluations, checkpoints and resume are the embedded run's),
/// with no actor threads: actor nodes report their env steps and episodes to <c>/user/learner</c>
/// (<see cref="LearnerInboxActor"/>), which counts them into the trainer's run, and are told to stop once the
/// step budget is spent. The algorithm's experience path is wired by <see cref="ApexCluster"/> or
/// <see cref="ImpalaCluster"/> before this is built.
/// </summary>
public sealed class LearnerNode : IActorReportSink, IDisposable
{
    private readonly IDistributedAgent _agent;
    private readonly Action<ActorReport>? _onReport;
    private readonly ConcurrentDictionary<string, ActorView> _actors = new();
    private volatile ConcurrentRun? _run;
    private volatile bool _done;

    private sealed record ActorView(long EnvSteps, double StepsPerSecond, long ParameterVersion, DateTime LastReport);

    public LearnerNode(ClusterNode node, IDistributedAgent agent, NodeOptions options, Action<ActorReport>? onReport = null,
        Func<IReadOnlyDictionary<string, double>>? extraMetrics = null)
    {
        Node = node;
        _agent = agent;
        _onReport = onReport;
        _extraMetrics = extraMetrics;
        agent.RunActorsLocally = false;
        agent.RunStarted += run =>
        {
            _run = run;
            if (_stopRequested) run.RequestStop();
        };
        node.System.ActorOf(LearnerInboxActor.Props(this), LearnerInboxActor.Name);
        Metrics = new NodeMetrics("learner", options.MetricsDir, Snapshot);
        // Removed from the cluster (downed after a partition or a long freeze): no report can reach this learner
        // any more, so it ends its run in order (evaluation, checkpoint, summary) instead of waiting forever.
        node.System.WhenTerminated.ContinueWith(_ =>
        {
            if (_done) return;
            Downed = true;
            RequestStop();
        });
    }

    private readonly Func<IReadOnlyDictionary<string, double>>? _extraMetrics;
    public ClusterNode Node { get; }
    public NodeMetrics Metrics { get; }
    /// <summary>True when this node's actor system ended before training did (the cluster removed it).</summary>
    public bool Downed { get; private set; }
    /// <summary>Actors that have reported so far (by name).</summary>
    public IReadOnlyCollection<string> ActorsSeen => _actors.Keys.ToArray();

    /// <summary>Trains to the options' step budget; then tells actors to stop and waits <paramref name="linger"/> for them to hear it.</summary>
    public RunSummary Train(Func<IEnv> makeEnv, TrainerOptions options, TimeSpan linger)
    {
        try { return Trainer.Run(_agent, makeEnv, options); }
        finally
        {
            _done = true;
            Thread.Sleep(linger);
        }
    }

    /// <summary>Ends training early (SIGTERM/Ctrl+C on the node): the trainer evaluates, checkpoints and writes its summary as at the budget's end.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        _run?.RequestStop();
    }
    private volatile bool _stopRequested;

    public bool StopActors => _done || _run is { } r && (r.Stopping || r.EnvSteps >= r.TotalSteps);
    public long LearnerUpdates => _agent.Updates;

    private readonly ConcurrentDictionary<string, long> _lastSequence = new();
    private long _malformedReports, _stepsAfterBudget;
    /// <summary>Env steps actors reported after the budget was spent (not counted in the run).</summary>
    public long StepsAfterBudget => Interlocked.Read(ref _stepsAfterBudget);

    public bool Accept(ActorReport report)
    {
        var run = _run;
        if (run is null) return false;
        if (report.Sequence <= _lastSequence.GetValueOrDefault(report.Actor, 0)) return true; // a resend of a counted report
        if (StopActors)
        {
            // The budget is spent (or the run is ending): actors keep acting until they hear so, and the learner's
            // final evaluation takes a while; their later steps are settled but not counted, so a run ends near its
            // budget instead of overshooting by everything the actors did meanwhile (28k steps for a 20k budget).
            _lastSequence[report.Actor] = report.Sequence;
            Interlocked.Add(ref _stepsAfterBudget, Math.Max(0, report.EnvSteps));
            return true;
        }
        if (report.Returns.Length != report.Lengths.Length || report.EnvSteps < 0 || report.Blocks < 0)
        {
            // Settled without counting, so the actor does not resend it forever; said on stderr, not hidden.
            Interlocked.Increment(ref _malformedReports);
            Console.Error.WriteLine($"warning: ignored a malformed report from {report.Actor}: {report.Returns.Length} returns, {report.Lengths.Length} lengths, {report.EnvSteps} steps");
            _lastSequence[report.Actor] = report.Sequence;
            return true;
        }
        _lastSequence[report.Actor] = report.Sequence;
        if (report.EnvSteps > 0) run.AddSteps((int)Math.Min(int.MaxValue, report.EnvSteps));
        for (int i = 0; i < report.Returns.Length; i++) run.EndEpisode(report.Returns[i], report.Lengths[i]);
        _onReport?.Invoke(report);
        _actors.AddOrUpdate(report.Actor, _ => new ActorView(report.EnvSteps, report.StepsPerSecond, report.ParameterVersion, DateTime.UtcNow),
            (_, v) => new ActorView(v.EnvSteps + report.EnvSteps, report.StepsPerSecond, report.ParameterVersion, DateTime.UtcNow));
        return true;
    }

    private (long, IReadOnlyDictionary<string, double>) Snapshot()
    {
        var now = DateTime.UtcNow;
        var live = _actors.Values.Where(a => now - a.LastReport < TimeSpan.FromSeconds(5)).ToList();
        var d = new Dictionary<string, double>
        {
            ["learner/updates"] = _agent.Updates,
            ["learner/updates_per_second"] = _agent.LearnerUpdatesPerSecond,
            ["learner/policy_lag"] = _agent.MeanPolicyLag,
            ["learner/actors_reporting"] = live.Count,
            ["learner/actor_env_steps_per_second"] = live.Sum(a => a.StepsPerSecond),
            ["learner/min_actor_parameter_version"] = live.Count == 0 ? double.NaN : live.Min(a => a.ParameterVersion),
        };
        if (_extraMetrics is not null) foreach (var (k, v) in _extraMetrics()) d[k] = v;
        return (_run?.EnvSteps ?? 0, d);
    }

    public void Dispose()
    {
        Metrics.Dispose();
        Node.Dispose();
    }
}
