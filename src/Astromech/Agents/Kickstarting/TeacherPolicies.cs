using Astromech.Agents.ActorCritic;
using Astromech.Nn;
using Astromech.Training;
using static TorchSharp.torch;

namespace Astromech.Agents.Kickstarting;

/// <summary>
/// The teacher policies algorithms declare in their descriptors (<see cref="AlgorithmInfo.TeacherPolicy"/>): the
/// policy head of an actor-critic network, or softmax(Q/τ) over a Q-network. Both freeze the module they read.
/// </summary>
public static class TeacherPolicies
{
    /// <summary>π(·|s) of an actor-critic agent's policy head (A2C, PPO, A3C, IMPALA).</summary>
    public static readonly TeacherPolicyFactory ActorCritic = (agent, _) =>
    {
        var net = ((IActorCriticAgent)agent).Network;
        // A teacher sees the student's raw observations, one batch at a time: a recurrent teacher would need its own core
        // state along the student's trajectories, and a normalizing one its running statistics; both are refused here.
        if (net.StateSize > 0)
            throw new Training.Checkpoints.CheckpointException($"a recurrent {agent.Algo} checkpoint cannot teach yet (a teacher would need its own core state along the student's trajectories)");
        if (((IActorCriticAgent)agent).ObservationStatistics is not null)
            throw new Training.Checkpoints.CheckpointException($"a {agent.Algo} checkpoint trained with normalize_observations cannot teach yet (it would see the student's raw observations)");
        Freeze(net);
        return obs => net.Distribution(net.forward(obs).PolicyOut);
    };

    /// <summary>softmax(Q(s,·)/τ) over the Q-network <paramref name="qNetwork"/> picks out of the agent.</summary>
    public static TeacherPolicyFactory QSoftmax(Func<IAgent, nn.Module<Tensor, Tensor>> qNetwork) => (agent, temperature) =>
    {
        var q = qNetwork(agent);
        Freeze(q);
        return obs => new Categorical(q.forward(obs).div(Scalars.Of(temperature)));
    };

    /// <summary>Evaluation mode, no gradients: a teacher is never trained.</summary>
    public static void Freeze(nn.Module module)
    {
        module.eval();
        foreach (var p in module.parameters()) p.requires_grad = false;
    }
}
