using Akka.Actor;
using Astromech.Cluster.Roles;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// One cluster node with the <c>replay</c> role, normally the cluster's first node (its seed): a shard actor at
/// <c>/user/replay</c> (Ape-X's prioritized transitions or R2D2's sequences, each built by the algorithm's
/// <see cref="ClusterLayout.StartReplay"/> exactly as its embedded agent builds its own) and a
/// <see cref="ParameterSourceActor"/> at <c>/user/parameters</c>. Learners and actors reach it with
/// <see cref="RemoteReplayClient"/> and <see cref="RemoteParameterSource"/>.
/// </summary>
public sealed class ReplayNode : IDisposable
{
    public const string ReplayName = "replay";
    public const string ParametersName = "parameters";
    private readonly NodeMetrics? _metrics;
    private readonly global::System.Diagnostics.Stopwatch _clock = global::System.Diagnostics.Stopwatch.StartNew();
    private (double T, long Inserted, long Sampled) _lastRates;

    private readonly Func<ReplayShardStats> _stats;

    private ReplayNode(ClusterNode node, Props replayProps, Func<ReplayShardStats> stats, ParameterStore parameters, string? metricsDir)
    {
        Node = node;
        _stats = stats;
        Parameters = parameters;
        Replay = node.System.ActorOf(replayProps, ReplayName);
        ParameterSource = node.System.ActorOf(ParameterSourceActor.Props(parameters), ParametersName);
        _metrics = new NodeMetrics("replay", metricsDir, Snapshot);
    }

    public ClusterNode Node { get; }
    public ActorSystem System => Node.System;
    /// <summary>Ape-X's transition shard (null on an R2D2 node).</summary>
    public ReplayShard? Shard { get; private init; }
    /// <summary>R2D2's sequence shard (null on an Ape-X node).</summary>
    public SequenceReplayShard? SequenceShard { get; private init; }
    /// <summary>Items (transitions or sequences) inserted and sampled so far.</summary>
    public (long Inserted, long Sampled) Counters { get { var s = _stats(); return (s.Inserted, s.Sampled); } }
    public ParameterStore Parameters { get; }
    public IActorRef Replay { get; }
    public IActorRef ParameterSource { get; }
    /// <summary>This node's address (with the bound port when started on port 0).</summary>
    public Address Address => Node.Address;

    /// <summary>Starts a replay node serving a transition shard (Ape-X's) for the run <paramref name="spec"/>; without seeds it starts the cluster.</summary>
    public static ReplayNode Start(RunSpec spec, NodeOptions options, ReplayShard shard) =>
        ClusterNode.Start("replay", spec, options, Array.Empty<string>(), node =>
            new ReplayNode(node, ReplayShardActor.Props(shard), () => shard.Stats, new ParameterStore(), options.MetricsDir) { Shard = shard });

    /// <summary>Starts a replay node serving a sequence shard (R2D2's) for the run <paramref name="spec"/>; without seeds it starts the cluster.</summary>
    public static ReplayNode Start(RunSpec spec, NodeOptions options, SequenceReplayShard shard) =>
        ClusterNode.Start("replay", spec, options, Array.Empty<string>(), node =>
            new ReplayNode(node, SequenceReplayShardActor.Props(shard), () => shard.Stats, new ParameterStore(), options.MetricsDir) { SequenceShard = shard });

    private (long, IReadOnlyDictionary<string, double>) Snapshot()
    {
        var s = _stats();
        double t = _clock.Elapsed.TotalSeconds;
        double dt = Math.Max(1e-6, t - _lastRates.T);
        var d = new Dictionary<string, double>
        {
            ["replay/size"] = s.Size,
            ["replay/inserted"] = s.Inserted,
            ["replay/sampled"] = s.Sampled,
            ["replay/inserts_per_second"] = (s.Inserted - _lastRates.Inserted) / dt,
            ["replay/samples_per_second"] = (s.Sampled - _lastRates.Sampled) / dt,
            ["replay/stale_priority_updates"] = s.StalePriorityUpdates,
            ["replay/parameter_version"] = Parameters.Version,
        };
        _lastRates = (t, s.Inserted, s.Sampled);
        return (s.Inserted, d);
    }

    /// <summary>An Akka address for a seed given as HOST:PORT (or already as akka.tcp://astromech@HOST:PORT).</summary>
    public static string SeedAddress(string seed)
    {
        if (seed.StartsWith("akka.tcp://", StringComparison.Ordinal)) return seed;
        int colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out int port) || port < 1 || port > 65535)
            throw new ArgumentException($"seed node '{seed}' is not HOST:PORT with a port in [1, 65535]");
        return $"akka.tcp://{ClusterConfig.SystemName}@{seed[..colon]}:{port}";
    }

    /// <summary>The path other nodes resolve to reach a role actor of this node.</summary>
    public ActorPath PathOf(string name) => new RootActorPath(Address) / "user" / name;

    public void Dispose()
    {
        _metrics?.Dispose();
        Node.Dispose();
    }
}
