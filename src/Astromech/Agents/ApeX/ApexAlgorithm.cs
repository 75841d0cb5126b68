namespace Astromech.Agents.ApeX;

/// <summary>Ape-X's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it
/// (its cluster layout is <c>Astromech.Cluster.Nodes.ApexCluster.Layout</c>).</summary>
public static class ApexAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "apex", "Ape-X DQN: actor threads with per-actor ε send n-step transitions with their own TD-error priorities to a prioritized replay; one double-Q dueling learner publishes versioned parameters",
        typeof(ApexConfig), (cfg, obs, act, seed) => new ApexAgent((ApexConfig)cfg, obs, act, seed))
    {
        ActorCountKey = "actors",
        // The learner's online network; the actors' ε-greedy exploration is not part of the acting policy.
        Export = agent => Export.PolicyExports.QPolicy("apex", ((ApexAgent)agent).Learner.Online, agent.ObservationSpace.FlatSize),
        NotATeacherBecause = "its Q-network teacher is not wired yet (DQN checkpoints can teach)",
        Smoke = new[]
        {
            new SmokeRun(() => new ApexConfig { Actors = 2, NumEnvs = 2, BatchSize = 16, Hidden = new[] { 32 }, ReplayCapacity = 5000, MinReplaySize = 100, FlushSize = 10,
                ParamSyncInterval = 10, PublishInterval = 2, TargetUpdateInterval = 50, ValueRescaling = true }, "CartPole-v1", 20_000),
        },
    };
}
