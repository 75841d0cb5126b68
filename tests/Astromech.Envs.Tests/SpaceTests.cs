using Astromech.Envs.Spaces;

namespace Astromech.Envs.Tests;

public class SpaceTests
{
    private static void AssertSamplesContained(Space space, int n = 2000)
    {
        var rng = new Rng(7);
        var x = new float[space.FlatSize];
        for (int i = 0; i < n; i++)
        {
            space.Sample(rng, x);
            Assert.True(space.Contains(x), $"{space} sampled {Space.Format(x)}");
        }
    }

    [Fact]
    public void DiscreteSamplesAreContainedAndCoverEveryValue()
    {
        var d = new Discrete(5, start: -2);
        AssertSamplesContained(d);
        var seen = new HashSet<float>();
        var rng = new Rng(1);
        for (int i = 0; i < 500; i++) seen.Add(d.Sample(rng)[0]);
        Assert.Equal(new float[] { -2, -1, 0, 1, 2 }, seen.Order().ToArray());
    }

    [Fact]
    public void DiscreteContainmentEdges()
    {
        var d = new Discrete(3);
        Assert.True(d.Contains(new float[] { 0 }));
        Assert.True(d.Contains(new float[] { 2 }));
        Assert.False(d.Contains(new float[] { 3 }));
        Assert.False(d.Contains(new float[] { -1 }));
        Assert.False(d.Contains(new float[] { 0.5f }));
        Assert.False(d.Contains(new float[] { float.NaN }));
        Assert.False(d.Contains(new float[] { 0, 1 }));
        Assert.False(d.Contains(ReadOnlySpan<float>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Discrete(0));
    }

    [Fact]
    public void MultiDiscreteSamplesAndEdges()
    {
        var md = new MultiDiscrete(2, 3, 4);
        AssertSamplesContained(md);
        Assert.True(md.Contains(new float[] { 1, 2, 3 }));
        Assert.False(md.Contains(new float[] { 2, 0, 0 }));
        Assert.False(md.Contains(new float[] { 0, 0, -1 }));
        Assert.False(md.Contains(new float[] { 0, 0.5f, 0 }));
        Assert.False(md.Contains(new float[] { 0, 0 }));
        Assert.Equal(new[] { 3 }, md.Shape);
    }

    [Fact]
    public void BoxSamplesAreContainedForEveryBoundKind()
    {
        var box = new Box(
            new[] { -1f, 0f, float.NegativeInfinity, float.NegativeInfinity, 5f },
            new[] { 1f, float.PositiveInfinity, 3f, float.PositiveInfinity, 5f });
        AssertSamplesContained(box);
        var rng = new Rng(3);
        var x = new float[5];
        for (int i = 0; i < 200; i++)
        {
            box.Sample(rng, x);
            Assert.True(x[1] >= 0 && x[2] <= 3 && x[4] == 5);
        }
    }

    [Fact]
    public void BoxContainmentEdges()
    {
        var box = new Box(-2f, 2f, new[] { 2, 2 });
        Assert.Equal(4, box.FlatSize);
        Assert.Equal(new[] { 2, 2 }, box.Shape);
        Assert.True(box.Contains(new float[] { -2, 2, 0, 1.5f }));       // bounds are inclusive
        Assert.False(box.Contains(new float[] { -2.0001f, 0, 0, 0 }));
        Assert.False(box.Contains(new float[] { 0, 0, 0, float.NaN }));
        Assert.False(box.Contains(new float[] { 0, 0, 0 }));
        var open = new Box(float.NegativeInfinity, float.PositiveInfinity, new[] { 1 });
        Assert.True(open.Contains(new float[] { float.MaxValue }));
        Assert.True(open.Contains(new float[] { float.PositiveInfinity })); // as numpy: inf <= inf
        Assert.False(open.Contains(new float[] { float.NaN }));
        Assert.Throws<ArgumentException>(() => new Box(new[] { 1f }, new[] { 0f }));
        Assert.Throws<ArgumentException>(() => new Box(new[] { 0f, 0f }, new[] { 1f, 1f }, new[] { 3 }));
    }

    [Fact]
    public void IntegerBoxSamplesWholeNumbersIncludingTheUpperBound()
    {
        var box = new Box(0f, 3f, new[] { 10 }, DType.UInt8);
        AssertSamplesContained(box);
        var seen = new HashSet<float>();
        var rng = new Rng(11);
        var x = new float[10];
        for (int i = 0; i < 200; i++)
        {
            box.Sample(rng, x);
            foreach (var v in x) seen.Add(v);
        }
        Assert.Equal(new float[] { 0, 1, 2, 3 }, seen.Order().ToArray());
        Assert.False(box.Contains(new float[] { 0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        AssertSamplesContained(new Box(0f, 1f, new[] { 4 }, DType.Bool));
    }

    [Fact]
    public void EnsureContainsNamesTheValueAndTheSpace()
    {
        var e = Assert.Throws<ArgumentException>(() => new Discrete(2).EnsureContains(new float[] { 5 }));
        Assert.Contains("5", e.Message);
        Assert.Contains("Discrete(2)", e.Message);
    }
}

public class RngTests
{
    [Fact]
    public void SameSeedSameStream()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        a.Seed(5);
        b.Seed(5);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextDouble(), b.NextDouble());
    }

    [Fact]
    public void DifferentSeedsDiffer()
    {
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
    }

    [Fact]
    public void StateRoundTripsExactly()
    {
        var a = new Rng(9);
        for (int i = 0; i < 17; i++) a.NextUInt64();
        var state = a.GetState();
        var expected = Enumerable.Range(0, 50).Select(_ => a.NextDouble()).ToArray();
        var b = new Rng(0);
        b.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 50).Select(_ => b.NextDouble()).ToArray());
        a.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 50).Select(_ => a.NextDouble()).ToArray());
        Assert.Throws<ArgumentException>(() => b.SetState(new ulong[4]));
        Assert.Throws<ArgumentException>(() => b.SetState(new ulong[3]));
    }

    [Fact]
    public void RangesAreRespected()
    {
        var r = new Rng(3);
        for (int i = 0; i < 10_000; i++)
        {
            double d = r.NextDouble();
            Assert.True(d >= 0.0 && d < 1.0);
            float f = r.NextSingle();
            Assert.True(f >= 0f && f < 1f);
            Assert.InRange(r.Next(7), 0, 6);
            Assert.InRange(r.Next(-3, 4), -3, 3);
            Assert.InRange(r.NextInt64(10, 20), 10, 19);
        }
        Assert.Equal(0, r.Next(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Next(-1));
    }

    [Fact]
    public void GaussianHasRoughlyUnitMoments()
    {
        var r = new Rng(123);
        const int n = 20_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double g = r.NextGaussian();
            sum += g;
            sumSq += g * g;
        }
        Assert.InRange(sum / n, -0.05, 0.05);
        Assert.InRange(sumSq / n, 0.95, 1.05);
    }
}
