using Astromech.Envs;
using Astromech.Replay;

namespace Astromech.Tests.Replay;

public class SumTreeTests
{
    [Fact]
    public void FindReturnsLeafWhosePrefixIntervalHoldsTheMass()
    {
        var t = new SumTree(5);
        double[] v = { 1, 0, 3, 2, 4 };
        for (int i = 0; i < v.Length; i++) t.Update(i, v[i]);
        Assert.Equal(10, t.Total);
        Assert.Equal(0, t.Min);
        Assert.Equal(0, t.Find(0));
        Assert.Equal(0, t.Find(0.999));
        Assert.Equal(2, t.Find(1.0)); // leaf 1 is empty and is skipped
        Assert.Equal(3, t.Find(4.0));
        Assert.Equal(4, t.Find(6.5));
        Assert.Equal(4, t.Find(10.0)); // rounding past the end lands on the last positive leaf
    }

    [Fact]
    public void TotalStaysExactAfterManyUpdates()
    {
        var t = new SumTree(1000);
        var rng = new Rng(1);
        var shadow = new double[1000];
        for (int k = 0; k < 200_000; k++)
        {
            int i = rng.Next(1000);
            shadow[i] = rng.NextDouble() * 10;
            t.Update(i, shadow[i]);
        }
        Assert.Equal(shadow.Sum(), t.Total, 9);
        Assert.Equal(shadow.Min(), t.Min);
    }

    [Fact]
    public void FindAgreesWithALinearPrefixScan()
    {
        var rng = new Rng(3);
        var t = new SumTree(37); // not a power of two: padding leaves must never be returned
        var v = new double[37];
        for (int round = 0; round < 50; round++)
        {
            for (int k = 0; k < 20; k++)
            {
                int i = rng.Next(37);
                v[i] = rng.NextDouble() < 0.3 ? 0 : rng.NextDouble() * 5;
                t.Update(i, v[i]);
            }
            if (!(t.Total > 0)) continue;
            for (int q = 0; q < 200; q++)
            {
                double m = rng.NextDouble() * t.Total;
                int expected = -1;
                bool nearBoundary = false;
                double acc = 0;
                for (int i = 0; i < 37; i++)
                {
                    nearBoundary |= Math.Abs(m - acc) < 1e-9;
                    if (expected < 0 && m < acc + v[i]) expected = i;
                    acc += v[i];
                }
                int got = t.Find(m);
                Assert.True(v[got] > 0);
                if (expected >= 0 && !nearBoundary) Assert.Equal(expected, got);
            }
        }
    }

    [Fact]
    public void FindNeverLandsOnAnEmptyOrUnfilledLeafUnderRounding()
    {
        var t = new SumTree(6); // 8 leaves; 6..7 are padding
        t.Update(0, 0.1);
        t.Update(1, 0.2);
        t.Update(2, 1e-17); // below the rounding of the total
        // leaves 3..5 empty
        foreach (var m in new[] { t.Total, Math.BitIncrement(t.Total), t.Total * (1 - 1e-16), 0.3, 0.30000000000000004, double.MaxValue, -1.0 })
        {
            int i = t.Find(m);
            Assert.InRange(i, 0, 2);
            Assert.True(t[i] > 0);
        }
        Assert.Throws<InvalidOperationException>(() => new SumTree(4).Find(0));
    }

    [Fact]
    public void RejectsNegativeAndNonFiniteValuesAndOutOfRangeLeaves()
    {
        var t = new SumTree(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Update(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Update(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Update(0, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Update(4, 1));
    }
}
