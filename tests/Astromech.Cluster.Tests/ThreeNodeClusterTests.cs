using Akka.Actor;
using Akka.Cluster;
using Astromech.Cluster;
using Astromech.Cluster.Roles;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cluster.Tests;

/// <summary>
/// Three actor systems in this process (roles learner, replay, actor), each with provider = cluster on
/// 127.0.0.1 and a free port, form one cluster over real TCP (CLUSTER.md: Akka's multi-node runner is not
/// available here; this is the measured substitute). Formed once for the class.
/// </summary>
public sealed class ThreeNodeCluster : IDisposable
{
    /// <summary>The run spec the learner system's membership actor holds: Ape-X on CartPole-sized rows with these <see cref="Config"/>.</summary>
    public static readonly Astromech.Agents.ApeX.ApexConfig Config = new() { ReplayCapacity = 1000, MinReplaySize = 10, BatchSize = 16, SamplesPerInsert = 0 };
    public static readonly RunSpec Spec = new("apex", "CartPole-v1", new Dictionary<string, string>(), 4, 2, Astromech.Training.Config.ConfigBinder.ToJson(Config));

    public ActorSystem Learner { get; }
    public ActorSystem Replay { get; }
    public ActorSystem Actor { get; }

    public ThreeNodeCluster()
    {
        Learner = ClusterConfig.StartSystem(new[] { "learner" });
        var seed = Akka.Cluster.Cluster.Get(Learner).SelfAddress;
        Assert.NotEqual(0, seed.Port); // port 0 was replaced by the bound port
        Akka.Cluster.Cluster.Get(Learner).Join(seed);
        Replay = ClusterConfig.StartSystem(new[] { "replay" }, seedNodes: new[] { seed.ToString() });
        Actor = ClusterConfig.StartSystem(new[] { "actor" }, seedNodes: new[] { seed.ToString() });
        Learner.ActorOf(RunMembershipActor.Props(Spec), RunMembershipActor.Name); // what joining nodes are checked against
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var s in new[] { Learner, Replay, Actor })
            while (Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) < 3)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the three systems did not form a cluster within 60 s; {s.Name} sees: " +
                        string.Join(", ", Akka.Cluster.Cluster.Get(s).State.Members.Select(m => $"{m.Address} {m.Status}")));
                Thread.Sleep(50);
            }
    }

    /// <summary>A reference to <paramref name="name"/> on <paramref name="host"/>, resolved from <paramref name="from"/> over the network.</summary>
    public static IActorRef Resolve(ActorSystem from, ActorSystem host, string name)
    {
        var address = Akka.Cluster.Cluster.Get(host).SelfAddress;
        return from.ActorSelection(new RootActorPath(address) / "user" / name).ResolveOne(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
    }

    public void Dispose() => Task.WaitAll(new[] { Actor.Terminate(), Replay.Terminate(), Learner.Terminate() }, TimeSpan.FromSeconds(30));
}

/// <summary>The tests that share one <see cref="ThreeNodeCluster"/> (formed once, a few seconds).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ThreeNodeCluster>
{
    public const string Name = "three-node cluster";
}

