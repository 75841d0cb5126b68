using Astromech.Envs;
using Astromech.Replay;

namespace Astromech.Tests.Replay;

public class SequenceReplayTests
{
    private static SequenceItem Item(float tag, int length = 2)
    {
        var s = new SequenceItem(length, 1, 1) { ValidSteps = length, EpisodeId = (long)tag };
        Array.Fill(s.Obs, tag);
        s.H[0] = tag;
        return s;
    }

    [Fact]
    public void MixedPriorityIsEtaMaxPlusOneMinusEtaMean()
    {
        // |δ| = 1, 3, 2: max 3, mean 2 → 0.9·3 + 0.1·2 = 2.9.
        Assert.Equal(2.9, SequenceReplay.MixedPriority(new float[] { 1, -3, 2 }, 0.9), 12);
        Assert.Equal(2.0, SequenceReplay.MixedPriority(new float[] { 1, -3, 2 }, 0.0), 12);
        Assert.Equal(0.0, SequenceReplay.MixedPriority(ReadOnlySpan<float>.Empty, 0.9));
    }

    [Fact]
    public void PrioritiesAndImportanceWeightsMatchHandComputation()
    {
        const double alpha = 0.9, beta = 0.6, eps = 1e-6;
        var replay = new SequenceReplay(4, 2, 1, 1, alpha, eps);
        for (int i = 0; i < 3; i++) replay.Add(Item(i));
        for (int i = 0; i < 3; i++) Assert.Equal(1.0, replay.PriorityMass(i), 12); // new sequences: max priority 1
        double p0 = SequenceReplay.MixedPriority(new float[] { 1, 3 }, 0.9); // 0.9·3 + 0.1·2 = 2.9
        double p1 = SequenceReplay.MixedPriority(new float[] { 0.5f }, 0.9);
        Assert.Equal(2, replay.UpdatePriorities(new[] { 0, 1 }, new long[] { 0, 1 }, new[] { p0, p1 }));
        double m0 = Math.Pow(2.9 + eps, alpha), m1 = Math.Pow(0.5 + eps, alpha), m2 = 1.0;
        Assert.Equal(m0, replay.PriorityMass(0), 9);
        Assert.Equal(m1, replay.PriorityMass(1), 9);
        Assert.Equal(m2, replay.PriorityMass(2), 12);
        // A new sequence enters at the largest priority seen so far.
        replay.Add(Item(3));
        double m3 = Math.Pow(2.9 + eps, alpha);
        Assert.Equal(m3, replay.PriorityMass(3), 9);

        // w_i = (N·P_i)^−β / (N·P_min)^−β = (m_i / m_min)^−β.
        var batch = new SequenceBatch(4, 2, 1, 1);
        var rng = new Rng(3);
        double[] masses = { m0, m1, m2, m3 };
        double mMin = masses.Min();
        for (int round = 0; round < 20; round++)
        {
            replay.Sample(4, rng, beta, batch);
            for (int b = 0; b < 4; b++)
            {
                int slot = batch.Indices[b];
                Assert.Equal(Math.Pow(masses[slot] / mMin, -beta), batch.Weights[b], 5);
                Assert.Equal(slot, (int)batch.H[b]); // the row holds the sequence of its slot
            }
        }

        // Frequencies follow P(i) = m_i / Σm.
        var single = new SequenceBatch(1, 2, 1, 1);
        var counts = new int[4];
        const int draws = 20_000;
        for (int k = 0; k < draws; k++)
        {
            replay.Sample(1, rng, beta, single);
            counts[single.Indices[0]]++;
        }
        double total = masses.Sum();
        for (int i = 0; i < 4; i++) Assert.InRange(counts[i] / (double)draws, masses[i] / total - 0.015, masses[i] / total + 0.015);
    }

    [Fact]
    public void EvictsOldestFirstAndSkipsStaleUpdates()
    {
        var replay = new SequenceReplay(3, 2, 1, 1);
        for (int i = 0; i < 3; i++) replay.Add(Item(i));
        var batch = new SequenceBatch(2, 2, 1, 1);
        replay.Sample(2, new Rng(1), 0.6, batch);
        replay.Add(Item(10)); // overwrites slot 0 (the oldest)
        replay.Add(Item(11)); // overwrites slot 1
        Assert.Equal(new long[] { 2, 10, 11 }, replay.Snapshot().Select(s => s.EpisodeId));
        int stale = batch.Indices.Count(i => i < 2);
        Assert.Equal(2 - stale, replay.UpdatePriorities(batch.Indices, batch.Keys, new double[] { 5, 5 }));
    }

    [Fact]
    public void ActorsInsertWhileTheLearnerSamples()
    {
        var replay = new SequenceReplay(64, 4, 3, 2);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 3000; i++) replay.Add(Wide(w * 10_000 + i));
        })).ToArray();
        var learner = Task.Run(() =>
        {
            var batch = new SequenceBatch(8, 4, 3, 2);
            var rng = new Rng(0);
            int n = 0;
            while (!writers.All(t => t.IsCompleted) || n < 10)
            {
                if (replay.Count < 8) continue;
                replay.Sample(8, rng, 0.6, batch);
                for (int b = 0; b < 8; b++) Assert.Equal(batch.H[b * 2], batch.Obs[b * 3]); // rows are never torn
                replay.UpdatePriorities(batch.Indices, batch.Keys, Enumerable.Repeat(0.5, 8).ToArray());
                n++;
            }
            return n;
        });
        Task.WaitAll(writers);
        Assert.True(learner.Result >= 10);
        Assert.Equal(64, replay.Count);
        Assert.Equal(6000, replay.TotalAdded);

        static SequenceItem Wide(float tag)
        {
            var s = new SequenceItem(4, 3, 2) { ValidSteps = 4, EpisodeId = (long)tag };
            Array.Fill(s.Obs, tag);
            Array.Fill(s.H, tag);
            return s;
        }
    }

    [Fact]
    public void SaveAndLoadRoundTrip()
    {
        var replay = new SequenceReplay(4, 2, 1, 1);
        for (int i = 0; i < 6; i++) replay.Add(Item(i));
        replay.UpdatePriorities(new[] { 1 }, new long[] { 5 }, new[] { 3.0 });
        using var ms = new MemoryStream();
        replay.Save(ms);
        var copy = new SequenceReplay(4, 2, 1, 1);
        ms.Position = 0;
        copy.Load(ms);
        Assert.Equal(replay.TotalAdded, copy.TotalAdded);
        Assert.Equal(replay.Snapshot().Select(s => s.EpisodeId), copy.Snapshot().Select(s => s.EpisodeId));
        for (int i = 0; i < 4; i++) Assert.Equal(replay.PriorityMass(i), copy.PriorityMass(i));
        ms.Position = 0;
        var other = new SequenceReplay(4, 3, 1, 1);
        Assert.Throws<InvalidDataException>(() => other.Load(ms));
    }
}
