using Akka.Actor;
using Astromech.Agents.ApeX;
using Astromech.Cluster.Roles;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// One cluster node with the <c>replay</c> role for Ape-X, normally the cluster's first node (its seed): a
/// <see cref="ReplayShardActor"/> at <c>/user/replay</c> (a prioritized table, rate limiter and sampling RNG built
/// from the run's <see cref="ApexConfig"/>, exactly as the embedded agent builds its own) and a
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

    /// <summary>Builds the shard an Ape-X run on <paramref name="obsSize"/> observation floats uses (as the embedded agent does).</summary>
    public static ReplayShard ShardFor(ApexConfig cfg, int obsSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (obsSize < 1) throw new ArgumentOutOfRangeException(nameof(obsSize), obsSize, "observation size must be positive");
        var limiter = new SampleToInsertRateLimiter(cfg.SamplesPerInsert, cfg.MinReplaySize, cfg.SamplesPerInsertTolerance);
        limiter.EnsureNoDeadlock(cfg.BatchSize, cfg.BlockCapacity);
        return new ReplayShard(new PrioritizedReplay(cfg.ReplayCapacity, obsSize, 1, cfg.PriorityAlpha, cfg.PriorityEps), limiter, unchecked(seed + 104_729));
    }

    /// <summary>Starts the replay node of a run described by <paramref name="spec"/>; without seeds it starts the cluster.</summary>
    public static ReplayNode Start(ApexConfig cfg, RunSpec spec, int seed, NodeOptions options)
    {
        var shard = ShardFor(cfg, spec.ObsSize, seed);
        return ClusterNode.Start("replay", spec, options, Array.Empty<string>(), node =>
            new ReplayNode(node, ReplayShardActor.Props(shard), () => shard.Stats,
                new ParameterStore(), options.MetricsDir) { Shard = shard });
    }

    /// <summary>Starts the replay node of an R2D2 run: a sequence replay shard (the agent's replay shape and priority exponent, the config's rate limiter).</summary>
    public static ReplayNode StartSequences(Agents.R2d2.R2d2Config cfg, RunSpec spec, int seed, NodeOptions options)
    {
        var limiter = new SampleToInsertRateLimiter(cfg.SamplesPerInsert, cfg.MinReplaySize, cfg.SamplesPerInsertTolerance);
        var shard = new SequenceReplayShard(new SequenceReplay(cfg.ReplayCapacity, cfg.SequenceLength, spec.ObsSize, cfg.LstmSize, cfg.PriorityExponent),
            limiter, unchecked(seed + 104_729));
        return ClusterNode.Start("replay", spec, options, Array.Empty<string>(), node =>
            new ReplayNode(node, SequenceReplayShardActor.Props(shard), () => shard.Stats,
                new ParameterStore(), options.MetricsDir) { SequenceShard = shard });
    }

    /// <summary>Starts a replay node for an Ape-X run on an env with <paramref name="obsSize"/> observation floats and one discrete action (tests).</summary>
    public static ReplayNode Start(ApexConfig cfg, int obsSize, int seed, string host = "127.0.0.1", int port = 0, IEnumerable<string>? seedNodes = null)
    {
        var spec = new RunSpec("apex", "(unnamed)", new Dictionary<string, string>(), obsSize, 1, Training.Config.ConfigBinder.ToJson(cfg));
        return Start(cfg, spec, seed, new NodeOptions { Host = host, Port = port, Seeds = seedNodes?.ToList() ?? new List<string>() });
    }

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
