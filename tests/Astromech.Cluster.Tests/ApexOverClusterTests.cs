using Astromech.Agents.ApeX;
using Astromech.Cluster.Roles;
using Astromech.Envs.Registry;
using Astromech.Parameters;
using Astromech.Replay;
using Astromech.Training;

namespace Astromech.Cluster.Tests;

/// <summary>
/// The Ape-X agent's own actor and learner loops, unchanged, run against a replay shard and a parameter source
/// hosted on another actor system of the cluster: every transition block, sampled batch, priority update and
/// parameter version crosses loopback TCP through the Astromech serializer.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ApexOverClusterTests(ThreeNodeCluster cluster)
{
    [Fact]
    public void ApexTrainsWithItsReplayAndParameterSourceOnAnotherNode()
    {
        var cfg = new ApexConfig
        {
            Actors = 2, NumEnvs = 2, BatchSize = 32, Hidden = new[] { 32 }, ReplayCapacity = 5000, MinReplaySize = 200,
            TargetUpdateInterval = 50, FlushSize = 20, ParamSyncInterval = 10, PublishInterval = 5, SamplesPerInsert = 4, SamplesPerInsertTolerance = 500,
        };
        var shard = new ReplayShard(new PrioritizedReplay(cfg.ReplayCapacity, 4, 1, cfg.PriorityAlpha, cfg.PriorityEps),
            new SampleToInsertRateLimiter(cfg.SamplesPerInsert, cfg.MinReplaySize, cfg.SamplesPerInsertTolerance), seed: 2);
        var store = new ParameterStore();
        cluster.Replay.ActorOf(ReplayShardActor.Props(shard), "apex-replay");
        cluster.Replay.ActorOf(ParameterSourceActor.Props(store), "apex-parameters");
        var timeout = TimeSpan.FromSeconds(20);
        var replay = new RemoteReplayClient(ThreeNodeCluster.Resolve(cluster.Learner, cluster.Replay, "apex-replay"), timeout);
        var parameters = new RemoteParameterSource(ThreeNodeCluster.Resolve(cluster.Learner, cluster.Replay, "apex-parameters"), timeout);

        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = new ApexAgent(cfg, env.ObservationSpace, env.ActionSpace, 1);
        agent.UseEndpoints(replay, parameters, parameters);
        var s = Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 1, TotalSteps = 3000, EvalEpisodes = 2, ShowProgress = false, CheckpointInterval = 0,
            OutDir = Directory.CreateTempSubdirectory("astromech-cluster-").FullName,
        });

        Assert.True(s.EnvSteps >= 3000);
        Assert.True(agent.Updates > 0, "the learner never got a batch from the remote replay");
        Assert.Equal(0, agent.Shard.Stats.Inserted); // nothing went into the agent's own in-process replay
        var remote = shard.Stats;
        Assert.True(remote.Inserted >= 2000, $"the remote shard received {remote.Inserted} transitions");
        Assert.Equal(agent.Updates * cfg.BatchSize, remote.Sampled);
        Assert.Equal(remote.Sampled, remote.PriorityUpdates + remote.StalePriorityUpdates);
        Assert.True(store.Version > 0 && store.Version <= agent.Updates, $"parameter source at version {store.Version}, learner at {agent.Updates}");
    }
}