[Collection(ClusterCollection.Name)]
public sealed class ThreeNodeClusterTests(ThreeNodeCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static TransitionBlock Block(int rows, int obs, int seed)
    {
        var b = new TransitionBlock(rows, obs, 1);
        var o = SerializerTests.AwkwardFloats(obs, seed);
        var rng = new Random(seed);
        for (int r = 0; r < rows; r++)
        {
            var row = SerializerTests.AwkwardFloats(obs, seed * 1000 + r);
            var next = SerializerTests.AwkwardFloats(obs, seed * 1000 + r + 500);
            b.Add(row, new float[] { rng.Next(2) }, (float)rng.NextDouble(), 0.99f, next);
        }
        return b;
    }

    private (IReplayClient ActorSide, IReplayClient LearnerSide) HostShard(string name, ReplayShard shard)
    {
        cluster.Replay.ActorOf(ReplayShardActor.Props(shard), name);
        return (new RemoteReplayClient(ThreeNodeCluster.Resolve(cluster.Actor, cluster.Replay, name), Timeout),
                new RemoteReplayClient(ThreeNodeCluster.Resolve(cluster.Learner, cluster.Replay, name), Timeout));
    }

    [Fact]
    public void TransitionsInsertedByTheActorNodeAreSampledBitExactlyByTheLearnerNode()
    {
        const int obs = 4, rows = 50;
        var shard = new ReplayShard(new PrioritizedReplay(1000, obs, 1), new SampleToInsertRateLimiter(0, rows, 0), seed: 3);
        var (actorSide, learnerSide) = HostShard("replay-roundtrip", shard);
        var block = Block(rows, obs, 1);
        var priorities = Enumerable.Repeat(1f, rows).ToArray();
        var batch = new ReplayBatch(64, obs, 1);
        Assert.False(learnerSide.TrySample(64, 0.4, batch)); // nothing inserted: the replay refuses, it does not block
        Assert.True(actorSide.TryInsert(block, priorities));
        Assert.True(learnerSide.TrySample(64, 0.4, batch));
        Assert.Equal(64, batch.Size);
        Assert.True(batch.HasWeights);
        for (int i = 0; i < batch.Size; i++)
        {
            int k = (int)batch.Keys[i];
            Assert.InRange(k, 0, rows - 1);
            Assert.True(SerializerTests.BitEqual(block.Obs[(k * obs)..((k + 1) * obs)], batch.Obs[(i * obs)..((i + 1) * obs)]), $"row {k} observation changed on the way");
            Assert.True(SerializerTests.BitEqual(block.NextObs[(k * obs)..((k + 1) * obs)], batch.NextObs[(i * obs)..((i + 1) * obs)]));
            Assert.Equal(BitConverter.SingleToInt32Bits(block.Rewards[k]), BitConverter.SingleToInt32Bits(batch.Rewards[i]));
            Assert.Equal(block.Actions[k], batch.Actions[i]);
            Assert.Equal(1f, batch.Weights[i]); // equal priorities: every importance weight is 1
        }
        Assert.Equal(64, learnerSide.UpdatePriorities(batch.Indices.AsSpan(0, 64), batch.Keys.AsSpan(0, 64), Enumerable.Repeat(0.5f, 64).ToArray()));
        var stats = actorSide.Stats;
        Assert.Equal((rows, 50L, 64L, 64L), (stats.Size, stats.Inserted, stats.Sampled, stats.PriorityUpdates));
    }

    [Fact]
    public void ActorSidePrioritiesDecideWhatTheLearnerSamples()
    {
        const int obs = 3, rows = 40;
        var shard = new ReplayShard(new PrioritizedReplay(1000, obs, 1, alpha: 0.6), new SampleToInsertRateLimiter(0, 1, 0), seed: 5);
        var (actorSide, learnerSide) = HostShard("replay-priorities", shard);
        var priorities = new float[rows];
        priorities[17] = 1e6f; // every other row gets priority ε = 1e-6
        Assert.True(actorSide.TryInsert(Block(rows, obs, 2), priorities));
        var batch = new ReplayBatch(32, obs, 1);
        Assert.True(learnerSide.TrySample(32, 0.4, batch));
        Assert.All(batch.Keys.Take(32), k => Assert.Equal(17L, k));
    }

    [Fact]
    public void TheRateLimiterHoldsActorsBackUntilTheLearnerSamples()
    {
        const int obs = 2;
        // 1 sample per insert after 10 inserts, tolerance 40: the first block of 50 goes in (below the minimum), the
        // second would put the learner 90 samples behind and is refused until the learner has sampled.
        var shard = new ReplayShard(new PrioritizedReplay(1000, obs, 1), new SampleToInsertRateLimiter(1, 10, 40), seed: 1);
        var (actorSide, learnerSide) = HostShard("replay-limited", shard);
        var block = Block(50, obs, 3);
        Assert.True(actorSide.TryInsert(block, ReadOnlySpan<float>.Empty));
        Assert.False(actorSide.TryInsert(block, ReadOnlySpan<float>.Empty));
        Assert.Equal(50, actorSide.Stats.Inserted);
        var batch = new ReplayBatch(64, obs, 1);
        Assert.True(learnerSide.TrySample(64, 0.4, batch));
        Assert.True(actorSide.TryInsert(block, ReadOnlySpan<float>.Empty));
        Assert.Equal(100, actorSide.Stats.Inserted);
    }

    [Fact]
    public void HeldBackInsertsWaitAtTheShardAndGoInFirstComeFirstServed()
    {
        const int obs = 2;
        // As above: after the first block of 50 the limiter holds inserts back until the learner samples.
        var shard = new ReplayShard(new PrioritizedReplay(1000, obs, 1), new SampleToInsertRateLimiter(1, 10, 40), seed: 1);
        // Inserts may wait 5 s here (0.5 s by default), so a slow machine cannot turn "waiting" into "refused" before the sample.
        cluster.Replay.ActorOf(ReplayShardActor.Props(shard, TimeSpan.FromSeconds(5)), "replay-fair");
        var actorSide = new RemoteReplayClient(ThreeNodeCluster.Resolve(cluster.Actor, cluster.Replay, "replay-fair"), Timeout);
        var learnerSide = new RemoteReplayClient(ThreeNodeCluster.Resolve(cluster.Learner, cluster.Replay, "replay-fair"), Timeout);
        var block = Block(50, obs, 3);
        Assert.True(actorSide.TryInsert(block, ReadOnlySpan<float>.Empty));
        // Two actors (one on each other system) ask in turn; both wait at the shard, the first in line first.
        var first = Task.Run(() => actorSide.TryInsert(block, ReadOnlySpan<float>.Empty));
        Thread.Sleep(100);
        var second = Task.Run(() => learnerSide.TryInsert(Block(50, obs, 4), ReadOnlySpan<float>.Empty));
        Thread.Sleep(100);
        Assert.False(first.IsCompleted); // waiting, not refused
        var batch = new ReplayBatch(64, obs, 1);
        Assert.True(learnerSide.TrySample(64, 0.4, batch)); // room for one more block: 1·(100 − 10) − 64 = 26 ≤ 40
        Assert.True(first.Result, "the insert that asked first should have gone in once there was room");
        Assert.False(second.Result); // 1·(150 − 10) − 64 = 76 > 40: it waited its 5 s and was refused
        Assert.Equal(100, shard.Stats.Inserted);
    }

    [Fact]
    public void ABlockOfTheWrongShapeIsRefusedNamingTheSizes()
    {
        var shard = new ReplayShard(new PrioritizedReplay(100, 4, 1), new SampleToInsertRateLimiter(0, 1, 0), seed: 1);
        var (actorSide, _) = HostShard("replay-shape", shard);
        var e = Assert.Throws<RoleException>(() => actorSide.TryInsert(Block(5, 3, 4), ReadOnlySpan<float>.Empty));
        Assert.Contains("replay rows hold 4 observation and 1 action floats; the block has 3 and 1", e.Message);
    }

    [Fact]
    public void ParametersPublishedByTheLearnerReachTheActorBitExactly()
    {
        var store = new ParameterStore();
        cluster.Replay.ActorOf(ParameterSourceActor.Props(store), "parameters");
        var learnerSide = new RemoteParameterSource(ThreeNodeCluster.Resolve(cluster.Learner, cluster.Replay, "parameters"), Timeout);
        var actorSide = new RemoteParameterSource(ThreeNodeCluster.Resolve(cluster.Actor, cluster.Replay, "parameters"), Timeout);
        Assert.Null(actorSide.GetNewer(-1));
        var weights = SerializerTests.AwkwardFloats(262_144, 9); // 1 MiB, above Akka's default 128,000-byte frame
        learnerSide.Publish(5, weights);
        var got = actorSide.GetNewer(-1);
        Assert.NotNull(got);
        Assert.Equal(5, got!.Version);
        Assert.True(SerializerTests.BitEqual(weights, got.Values));
        Assert.Null(actorSide.GetNewer(5)); // up to date: nothing is sent
        var stale = Assert.Throws<RoleException>(() => learnerSide.Publish(5, weights));
        Assert.Contains("version 5 is not newer than the published 5", stale.Message);
        var shape = Assert.Throws<RoleException>(() => learnerSide.Publish(6, new float[10]));
        Assert.Contains("10 floats does not match the 262144", shape.Message);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ReplayNodeTests(ThreeNodeCluster cluster)
{
    [Fact]
    public void AReplayNodeJoinsTheClusterAndServesTheActorAndLearnerNodes()
    {
        var cfg = ThreeNodeCluster.Config;
        var seed = Akka.Cluster.Cluster.Get(cluster.Learner).SelfAddress.ToString();
        using var node = Astromech.Cluster.Nodes.ApexCluster.StartReplay(cfg, ThreeNodeCluster.Spec, 0, new Astromech.Cluster.Nodes.NodeOptions { Seeds = new[] { seed } });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Akka.Cluster.Cluster.Get(cluster.Learner).State.Members.Any(m => m.Address == node.Address && m.Status == MemberStatus.Up))
        {
            Assert.True(DateTime.UtcNow < deadline, "the replay node did not become Up in the cluster within 60 s");
            Thread.Sleep(50);
        }
        Assert.Contains("replay", Akka.Cluster.Cluster.Get(cluster.Learner).State.Members.First(m => m.Address == node.Address).Roles);
        var timeout = TimeSpan.FromSeconds(20);
        var actorSide = new RemoteReplayClient(cluster.Actor.ActorSelection(node.PathOf(Astromech.Cluster.Nodes.ReplayNode.ReplayName)).ResolveOne(timeout).GetAwaiter().GetResult(), timeout);
        var learnerSide = new RemoteReplayClient(cluster.Learner.ActorSelection(node.PathOf(Astromech.Cluster.Nodes.ReplayNode.ReplayName)).ResolveOne(timeout).GetAwaiter().GetResult(), timeout);
        var block = new TransitionBlock(20, 4, 1);
        for (int i = 0; i < 20; i++) block.Add(new float[] { i, 1, 2, 3 }, new float[] { i % 2 }, 1f, 0.99f, new float[] { i + 1, 1, 2, 3 });
        Assert.True(actorSide.TryInsert(block, Enumerable.Repeat(1f, 20).ToArray()));
        var batch = new ReplayBatch(16, 4, 1);
        Assert.True(learnerSide.TrySample(16, 0.4, batch));
        for (int r = 0; r < 16; r++) Assert.Equal(batch.Keys[r], (long)batch.Obs[r * 4]); // row k holds observation k
        var parameters = new RemoteParameterSource(cluster.Learner.ActorSelection(node.PathOf(Astromech.Cluster.Nodes.ReplayNode.ParametersName)).ResolveOne(timeout).GetAwaiter().GetResult(), timeout);
        parameters.Publish(1, new float[] { 1, 2, 3 });
        Assert.Equal(1, node.Parameters.Version);
        Assert.Equal(20, node.Shard.Stats.Inserted);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class RunSpecTests(ThreeNodeCluster cluster)
{
    [Fact]
    public void ANodeWhoseConfigOrEnvDiffersIsRefusedNamingEachDifference()
    {
        var seed = Akka.Cluster.Cluster.Get(cluster.Learner).SelfAddress.ToString();
        var other = ThreeNodeCluster.Config with { Hidden = new[] { 32 }, NStep = 5 };
        var spec = ThreeNodeCluster.Spec with { EnvId = "Acrobot-v1", ObsSize = 6, Config = Astromech.Training.Config.ConfigBinder.ToJson(other) };
        int membersBefore = Akka.Cluster.Cluster.Get(cluster.Learner).State.Members.Count;
        var e = Assert.Throws<Astromech.Cluster.Nodes.ClusterJoinException>(() =>
            Astromech.Cluster.Nodes.ApexCluster.StartReplay(other, spec, 0, new Astromech.Cluster.Nodes.NodeOptions { Seeds = new[] { seed }, JoinTimeout = TimeSpan.FromSeconds(20) }));
        Assert.Contains("refused", e.Message);
        Assert.Contains("env: the cluster runs CartPole-v1, this node Acrobot-v1", e.Message);
        Assert.Contains("observation size: the cluster runs 4, this node 6", e.Message);
        Assert.Contains("config key 'hidden': the cluster runs [64,64], this node [32]", e.Message);
        Assert.Contains("config key 'n_step'", e.Message);
        Assert.DoesNotContain("config key 'batch_size'", e.Message); // only what differs
        Assert.Equal(membersBefore, Akka.Cluster.Cluster.Get(cluster.Learner).State.Members.Count); // it never became a member
    }

    [Fact]
    public void SpecsRoundTripThroughJsonAndEqualSpecsHaveNoDifferences()
    {
        var s = ThreeNodeCluster.Spec with { EnvArgs = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" } };
        var back = RunSpec.FromJson(s.ToJson());
        Assert.Empty(s.Differences(back));
        Assert.Equal(new[] { "env arg 'a': the cluster runs 1, this node (unset)" }, s.Differences(back with { EnvArgs = new Dictionary<string, string> { ["b"] = "2" } }));
        Assert.Contains("not a JSON object", Assert.Throws<InvalidDataException>(() => RunSpec.FromJson("[1,2")).Message);
    }
}
