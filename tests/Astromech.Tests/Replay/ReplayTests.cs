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

    [Fact]
    public void PriorityUpdatesChangeWhatIsSampled()
    {
        var r = new PrioritizedReplay(16, 2, 1, alpha: 1.0);
        AddN(r, 16);
        var all = Enumerable.Range(0, 16).ToArray();
        var td = Enumerable.Repeat(0.01f, 16).ToArray();
        td[5] = 100f; // slot 5 now holds 100 / (100 + 15·0.01) ≈ 99.85% of the mass
        r.UpdatePriorities(all, td);
        var b = new ReplayBatch(1, 2, 1);
        var rng = new Rng(8);
        int fives = 0;
        for (int k = 0; k < 2000; k++)
        {
            r.Sample(1, rng, 0.4, b);
            if (b.Indices[0] == 5) fives++;
        }
        Assert.InRange(fives, 1970, 2000);
        td[5] = 0.01f;
        td[9] = 100f;
        r.UpdatePriorities(all, td);
        int nines = 0;
        for (int k = 0; k < 2000; k++)
        {
            r.Sample(1, rng, 0.4, b);
            if (b.Indices[0] == 9) nines++;
        }
        Assert.InRange(nines, 1970, 2000);
    }

    [Fact]
    public void StratifiedSamplingDrawsOneRowPerSegment()
    {
        // Equal priorities: segment b of 8 covers exactly slot b, so one batch of 8 returns every slot once, in order.
        var r = new PrioritizedReplay(8, 2, 1);
        AddN(r, 8);
        var b = new ReplayBatch(8, 2, 1);
        r.Sample(8, new Rng(6), 0.4, b);
        Assert.Equal(Enumerable.Range(0, 8), b.Indices);
        Assert.All(b.Weights, w => Assert.Equal(1f, w));
    }

    [Fact]
    public void ImportanceWeightsUseOnlyFilledSlotsBeforeTheReplayIsFull()
    {
        var r = new PrioritizedReplay(8, 2, 1, alpha: 0.5, epsilon: 1e-9);
        AddN(r, 3);
        r.UpdatePriorities(new[] { 0, 1, 2 }, new float[] { 1, 4, 16 });
        // masses p^0.5 = 1, 2, 4; P = 1/7, 2/7, 4/7; N = 3; w ∝ (N·P)^-1 normalised by the smallest P.
        var b = new ReplayBatch(64, 2, 1);
        r.Sample(64, new Rng(9), beta: 1.0, b);
        var mass = new[] { 1.0, 2.0, 4.0 };
        for (int i = 0; i < 64; i++) Assert.Equal(mass[0] / mass[b.Indices[i]], b.Weights[i], 6);
    }

    [Fact]
    public void KeysNumberTheAddsAndFollowOverwrites()
    {
        var r = new UniformReplay(4, 2, 1);
        AddN(r, 6);
        Assert.Equal(6, r.TotalAdded);
        Assert.Equal(new long[] { 4, 5, 2, 3 }, Enumerable.Range(0, 4).Select(i => r.KeyOf(i)));
        var b = new ReplayBatch(32, 2, 1);
        r.Sample(32, new Rng(1), 0, b);
        for (int i = 0; i < 32; i++)
        {
            Assert.Equal(r.KeyOf(b.Indices[i]), b.Keys[i]);
            Assert.Equal(b.Keys[i], (long)b.Obs[2 * i]); // AddN's k-th transition has observation k
        }
    }

    [Fact]
    public void StaleKeyedPriorityUpdatesAreDropped()
    {
        var r = new PrioritizedReplay(4, 2, 1, alpha: 1.0);
        AddN(r, 4);
        var b = new ReplayBatch(4, 2, 1);
        r.Sample(4, new Rng(2), 0.4, b); // equal masses: slots 0, 1, 2, 3
        Assert.Equal(new[] { 0, 1, 2, 3 }, b.Indices);
        AddN(r, 2, start: 4); // overwrites slots 0 and 1 while the update is "in flight"
        int applied = r.UpdatePriorities(b.Indices, b.Keys, new float[] { 50, 50, 3, 0.5f });
        Assert.Equal(2, applied);
        Assert.Equal(1.0, r.PriorityMass(0), 9); // the new transitions keep the max priority they entered with
        Assert.Equal(1.0, r.PriorityMass(1), 9);
        Assert.Equal(3.0, r.PriorityMass(2), 5);
        Assert.Equal(0.5, r.PriorityMass(3), 5);
        AddN(r, 1, start: 6); // max priority seen is 3, not the stale 50
        Assert.Equal(3.0, r.PriorityMass(2), 5);

        // Uniform replay has no priorities but checks keys the same way, so callers need not know which they hold.
        IReplay u = new UniformReplay(4, 2, 1);
        AddN(u, 4);
        Assert.Equal(1, u.UpdatePriorities(new[] { 0, 1 }, new long[] { 0, 7 }, new float[] { 1, 1 }));
    }

    [Fact]
    public void PriorityUpdatesOfEmptySlotsOrBadErrorsThrow()
    {
        var r = new PrioritizedReplay(8, 2, 1);
        AddN(r, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => r.UpdatePriorities(new[] { 3 }, new float[] { 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.UpdatePriorities(new[] { -1 }, new float[] { 1 }));
        Assert.Throws<ArgumentException>(() => r.UpdatePriorities(new[] { 0 }, new float[] { float.NaN }));
        Assert.Throws<ArgumentException>(() => r.UpdatePriorities(new[] { 0, 1 }, new float[] { 1 }));
        Assert.Throws<InvalidOperationException>(() => new UniformReplay(4, 2, 1).Sample(1, new Rng(0), 0, new ReplayBatch(1, 2, 1)));
    }

    [Fact]
    public void MemoryIsFixedAtConstruction()
    {
        var u = new UniformReplay(1000, 4, 2);
        long expected = sizeof(float) * (1000L * 4 * 2 + 1000 * 2 + 1000 * 2);
        Assert.Equal(expected, u.BytesUsed);
        var p = new PrioritizedReplay(1000, 4, 2);
        Assert.True(p.BytesUsed > expected);
        long before = p.BytesUsed;
        var o = new float[4];
        for (int i = 0; i < 3000; i++) p.Add(o, new float[2], 0, 1, o);
        Assert.Equal(before, p.BytesUsed);
    }

    [Fact]
    public void UniformAddAndSampleAllocateNothingAfterWarmUp()
    {
        var r = new UniformReplay(512, 4, 2);
        var b = new ReplayBatch(64, 4, 2);
        var rng = new Rng(1);
        var o = new float[4];
        var a = new float[2];
        void Round()
        {
            for (int i = 0; i < 8; i++) r.Add(o, a, 1, 0.99f, o);
            r.Sample(64, rng, 0, b);
            r.UpdatePriorities(b.Indices.AsSpan(0, 64), b.Keys.AsSpan(0, 64), b.Rewards.AsSpan(0, 64));
        }
        for (int i = 0; i < 100; i++) Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SaveLoadKeepsTheAddCounterAndReadsFormatVersion1()
    {
        var r = new UniformReplay(4, 2, 1);
        AddN(r, 7);
        var ms = new MemoryStream();
        r.Save(ms);
        var copy = new UniformReplay(4, 2, 1);
        copy.Load(new MemoryStream(ms.ToArray()));
        Assert.Equal(7, copy.TotalAdded);
        Assert.Equal(new long[] { 4, 5, 6, 3 }, Enumerable.Range(0, 4).Select(i => copy.KeyOf(i)));

        // Version 1: the same layout with the next slot (int) where version 2 has the add counter (long).
        var v1 = new MemoryStream();
        using (var w = new BinaryWriter(v1, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0x5250_4C59u); w.Write(1); w.Write(nameof(UniformReplay));
            w.Write(4); w.Write(2); w.Write(1); w.Write(4); w.Write(3);
            foreach (var x in new float[4 * 2 + 4 * 2 + 4 + 4 + 4]) w.Write(x);
        }
        var old = new UniformReplay(4, 2, 1);
        old.Load(new MemoryStream(v1.ToArray()));
        Assert.Equal(4, old.Count);
        Assert.Equal(3, old.Add(new float[2], new float[1], 0, 1, new float[2])); // next slot continues at 3
        var bad = v1.ToArray();
        bad[4] = 9; // version 9
        var e = Assert.Throws<InvalidDataException>(() => new UniformReplay(4, 2, 1).Load(new MemoryStream(bad)));
        Assert.Contains("version 9", e.Message);
        var kind = Assert.Throws<InvalidDataException>(() => new PrioritizedReplay(4, 2, 1).Load(new MemoryStream(ms.ToArray())));
        Assert.Contains("UniformReplay", kind.Message);
    }
}
