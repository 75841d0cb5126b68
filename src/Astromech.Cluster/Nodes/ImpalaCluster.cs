using Astromech.Agents.ActorCritic;
using Astromech.Agents.Impala;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;
using Astromech.Envs;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// IMPALA's roles on a cluster: the learner node is the seed and hosts the bounded unroll queue
/// (<see cref="UnrollQueueActor"/>, its capacity the back-pressure) and the parameter source the learner
/// publishes to after every update; actor nodes collect unrolls with their own network copies and submit them
/// with the behaviour policy's version, and V-trace corrects for the lag.
/// </summary>
public static class ImpalaCluster
{
    /// <summary>IMPALA's cluster layout: a learner hosting the unroll queue (the seed) and actors; no replay node.</summary>
    public static ClusterLayout Layout { get; } = new(ImpalaAlgorithm.Info.Name, cfg => ((ImpalaConfig)cfg).Actors,
        (agent, spec, options) => StartLearner((ImpalaAgent)agent, spec, options),
        (run, indices) => StartActors((ImpalaConfig)run.Config, run.Spec, run.MakeEnv, run.ObservationSpace, run.ActionSpace, indices, run.Seed, run.Options));

    /// <summary>Starts the learner's node (without seeds it starts the cluster) hosting the unroll queue and the parameter source.</summary>
    public static LearnerNode StartLearner(ImpalaAgent agent, RunSpec spec, NodeOptions options) =>
        ClusterNode.Start("learner", spec, options, Array.Empty<string>(), node =>
        {
            node.System.ActorOf(ParameterSourceActor.Props(agent.Parameters), ReplayNode.ParametersName);
            node.System.ActorOf(UnrollQueueActor.Props(agent), UnrollQueueActor.Name);
            return new LearnerNode(node, agent, options, extraMetrics: () => new Dictionary<string, double> { ["learner/queue_size"] = agent.QueueSize });
        });

    /// <summary>Joins as an actor node running IMPALA actors <paramref name="actorIndices"/> against the learner node.</summary>
    public static ActorNode StartActors(ImpalaConfig cfg, RunSpec spec, Func<IEnv> makeEnv, Envs.Spaces.Space obsSpace, Envs.Spaces.Space actionSpace,
        int[] actorIndices, int seed, NodeOptions options)
    {
        long refused = 0;
        return ActorNode.Start(spec, cfg.Actors, actorIndices, options, Array.Empty<string>(), (node, index) =>
        {
            var source = new RemoteParameterSource(node.Node.Locate("learner", ReplayNode.ParametersName), options.RequestTimeout, tolerateOutages: true);
            var queue = node.Node.Locate("learner", UnrollQueueActor.Name);
            return () =>
            {
                // Each submit is serialized into a message, so one buffer serves every unroll of this actor.
                var buffer = new RolloutBuffer(cfg.NSteps, cfg.NumEnvs, obsSpace.FlatSize, actionSpace.FlatSize);
                // Resends of one unroll keep its sequence number, so the queue can tell a resend from a new unroll.
                long submitter = Random.Shared.NextInt64(1, long.MaxValue), sequence = 0;
                Unroll? current = null;
                bool Submit(Unroll u)
                {
                    if (!ReferenceEquals(u, current)) { current = u; sequence++; }
                    var d = u.Data;
                    var msg = new SubmitUnroll(d.Steps, d.Envs, d.ObsSize, d.ActionSize, u.BehaviourVersion, u.Actor, submitter, sequence, d.Obs, d.Actions,
                        d.LogProbs, d.Rewards, d.Discounts, d.Ends, d.FinalObs, d.BootstrapObs);
                    bool accepted;
                    try { accepted = Ask.Call<UnrollAccepted>(queue, msg, options.RequestTimeout).Accepted; }
                    catch (RoleUnavailableException) { return false; } // already waited the request timeout
                    if (!accepted) Thread.Sleep(2); // the queue was full: give the learner a moment before the resend
                    return accepted;
                }
                ImpalaActorLoop.Run(cfg, makeEnv, obsSpace, actionSpace, index, seed, source, () => buffer, Submit, node, node.ParametersLoaded,
                    () => node.BlockInserted(-1, cfg.NSteps * cfg.NumEnvs), () => { Interlocked.Increment(ref refused); node.InsertWaited(); });
            };
        }, node => () => new Dictionary<string, double> { ["actor/unrolls_refused"] = Interlocked.Read(ref refused) });
    }
}
