using Astromech.Adders;
using Astromech.Agents.R2d2;
using Astromech.Cluster.Roles;
using Astromech.Envs;
using Astromech.Nn;
using Astromech.Replay;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// R2D2's roles on a cluster: a replay node (<see cref="StartReplay"/>: the sequence replay with
/// stored recurrent states behind a rate limiter, plus the parameter source; the seed), a learner that samples
/// sequence batches from it and publishes its online network after every update, and actor nodes whose
/// sequence adders (80/40-style overlapping sequences with the LSTM state at each start) fill it.
/// </summary>
public static class R2d2Cluster
{
    /// <summary>R2D2's cluster layout: sequence replay node (the seed), learner, actors.</summary>
    public static ClusterLayout Layout { get; } = new(R2d2Algorithm.Info.Name, cfg => ((R2d2Config)cfg).Actors,
        (agent, spec, options) => StartLearner((R2d2Agent)agent, spec, options),
        (run, indices) => StartActors((R2d2Config)run.Config, run.Spec, run.MakeEnv, run.ObservationSpace, ((Envs.Spaces.Discrete)run.ActionSpace).N, indices, run.Seed, run.Options))
    {
        StartReplay = run => StartReplay((R2d2Config)run.Config, run.Spec, run.Seed, run.Options),
    };

    /// <summary>Starts the replay node of an R2D2 run: a sequence replay shard (the agent's replay shape and priority exponent, the config's rate limiter).</summary>
    public static ReplayNode StartReplay(R2d2Config cfg, RunSpec spec, int seed, NodeOptions options)
    {
        var limiter = cfg.Replay.RateLimiter();
        var shard = new SequenceReplayShard(new SequenceReplay(cfg.ReplayCapacity, cfg.SequenceLength, spec.ObsSize, cfg.LstmSize, cfg.PriorityExponent),
            limiter, unchecked(seed + 104_729));
        return ReplayNode.Start(spec, options, shard);
    }

    public static LearnerNode StartLearner(R2d2Agent agent, RunSpec spec, NodeOptions options) =>
        ClusterNode.Start("learner", spec, options, new[] { "replay" }, node =>
        {
            var replay = new RemoteSequenceReplayClient(node.Locate("replay", ReplayNode.ReplayName), options.RequestTimeout, tolerateOutages: true);
            var parameters = new RemoteParameterSource(node.Locate("replay", ReplayNode.ParametersName), options.RequestTimeout, tolerateOutages: true) { Pipelined = options.PipelinedLearner };
            agent.UseEndpoints(replay, parameters);
            return new LearnerNode(node, agent, options, r => agent.RecordInsertedVersions(r.Blocks, r.VersionSum), () =>
            {
                var o = replay.Outages;
                return new Dictionary<string, double> { ["learner/replay_failed_calls"] = o.FailedCalls, ["learner/replay_restarts"] = o.Restarts };
            });
        });

    /// <summary>Joins as an actor node running R2D2 actors <paramref name="actorIndices"/> (per-actor Ape-X ε's over all actors × env copies).</summary>
    public static ActorNode StartActors(R2d2Config cfg, RunSpec spec, Func<IEnv> makeEnv, Envs.Spaces.Space obsSpace, int numActions, int[] actorIndices, int seed,
        NodeOptions options)
    {
        if (cfg.EpsilonSchedule != EpsilonSchedule.PerActor)
            throw new ArgumentException("r2d2 on a cluster explores with per-actor ε (epsilon_schedule per_actor): the linear schedule needs the run's global progress, which remote actors do not have");
        RemoteSequenceReplayClient? replay = null;
        return ActorNode.Start(spec, cfg.Actors, actorIndices, options, new[] { "replay" }, (node, index) =>
        {
            replay ??= new RemoteSequenceReplayClient(node.Node.Locate("replay", ReplayNode.ReplayName), options.RequestTimeout, tolerateOutages: true);
            var shard = replay;
            var source = new RemoteParameterSource(node.Node.Locate("replay", ReplayNode.ParametersName), options.RequestTimeout, tolerateOutages: true);
            // Episode ids as the embedded agent makes them (actor index in the top bits); a restarted actor starts its
            // counter again, so its ids can repeat older ones (they only group sequences for the staleness diagnostic).
            return () => R2d2ActorLoop.Run(cfg, makeEnv, obsSpace.Shape, numActions, index, seed, (long)index << 48, source, shard.TryInsert, node,
                loaded: node.ParametersLoaded);
        }, node => () => new Dictionary<string, double> { ["actor/replay_failed_calls"] = replay?.Outages.FailedCalls ?? 0 });
    }
}
