using Astromech.Adders;
using Astromech.Envs;
using Astromech.Replay;
using Astromech.Returns;

namespace Astromech.Tests.Adders;

public class NStepAdderTests
{
    private sealed class Recorder : IReplay
    {
        public readonly List<(float Obs, float Act, float Ret, float Disc, float Next)> Rows = new();
        public int Count => Rows.Count;
        public int Capacity => int.MaxValue;
        public long BytesUsed => 0;
        public int Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, float discount, ReadOnlySpan<float> nextObs)
        {
            Rows.Add((obs[0], action[0], reward, discount, nextObs[0]));
            return Rows.Count - 1;
        }
        public void Sample(int batchSize, Rng rng, double beta, ReplayBatch into) => throw new NotSupportedException();
        public void UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<float> tdErrors) { }
        public void Save(Stream stream) { }
        public void Load(Stream stream) { }
    }

    // Steps t = 0..: observation t, action t, reward r[t], next observation t+1.
    private static Recorder Run(int n, float gamma, float[] rewards, int endAt, bool terminated)
    {
        var rec = new Recorder();
        var adder = new NStepAdder(rec, 1, 1, n, gamma);
        for (int t = 0; t <= endAt; t++)
        {
            bool end = t == endAt;
            adder.Observe(new float[] { t }, new float[] { t }, rewards[t], end && terminated, end && !terminated, new float[] { t + 1 });
        }
        return rec;
    }

    [Fact]
    public void ThreeStepReturnsWithTermination()
    {
        var rec = Run(3, 0.5f, new float[] { 1, 2, 4, 8, 16 }, endAt: 4, terminated: true);
        Assert.Equal(5, rec.Rows.Count);
        Assert.Equal((0f, 0f, 1 + 0.5f * 2 + 0.25f * 4, 0.125f, 3f), rec.Rows[0]);
        Assert.Equal((1f, 1f, 2 + 0.5f * 4 + 0.25f * 8, 0.125f, 4f), rec.Rows[1]);
        Assert.Equal((2f, 2f, 4 + 0.5f * 8 + 0.25f * 16, 0f, 5f), rec.Rows[2]); // window reaches the terminal step
        Assert.Equal((3f, 3f, 8 + 0.5f * 16, 0f, 5f), rec.Rows[3]);
        Assert.Equal((4f, 4f, 16f, 0f, 5f), rec.Rows[4]);
    }

    [Fact]
    public void TruncationBootstrapsFromTheFinalObservationWithTheRightPower()
    {
        var rec = Run(3, 0.5f, new float[] { 1, 2, 4, 8 }, endAt: 3, terminated: false);
        Assert.Equal(4, rec.Rows.Count);
        Assert.Equal((1f, 1f, 2 + 0.5f * 4 + 0.25f * 8, 0.125f, 4f), rec.Rows[1]);
        Assert.Equal((2f, 2f, 4 + 0.5f * 8, 0.25f, 4f), rec.Rows[2]);
        Assert.Equal((3f, 3f, 8f, 0.5f, 4f), rec.Rows[3]);
    }

    [Fact]
    public void OneStepIsPlainTransitions()
    {
        var rec = Run(1, 0.9f, new float[] { 1, 2, 3 }, endAt: 2, terminated: true);
        Assert.Equal(new[] { (0f, 0f, 1f, 0.9f, 1f), (1f, 1f, 2f, 0.9f, 2f), (2f, 2f, 3f, 0f, 3f) }, rec.Rows);
    }

    [Fact]
    public void EpisodesDoNotLeakIntoEachOther()
    {
        var rec = new Recorder();
        var adder = new NStepAdder(rec, 1, 1, 3, 1f);
        adder.Observe(new float[] { 0 }, new float[] { 0 }, 1, true, false, new float[] { 1 });
        adder.Observe(new float[] { 10 }, new float[] { 0 }, 5, false, false, new float[] { 11 });
        adder.Observe(new float[] { 11 }, new float[] { 0 }, 5, false, false, new float[] { 12 });
        adder.Observe(new float[] { 12 }, new float[] { 0 }, 5, false, false, new float[] { 13 });
        Assert.Equal((0f, 0f, 1f, 0f, 1f), rec.Rows[0]);
        Assert.Equal((10f, 0f, 15f, 1f, 13f), rec.Rows[1]);
    }

    [Fact]
    public void TruncationBeforeTheWindowFillsFlushesShortReturns()
    {
        // n = 3, an episode of two steps cut by a time limit: nothing was written before the cut.
        var rec = Run(3, 0.5f, new float[] { 1, 2 }, endAt: 1, terminated: false);
        Assert.Equal(new[] { (0f, 0f, 1 + 0.5f * 2, 0.25f, 2f), (1f, 1f, 2f, 0.5f, 2f) }, rec.Rows);
        var term = Run(3, 0.5f, new float[] { 1, 2 }, endAt: 1, terminated: true);
        Assert.Equal(new[] { (0f, 0f, 1 + 0.5f * 2, 0f, 2f), (1f, 1f, 2f, 0f, 2f) }, term.Rows);
    }

    [Fact]
    public void AgreesWithNStepReturnsOverALongStreamWithTerminations()
    {
        const int T = 500, n = 4;
        const float gamma = 0.9f;
        var rng = new Rng(21);
        var rewards = new float[T];
        var dones = new bool[T];
        for (int t = 0; t < T; t++)
        {
            rewards[t] = (float)rng.NextGaussian();
            dones[t] = t == T - 1 || rng.NextDouble() < 0.08; // the stream ends with a termination
        }
        var rec = new Recorder();
        var adder = new NStepAdder(rec, 1, 1, n, gamma);
        for (int t = 0; t < T; t++) adder.Observe(new float[] { t }, new float[] { -t }, rewards[t], dones[t], false, new float[] { t + 1 });
        var ret = new float[T];
        var disc = new float[T];
        NStepReturns.Compute(rewards, dones, n, gamma, ret, disc);
        Assert.Equal(T, rec.Rows.Count);
        foreach (var row in rec.Rows)
        {
            int t = (int)row.Obs;
            Assert.Equal(-t, row.Act);
            Assert.Equal(ret[t], row.Ret, 5);
            Assert.Equal(disc[t], row.Disc, 6);
            int end = t;
            while (end < t + n - 1 && !dones[end]) end++;
            Assert.Equal(end + 1, row.Next); // o_{t+m}: the observation after the window's last step
        }
    }

    [Fact]
    public void VectorAdderTakesTheFinalObservationOnlyWhereACopyFinished()
    {
        // Two copies, obs size 1, n = 2, γ = 0.5. Copy 0 runs on; copy 1 terminates at step 1 and copy 0 is
        // truncated at step 2. The env's Observations row of a finished copy already holds the reset observation (−1).
        var rec = new Recorder();
        var adder = new VectorNStepAdder(2, 1, 1, 2, 0.5f, rec);
        float[] before = { 0, 100 };
        adder.Add(before, new float[] { 0, 0 }, new float[] { 1, 10 }, new[] { false, false }, new[] { false, false },
            observations: new float[] { 1, 101 }, finalObservations: new float[] { 999, 999 });
        Assert.Empty(rec.Rows);
        adder.Add(new float[] { 1, 101 }, new float[] { 1, 1 }, new float[] { 2, 20 }, new[] { false, true }, new[] { false, false },
            observations: new float[] { 2, -1 }, finalObservations: new float[] { 999, 102 });
        Assert.Equal(new[] { (0f, 0f, 1 + 0.5f * 2, 0.25f, 2f), (100f, 0f, 10 + 0.5f * 20, 0f, 102f), (101f, 1f, 20f, 0f, 102f) }, rec.Rows);
        adder.Add(new float[] { 2, -1 }, new float[] { 2, 2 }, new float[] { 4, 40 }, new[] { false, false }, new[] { true, false },
            observations: new float[] { -1, -2 }, finalObservations: new float[] { 3, 999 });
        Assert.Equal((1f, 1f, 2 + 0.5f * 4, 0.25f, 3f), rec.Rows[3]);
        Assert.Equal((2f, 2f, 4f, 0.5f, 3f), rec.Rows[4]);
        Assert.Equal(5, rec.Rows.Count); // copy 1's new episode has one pending step
        Assert.Throws<ArgumentException>(() => adder.Add(new float[2], new float[2], new float[2], new bool[2], new bool[2], new float[2], new float[1]));
    }

    [Fact]
    public void AddingAllocatesNothingAfterWarmUp()
    {
        var replay = new PrioritizedReplay(256, 3, 1);
        var adder = new VectorNStepAdder(4, 3, 1, 3, 0.99f, replay);
        var obs = new float[12];
        var act = new float[4];
        var rew = new float[4];
        var term = new bool[4];
        var trunc = new bool[4];
        var next = new float[12];
        var final = new float[12];
        void Step(int t)
        {
            term[t % 4] = t % 7 == 0;
            trunc[(t + 1) % 4] = t % 11 == 0;
            adder.Add(obs, act, rew, term, trunc, next, final);
            adder.Add(obs, act, rew, term, trunc, next);
        }
        for (int t = 0; t < 100; t++) Step(t);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 1000; t++) Step(t);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
