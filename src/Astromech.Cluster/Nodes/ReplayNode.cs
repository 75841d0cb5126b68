using Akka.Actor;
using Astromech.Agents.ApeX;
using Astromech.Cluster.Roles;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// One cluster node with the <c>replay</c> role for Ape-X: an actor system joined to the cluster's seed nodes,
/// hosting a <see cref="ReplayShardActor"/> at <c>/user/replay</c> (a prioritized table, rate limiter and sampling
/// RNG built from the run's <see cref="ApexConfig"/>, exactly as the embedded agent builds its own) and a
/// <see cref="ParameterSourceActor"/> at <c>/user/parameters</c>. The first piece of <c>astromech node</c>;
/// learners and actors reach it with <see cref="RemoteReplayClient"/> and <see cref="RemoteParameterSource"/>.
/// </summary>
public sealed class ReplayNode : IDisposable
{
    public const string ReplayName = "replay";
    public const string ParametersName = "parameters";

    private ReplayNode(ActorSystem system, ReplayShard shard, ParameterStore parameters)
    {
        System = system;
        Shard = shard;
        Parameters = parameters;
        Replay = system.ActorOf(ReplayShardActor.Props(shard), ReplayName);
        ParameterSource = system.ActorOf(ParameterSourceActor.Props(parameters), ParametersName);
    }

    public ActorSystem System { get; }
    public ReplayShard Shard { get; }
    public ParameterStore Parameters { get; }
    public IActorRef Replay { get; }
    public IActorRef ParameterSource { get; }
    /// <summary>This node's address (with the bound port when started on port 0).</summary>
    public Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>Starts the node for an Ape-X run on an env with <paramref name="obsSize"/> observation floats.</summary>
    public static ReplayNode Start(ApexConfig cfg, int obsSize, int seed, string host = "127.0.0.1", int port = 0, IEnumerable<string>? seedNodes = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (obsSize < 1) throw new ArgumentOutOfRangeException(nameof(obsSize), obsSize, "observation size must be positive");
        var limiter = new SampleToInsertRateLimiter(cfg.SamplesPerInsert, cfg.MinReplaySize, cfg.SamplesPerInsertTolerance);
        limiter.EnsureNoDeadlock(cfg.BatchSize, cfg.BlockCapacity);
        var shard = new ReplayShard(new PrioritizedReplay(cfg.ReplayCapacity, obsSize, 1, cfg.PriorityAlpha, cfg.PriorityEps), limiter, unchecked(seed + 104_729));
        var seeds = seedNodes?.ToList() ?? new List<string>();
        var system = ClusterConfig.StartSystem(new[] { "replay" }, host, port, seeds);
        try
        {
            var node = new ReplayNode(system, shard, new ParameterStore());
            if (seeds.Count == 0) Akka.Cluster.Cluster.Get(system).Join(node.Address); // first node: a cluster of its own
            return node;
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    /// <summary>Waits until this node is Up in the cluster; false when <paramref name="timeout"/> passes first (unreachable seeds).</summary>
    public bool WaitUntilUp(TimeSpan timeout)
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        var deadline = DateTime.UtcNow + timeout;
        while (cluster.SelfMember.Status != Akka.Cluster.MemberStatus.Up)
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(50);
        }
        return true;
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

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(20));
}
