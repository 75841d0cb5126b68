using Astromech.Envs;
using Astromech.Replay;

namespace Astromech.Tests.Replay;

public class ReplayTests
{
    private static void AddN(IReplay r, int n, int start = 0)
    {
        for (int i = start; i < start + n; i++)
            r.Add(new float[] { i, -i }, new float[] { i % 3 }, i * 0.5f, 0.99f, new float[] { i + 1, -i - 1 });
    }

    [Fact]
    public void WrapAroundOverwritesOldestAndCountSaturates()
    {
        var r = new UniformReplay(4, 2, 1);
        AddN(r, 6);
        Assert.Equal(4, r.Count);
        var b = new ReplayBatch(64, 2, 1);
        r.Sample(64, new Rng(0), 0, b);
        var seen = new HashSet<float>();
        for (int i = 0; i < 64; i++)
        {
            float o = b.Obs[2 * i];
            seen.Add(o);
            Assert.Equal(o + 1, b.NextObs[2 * i]);
            Assert.Equal(o * 0.5f, b.Rewards[i]);
            Assert.Equal(o % 3, b.Actions[i]);
        }
        Assert.Equal(new HashSet<float> { 2, 3, 4, 5 }, seen); // 0 and 1 were overwritten
    }

    [Fact]
    public void UniformSamplingIsUnbiased()
    {
        const int n = 10, draws = 200_000;
        var r = new UniformReplay(n, 2, 1);
        AddN(r, n);
        var b = new ReplayBatch(100, 2, 1);
        var counts = new int[n];
        var rng = new Rng(5);
        for (int k = 0; k < draws / 100; k++)
        {
            r.Sample(100, rng, 0, b);
            for (int i = 0; i < 100; i++) counts[b.Indices[i]]++;
        }
        double p = 1.0 / n, sd = Math.Sqrt(draws * p * (1 - p));
        foreach (var c in counts) Assert.InRange(c, draws * p - 5 * sd, draws * p + 5 * sd);
    }

    [Fact]
    public void PrioritizedSamplingIsProportionalToPriorityToTheAlpha()
    {
        const int n = 8, draws = 200_000;
        const double alpha = 0.6;
        var r = new PrioritizedReplay(n, 2, 1, alpha, epsilon: 1e-6);
        AddN(r, n);
        var td = new float[] { 0.1f, 0.5f, 1, 2, 3, 0.01f, 5, 0.3f };
        r.UpdatePriorities(Enumerable.Range(0, n).ToArray(), td);
        var mass = td.Select(d => Math.Pow(d + 1e-6, alpha)).ToArray();
        double total = mass.Sum();
        var b = new ReplayBatch(50, 2, 1);
        var counts = new int[n];
        var rng = new Rng(11);
        for (int k = 0; k < draws / 50; k++)
        {
            r.Sample(50, rng, 0.4, b);
            for (int i = 0; i < 50; i++) counts[b.Indices[i]]++;
        }
        for (int i = 0; i < n; i++)
        {
            double p = mass[i] / total, sd = Math.Sqrt(draws * p * (1 - p));
            Assert.InRange(counts[i], draws * p - 5 * sd, draws * p + 5 * sd);
        }
    }

    [Fact]
    public void ImportanceWeightsFollowTheFormulaNormalisedByTheLargest()
    {
        var r = new PrioritizedReplay(4, 2, 1, alpha: 1.0, epsilon: 1e-9);
        AddN(r, 4);
        r.UpdatePriorities(new[] { 0, 1, 2, 3 }, new float[] { 1, 2, 3, 4 });
        var b = new ReplayBatch(4, 2, 1);
        r.Sample(4, new Rng(2), beta: 0.5, b);
        // P = p/10; w = (4P)^-0.5 / (4·0.1)^-0.5
        for (int i = 0; i < 4; i++)
        {
            double p = (b.Indices[i] + 1) / 10.0;
            Assert.Equal(Math.Pow(4 * p, -0.5) / Math.Pow(0.4, -0.5), b.Weights[i], 5);
        }
        Assert.True(b.HasWeights);
    }

    [Fact]
    public void NewItemsEnterAtTheMaxPrioritySeen()
    {
        var r = new PrioritizedReplay(8, 2, 1, alpha: 1.0);
        AddN(r, 2);
        Assert.Equal(1.0, r.PriorityMass(0), 9); // before any update the max is 1
        r.UpdatePriorities(new[] { 0, 1 }, new float[] { 7, 0.5f });
        AddN(r, 1, start: 2);
        Assert.Equal(7.0, r.PriorityMass(2), 5);
    }

    [Fact]
    public void SampleAndUpdateAllocateNothingAfterWarmUp()
    {
        var r = new PrioritizedReplay(1024, 4, 1);
        var b = new ReplayBatch(32, 4, 1);
        var rng = new Rng(1);
        var o = new float[4];
        var a = new float[1];
        var td = new float[32];
        void Round()
        {
            for (int i = 0; i < 8; i++) r.Add(o, a, 1, 0.99f, o);
            r.Sample(32, rng, 0.5, b);
            r.UpdatePriorities(b.Indices.AsSpan(0, 32), td);
        }
        for (int i = 0; i < 100; i++) Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SaveLoadRoundTripsAndRejectsMismatch()
    {
        var r = new PrioritizedReplay(16, 2, 1);
        AddN(r, 20);
        r.UpdatePriorities(new[] { 3, 5 }, new float[] { 9, 0.1f });
        var ms = new MemoryStream();
        r.Save(ms);
        var copy = new PrioritizedReplay(16, 2, 1);
        copy.Load(new MemoryStream(ms.ToArray()));
        Assert.Equal(r.Count, copy.Count);
        for (int i = 0; i < 16; i++) Assert.Equal(r.PriorityMass(i), copy.PriorityMass(i));
        var b1 = new ReplayBatch(8, 2, 1);
        var b2 = new ReplayBatch(8, 2, 1);
        r.Sample(8, new Rng(4), 0.4, b1);
        copy.Sample(8, new Rng(4), 0.4, b2);
        Assert.Equal(b1.Obs, b2.Obs);
        var e = Assert.Throws<InvalidDataException>(() => new PrioritizedReplay(32, 2, 1).Load(new MemoryStream(ms.ToArray())));
        Assert.Contains("capacity 16", e.Message);
        Assert.Throws<InvalidDataException>(() => copy.Load(new MemoryStream(ms.ToArray()[..40])));
    }
}
