using Astromech.Adders;
using Astromech.Envs;
using Astromech.Replay;

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
}
