namespace Astromech.Agents.R2d2;

/// <summary>R2D2's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it
/// (its cluster layout is <c>Astromech.Cluster.Nodes.R2d2Cluster.Layout</c>).</summary>
public static class R2d2Algorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "r2d2", "R2D2: LSTM Q-network, actor threads feed overlapping sequences into prioritized sequence replay; burn-in, n-step double Q, value rescaling",
        typeof(R2d2Config), (cfg, obs, act, seed) => new R2d2Agent((R2d2Config)cfg, obs, act, seed))
    {
        ActorCountKey = "actors",
        Export = agent => Export.PolicyExports.RecurrentQ("r2d2", ((R2d2Agent)agent).Learner.Online, agent.ObservationSpace.FlatSize),
        NotATeacherBecause = "it is recurrent, and a teacher would need its own recurrent state along the student's trajectories, which the feedforward students do not carry",
        Diagnostics = new[] { "staleness" },
        Smoke = new[]
        {
            new SmokeRun(() => new R2d2Config { Actors = 2, NumEnvs = 2, SequenceLength = 10, Overlap = 5, BurnIn = 4, NStep = 3, BatchSize = 8, MinReplaySize = 8, ParamSyncInterval = 20 },
                "CartPole-v1", 20_000),
        },
    };
}
