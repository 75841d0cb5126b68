using Astromech.Envs;
using Astromech.Memory;
using Astromech.Training.Checkpoints;

namespace Astromech.Tests.Memory;

public class EpisodicMemoryTests
{
    private static EpisodicMemory Tiny()
    {
        var m = new EpisodicMemory(capacity: 4, keySize: 2, delta: 1e-3);
        m.Append(new float[] { 0, 0 }, 1f);   // slot 0
        m.Append(new float[] { 1, 0 }, 2f);   // slot 1
        m.Append(new float[] { 0, 2 }, 4f);   // slot 2
        m.Append(new float[] { 3, 3 }, 8f);   // slot 3
        return m;
    }

    [Fact]
    public void KernelReadMatchesTheHandComputedWeights()
    {
        var m = Tiny();
        // Query (0.5, 0): squared distances 0.25 (slot 0), 0.25 (slot 1), 4.25 (slot 2), 15.25 (slot 3); k = 3 keeps 0, 1, 2.
        double k0 = 1 / (0.25 + 1e-3), k1 = k0, k2 = 1 / (4.25 + 1e-3);
        double sum = k0 + k1 + k2;
        double expected = (k0 * 1 + k1 * 2 + k2 * 4) / sum;
        var slots = new int[3];
        var w = new float[3];
        float q = m.ReadKernel(new float[] { 0.5f, 0 }, 3, slots, w);
        Assert.Equal(expected, q, 5);
        Assert.Equal(2, slots[2]);
        Assert.Equal(k2 / sum, w[2], 5);
        Assert.Equal(1.0, w.Sum(), 5);
        // An exact hit dominates: weight 1/δ against 1/(1+δ).
        float hit = m.ReadKernel(new float[] { 0, 0 }, 2);
        double h0 = 1 / 1e-3, h1 = 1 / (1 + 1e-3);
        Assert.Equal((h0 * 1 + h1 * 2) / (h0 + h1), hit, 5);
        // MFEC's mean of the 2 nearest.
        Assert.Equal(1.5f, m.ReadMean(new float[] { 0.5f, 0 }, 2), 5);
    }

    [Fact]
    public void LeastRecentlyUsedEntryIsReplacedFirst()
    {
        var m = Tiny();
        Assert.Equal(new[] { 0, 1, 2, 3 }, m.SlotsLeastRecentFirst().ToArray());
        m.ReadMean(new float[] { 0, 0 }, 1);       // uses slot 0
        m.WriteOrUpdate(new float[] { 1, 0 }, 5f, 0.1f); // uses slot 1
        Assert.Equal(new[] { 2, 3, 0, 1 }, m.SlotsLeastRecentFirst().ToArray());
        int s = m.Append(new float[] { 9, 9 }, 0f);
        Assert.Equal(2, s);                          // slot 2 was the least recently used
        Assert.Equal(new float[] { 9, 9 }, m.Key(2).ToArray());
        Assert.Equal(4, m.Count);
        Assert.Equal(3, m.Append(new float[] { 7, 7 }, 0f));
        Assert.Equal(new[] { 0, 1, 2, 3 }, m.SlotsLeastRecentFirst().ToArray());
    }

    [Fact]
    public void WriteOrUpdateAppliesTheTabularRuleToStoredKeysAndAppendsNewOnes()
    {
        var m = Tiny();
        int s = m.WriteOrUpdate(new float[] { 1, 0 }, 12f, 0.1f);
        Assert.Equal(1, s);
        Assert.Equal(2f + 0.1f * (12f - 2f), m.Value(1), 5);
        Assert.Equal(4, m.Count);
        var big = new EpisodicMemory(8, 2);
        big.WriteOrUpdate(new float[] { 1, 1 }, 3f, 0.5f);
        big.WriteOrUpdate(new float[] { 1, 1.0001f }, 5f, 0.5f); // near, not equal: a new entry
        Assert.Equal(2, big.Count);
        Assert.Equal(3f, big.Value(0));
        // MFEC's max rule keeps the best return.
        Assert.Equal(0, m.WriteMax(new float[] { 0, 0 }, 0.5f));
        Assert.Equal(1f, m.Value(0));
        m.WriteMax(new float[] { 0, 0 }, 6f);
        Assert.Equal(6f, m.Value(0));
        Assert.Throws<ArgumentException>(() => m.Append(new float[] { 1, 2, 3 }, 0f));
        Assert.Throws<ArgumentException>(() => m.Append(new float[] { 1, 2 }, float.NaN));
    }

