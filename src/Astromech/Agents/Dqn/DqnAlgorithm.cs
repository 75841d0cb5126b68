using Astromech.Agents.Kickstarting;

namespace Astromech.Agents.Dqn;

/// <summary>DQN's descriptor: what the registry, the CLI, kickstarting and the conformance suite know about it.</summary>
public static class DqnAlgorithm
{
    public static AlgorithmInfo Info { get; } = new(
        "dqn", "DQN with switchable double Q, dueling head, n-step returns, prioritized replay, value rescaling",
        typeof(DqnConfig), (cfg, obs, act, seed) => new DqnAgent((DqnConfig)cfg, obs, act, seed))
    {
        // A DQN checkpoint teaches through softmax(Q/τ) of its online network.
        Export = agent => Export.PolicyExports.QPolicy("dqn", ((DqnAgent)agent).Learner.Online, agent.ObservationSpace.FlatSize),
        TeacherPolicy = TeacherPolicies.QSoftmax(agent => ((DqnAgent)agent).Learner.Online),
        Smoke = new[]
        {
            new SmokeRun(() => new DqnConfig { LearningStarts = 100, TrainFreq = 1, TargetUpdateInterval = 50, DoubleQ = true, Dueling = true, NStep = 3, Prioritized = true, ValueRescaling = true },
                "CartPole-v1", 1_500),
        },
    };
}
