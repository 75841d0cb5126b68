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
}
