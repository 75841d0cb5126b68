using Astromech.Agents.ApeX;
using Astromech.Cluster.Roles;
using Astromech.Envs;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// Ape-X's roles on a cluster: a <see cref="ReplayNode"/> (prioritized replay shard + parameter source; the
/// cluster's seed), a learner that samples from it and publishes to it, and actor nodes that insert into it and
/// pull from it. Learner and actors reach the replay node by role, so they follow it across restarts.
/// </summary>
public static class ApexCluster
{
    /// <summary>Starts the learner's node (its spec checked by the seeds), waits for a replay node, and points the agent's learner at it.</summary>
    public static LearnerNode StartLearner(ApexAgent agent, RunSpec spec, NodeOptions options) =>
        ClusterNode.Start("learner", spec, options, new[] { "replay" }, node =>
        {
            var replay = new RemoteReplayClient(node.Locate("replay", ReplayNode.ReplayName), options.RequestTimeout, tolerateOutages: true) { Pipelined = options.PipelinedLearner, PrefetchDepth = options.PrefetchDepth };
            var parameters = new RemoteParameterSource(node.Locate("replay", ReplayNode.ParametersName), options.RequestTimeout, tolerateOutages: true) { Pipelined = options.PipelinedLearner };
            agent.UseEndpoints(replay, parameters, parameters);
            return new LearnerNode(node, agent, options, r => agent.RecordRemoteBlocks(r.Blocks, r.VersionSum, r.InsertWaits), () =>
            {
                var o = replay.Outages;
                return new Dictionary<string, double> { ["learner/replay_failed_calls"] = o.FailedCalls, ["learner/replay_restarts"] = o.Restarts };
            });
        });

    /// <summary>
    /// Joins as an actor node running Ape-X actors <paramref name="actorIndices"/>: each waits for the learner's
    /// first parameters (acting with a random network only fills replay with noise), then runs the
    /// <see cref="ApexActorLoop"/> against the replay node.
    /// </summary>
    public static ActorNode StartActors(ApexConfig cfg, RunSpec spec, Func<IEnv> makeEnv, int numActions, int[] actorIndices, int seed, NodeOptions options)
    {
        RemoteReplayClient? replay = null;
        var turns = new InsertTurns();
        return ActorNode.Start(spec, cfg.Actors, actorIndices, options, new[] { "replay" }, (node, index) =>
        {
            replay ??= new RemoteReplayClient(node.Node.Locate("replay", ReplayNode.ReplayName), options.RequestTimeout, tolerateOutages: true);
            var source = new RemoteParameterSource(node.Node.Locate("replay", ReplayNode.ParametersName), options.RequestTimeout, tolerateOutages: true);
            var shard = replay;
            return () =>
            {
                int s = unchecked(seed + 10_007 * (index + 1));
                using var actor = new ApexActor(makeEnv, cfg, spec.ObsSize, numActions, ApexAgent.EpsilonsOf(cfg, index), new Rng(s), s);
                while (!node.Stopping && !actor.Pull(source)) Thread.Sleep(200);
                node.ParametersLoaded(actor.ParameterVersion);
                ApexActorLoop.Run(actor, cfg, shard, new Tracking(source, node), node, turns);
            };
        }, node => () => new Dictionary<string, double> { ["actor/replay_failed_calls"] = replay?.Outages.FailedCalls ?? 0 });
    }

    /// <summary>The parameter source as an actor loop sees it, noting each version loaded.</summary>
    private sealed class Tracking(Parameters.IParameterSource inner, ActorNode node) : Parameters.IParameterSource
    {
        public Parameters.ParameterSet? GetNewer(long haveVersion)
        {
            var p = inner.GetNewer(haveVersion);
            if (p is not null) node.ParametersLoaded(p.Version);
            return p;
        }
    }
}
