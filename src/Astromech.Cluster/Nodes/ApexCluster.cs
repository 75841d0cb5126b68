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
    /// <summary>Ape-X's cluster layout: replay node (the seed), learner, actors.</summary>
    public static ClusterLayout Layout { get; } = new(ApexAlgorithm.Info.Name, cfg => ((ApexConfig)cfg).Actors,
        (agent, spec, options) => StartLearner((ApexAgent)agent, spec, options),
        (run, indices) => StartActors((ApexConfig)run.Config, run.Spec, run.MakeEnv, ((Envs.Spaces.Discrete)run.ActionSpace).N, indices, run.Seed, run.Options))
    {
        StartReplay = run => StartReplay((ApexConfig)run.Config, run.Spec, run.Seed, run.Options),
        LearnerPrefetches = true,
        DescribeActors = (cfg, indices) => "ε = " + string.Join(", ", indices.SelectMany(i => ApexAgent.EpsilonsOf((ApexConfig)cfg, i))
            .Select(e => e.ToString("G3", global::System.Globalization.CultureInfo.InvariantCulture))),
    };

    /// <summary>Builds the shard an Ape-X run on <paramref name="obsSize"/> observation floats uses (as the embedded agent does).</summary>
    public static Replay.ReplayShard ShardFor(ApexConfig cfg, int obsSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (obsSize < 1) throw new ArgumentOutOfRangeException(nameof(obsSize), obsSize, "observation size must be positive");
        var limiter = cfg.Replay.RateLimiter();
        limiter.EnsureNoDeadlock(cfg.BatchSize, cfg.BlockCapacity);
        return new Replay.ReplayShard(new Replay.PrioritizedReplay(cfg.ReplayCapacity, obsSize, 1, cfg.PriorityAlpha, cfg.PriorityEps), limiter, unchecked(seed + 104_729));
    }

    /// <summary>Starts the replay node of an Ape-X run (a prioritized table, rate limiter and sampling RNG built from the config); without seeds it starts the cluster.</summary>
    public static ReplayNode StartReplay(ApexConfig cfg, RunSpec spec, int seed, NodeOptions options) =>
        ReplayNode.Start(spec, options, ShardFor(cfg, spec.ObsSize, seed));

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
                int s = Training.ActorSeed.Of(seed, index);
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