    [Theory]
    [InlineData(8, 0.75)]
    [InlineData(32, 0.15)]
    public void ApproximateSearchRecallOnRandomGaussianKeys(int dim, double minRecall)
    {
        // 20k random Gaussian keys, 100 queries, k = 10, 32 leaves checked; then half the memory is overwritten
        // (LRU replacement) so the search runs over a stale tree plus the fresh scan.
        const int n = 20_000, k = 10, queries = 100;
        var rng = new Rng(7);
        var approx = new EpisodicMemory(n, dim, search: NeighbourSearch.Approximate) { TreeChecks = 32 };
        var key = new float[dim];
        void Fill(int count) { for (int i = 0; i < count; i++) { for (int j = 0; j < dim; j++) key[j] = (float)rng.NextGaussian(); approx.Append(key, i); } }
        Fill(n);
        double recall = Recall();
        Fill(n / 2);
        double recallAfterWrites = Recall();
        Assert.True(recall >= minRecall, $"recall@{k} {recall:F3} below {minRecall} at dim {dim}");
        Assert.True(recallAfterWrites >= minRecall, $"recall@{k} after overwrites {recallAfterWrites:F3} below {minRecall} at dim {dim}");
        Assert.True(approx.TreeBuilds >= 1);

        double Recall()
        {
            int hits = 0;
            var a = new int[k]; var e = new int[k]; var d = new float[k];
            for (int q = 0; q < queries; q++)
            {
                for (int j = 0; j < dim; j++) key[j] = (float)rng.NextGaussian();
                approx.Nearest(key, k, a, d);
                approx.NearestExact(key, k, e, d);
                hits += a.Intersect(e).Count();
            }
            return hits / (double)(queries * k);
        }
    }

    [Fact]
    public void ApproximateSearchIsExactWhenItChecksEveryLeaf()
    {
        var rng = new Rng(3);
        var m = new EpisodicMemory(2000, 4, search: NeighbourSearch.Approximate) { TreeChecks = 10_000 };
        var key = new float[4];
        for (int i = 0; i < 2000; i++) { for (int j = 0; j < 4; j++) key[j] = rng.NextSingle(); m.Append(key, i); }
        var a = new int[5]; var e = new int[5]; var d = new float[5];
        for (int q = 0; q < 20; q++)
        {
            for (int j = 0; j < 4; j++) key[j] = rng.NextSingle();
            m.Nearest(key, 5, a, d);
            m.NearestExact(key, 5, e, d);
            Assert.Equal(e, a);
        }
    }

    [Fact]
    public void CheckpointRoundTripKeepsKeysValuesAndLruOrder()
    {
        var m = Tiny();
        m.ReadMean(new float[] { 0, 2 }, 1);
        var state = new AgentState("mem").Blob("memory", m.Save, m.Load);
        var c = new Checkpoint();
        state.Save(c);
        var path = Path.Combine(Directory.CreateTempSubdirectory("astromech-mem-").FullName, "m.ckpt");
        CheckpointFile.Write(path, c);

        var back = new EpisodicMemory(4, 2);
        new AgentState("mem").Blob("memory", back.Save, back.Load).Load(CheckpointFile.Read(path));
        Assert.Equal(4, back.Count);
        for (int s = 0; s < 4; s++) { Assert.Equal(m.Key(s).ToArray(), back.Key(s).ToArray()); Assert.Equal(m.Value(s), back.Value(s)); }
        Assert.Equal(m.SlotsLeastRecentFirst(), back.SlotsLeastRecentFirst());
        Assert.Equal(0, back.Append(new float[] { 5, 5 }, 0f)); // slot 0 is the least recently used in both

        var wrong = new EpisodicMemory(4, 3);
        var ex = Assert.Throws<CheckpointException>(() => new AgentState("mem").Blob("memory", wrong.Save, wrong.Load).Load(CheckpointFile.Read(path)));
        Assert.Contains("key size", ex.Message);
    }
}
