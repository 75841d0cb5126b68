using Astromech.Cluster.Nodes;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Training;

namespace Astromech.Cluster;

/// <summary>What a node needs to start its role of one run: the bound config, the run spec, the env and its spaces, the seed, the node options.</summary>
public sealed record ClusterStart(object Config, RunSpec Spec, Func<IEnv> MakeEnv, Space ObservationSpace, Space ActionSpace, int Seed, NodeOptions Options);

/// <summary>
/// The cluster half of an algorithm's descriptor: which roles its run has and how each node starts its role.
/// Every distributed algorithm has a learner and actors; those with a <see cref="StartReplay"/> also have a replay
/// node, which is then the cluster's seed (otherwise the learner hosts the experience queue and is the seed). The
/// CLI's <c>node</c> and <c>cluster up</c> commands read only this, so they name no algorithm.
/// </summary>
/// <param name="Algo">The registered algorithm name this layout belongs to.</param>
/// <param name="Actors">The run's actor count, read from its bound config.</param>
/// <param name="StartLearner">Starts the learner node around the agent the registry built.</param>
/// <param name="StartActors">Starts an actor node running the given actor indices.</param>
public sealed record ClusterLayout(
    string Algo,
    Func<object, int> Actors,
    Func<IDistributedAgent, RunSpec, NodeOptions, LearnerNode> StartLearner,
    Func<ClusterStart, int[], ActorNode> StartActors)
{
    /// <summary>Starts the replay node; null when the learner hosts the experience path itself (IMPALA's unroll queue).</summary>
    public Func<ClusterStart, ReplayNode>? StartReplay { get; init; }

    public bool HasReplayRole => StartReplay is not null;

    /// <summary>Whether the learner can keep sample requests in flight (<c>--prefetch</c>).</summary>
    public bool LearnerPrefetches { get; init; }

    /// <summary>A short note on the given actors for the actor node's start line (Ape-X: their ε's); null for none.</summary>
    public Func<object, int[], string>? DescribeActors { get; init; }
}

/// <summary>The cluster layouts, by algorithm name: one line per cluster-capable algorithm.</summary>
public static class ClusterLayouts
{
    private static readonly List<ClusterLayout> _all = new()
    {
        ApexCluster.Layout,
        ImpalaCluster.Layout,
        R2d2Cluster.Layout,
    };

    public static IReadOnlyList<ClusterLayout> All => _all;

    /// <summary>Names of the algorithms that can run as a cluster, comma separated.</summary>
    public static string Names => string.Join(", ", _all.Select(l => l.Algo));

    public static ClusterLayout? Find(string algo) => _all.FirstOrDefault(l => string.Equals(l.Algo, algo, StringComparison.OrdinalIgnoreCase));

    public static void Register(ClusterLayout layout)
    {
        if (Find(layout.Algo) is not null) throw new ArgumentException($"a cluster layout for '{layout.Algo}' is already registered");
        _all.Add(layout);
    }
}
