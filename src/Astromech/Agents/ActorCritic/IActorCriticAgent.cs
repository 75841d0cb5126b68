using Astromech.Nn;
using Astromech.Training;

namespace Astromech.Agents.ActorCritic;

/// <summary>An agent whose policy is an <see cref="ActorCriticNetwork"/> (A2C, PPO, A3C, IMPALA): what a kickstarting teacher reads.</summary>
public interface IActorCriticAgent : IAgent
{
    ActorCriticNetwork Network { get; }

    /// <summary>The running observation statistics the network's inputs are normalized with (normalize_observations), or null.</summary>
    Astromech.Envs.RunningMeanStd? ObservationStatistics => null;
}

/// <summary>An agent that can act on held-out rows (not its training env rows) without touching its training state.</summary>
public interface IHeldOutActor
{
    void ActHeldOut(ReadOnlySpan<float> observations, Span<float> actions, bool deterministic);
}
