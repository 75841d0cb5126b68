using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;
using Astromech.Replay;

namespace Astromech.Cluster.Tests;

/// <summary>R2D2's sequence replay role over loopback TCP: sequences with stored recurrent states go in from the actor system and come out, bit for bit, on the learner system.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SequenceReplayOverClusterTests(ThreeNodeCluster cluster)
{
    private const int L = 6, O = 3, S = 4;

    private static SequenceItem Item(int k)
    {
        var s = new SequenceItem(L, O, S) { ValidSteps = 1 + k % L, PrevAction = k % 2, PrevReward = k * 0.5f, EpisodeId = 1000 + k, EpisodeStep = 3 * k };
        var a = SerializerTests.AwkwardFloats(s.Obs.Length, k);
        a.CopyTo(s.Obs, 0);
        for (int t = 0; t < L; t++) { s.Actions[t] = (k + t) % 2; s.Rewards[t] = t - k; s.Terminal[t] = t == s.ValidSteps - 1 && k % 3 == 0; }
        for (int i = 0; i < S; i++) { s.H[i] = k + i / 10f; s.C[i] = -k - i / 10f; }
        s.ClearPadding();
        return s;
    }

    [Fact]
    public void SequencesRoundTripWithTheirStatesAndTheLimiterPacesBothSides()
    {
        var timeout = TimeSpan.FromSeconds(20);
        // samples_per_insert 2, learning from 4 sequences, tolerance 6: inserts wait once the learner is 3 sequences behind.
        var shard = new SequenceReplayShard(new SequenceReplay(100, L, O, S), new SampleToInsertRateLimiter(2, 4, 6), seed: 5);
        cluster.Replay.ActorOf(SequenceReplayShardActor.Props(shard), "sequences-test");
        var actorSide = new RemoteSequenceReplayClient(ThreeNodeCluster.Resolve(cluster.Actor, cluster.Replay, "sequences-test"), timeout);
        var learnerSide = new RemoteSequenceReplayClient(ThreeNodeCluster.Resolve(cluster.Learner, cluster.Replay, "sequences-test"), timeout);

        var batch = new SequenceBatch(2, L, O, S);
        Assert.False(learnerSide.TrySample(0.4, batch)); // nothing stored yet
        var items = Enumerable.Range(0, 4).Select(Item).ToList();
        Assert.True(actorSide.TryInsert(items));
        Assert.True(actorSide.TryInsert(new[] { Item(4), Item(5), Item(6) }));
        Assert.False(actorSide.TryInsert(new[] { Item(7), Item(8), Item(9), Item(10) })); // 2·(11 − 4) − 0 = 14 > 6: actors must wait for the learner
        Assert.Equal(7, shard.Stats.Inserted);

        Assert.True(learnerSide.TrySample(0.4, batch));
        var expected = new SequenceBatch(2, L, O, S);
        for (int b = 0; b < 2; b++)
        {
            var original = Item((int)batch.Keys[b]); // key = insertion number = k
            expected.SetRow(b, original);
        }
        Assert.Equal(expected.Obs, batch.Obs);
        Assert.Equal(expected.H, batch.H);
        Assert.Equal(expected.C, batch.C);
        Assert.Equal(expected.PrevActions, batch.PrevActions);
        Assert.Equal(expected.Mask, batch.Mask);
        Assert.Equal(expected.EpisodeIds, batch.EpisodeIds);
        Assert.Equal(2, learnerSide.UpdatePriorities(batch.Indices, batch.Keys, new double[] { 5.0, 0.1 }));

        var bad = new SequenceItem(L + 1, O, S) { ValidSteps = 1 };
        var e = Assert.Throws<RoleException>(() => actorSide.TryInsert(new[] { bad }));
        Assert.Contains("sequences of (length 7, obs 3, state 4) sent to a replay of (6, 3, 4)", e.Message);
    }
}
