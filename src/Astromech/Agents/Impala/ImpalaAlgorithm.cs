using Astromech.Agents.Kickstarting;

namespace Astromech.Agents.Impala;

/// <summary>IMPALA's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it
/// (its cluster layout is <c>Astromech.Cluster.Nodes.ImpalaCluster.Layout</c>).</summary>
public static class ImpalaAlgorithm
{
    private static ImpalaConfig SmokeConfig() => new() { Actors = 2, NumEnvs = 2, NSteps = 5, BatchSize = 1, QueueCapacity = 2 };

    public static AlgorithmInfo Info { get; } = new(
        "impala", "IMPALA: actor threads feed unrolls through a bounded queue to one learner; V-trace corrects the policy lag",
        typeof(ImpalaConfig), (cfg, obs, act, seed) => new ImpalaAgent((ImpalaConfig)cfg, obs, act, seed), ActionKinds.Both)
    {
        ActorCountKey = "actors",
        TeacherPolicy = TeacherPolicies.ActorCritic,
        Export = Export.PolicyExports.ActorCriticAgent,
        Smoke = new[]
        {
            new SmokeRun(SmokeConfig, "CartPole-v1", 20_000),
            new SmokeRun(SmokeConfig, "Pendulum-v1", 20_000),
        },
    };
}
