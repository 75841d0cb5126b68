using Astromech.Returns;
using TorchSharp;

namespace Astromech.Tests.Returns;

public class ValueRescalingTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(3.0, 1.003)]      // √4 − 1 + 0.003
    [InlineData(-8.0, -2.008)]    // −(√9 − 1) − 0.008
    [InlineData(99.0, 9.099)]     // √100 − 1 + 0.099
    public void HMatchesTheFormula(double x, double expected) => Assert.Equal(expected, ValueRescaling.H(x), 12);

    [Fact]
    public void InverseUndoesHOverAWideRange()
    {
        for (double x = -1e6; x <= 1e6; x += 1237.5)
            Assert.Equal(x, ValueRescaling.HInverse(ValueRescaling.H(x)), Math.Max(1e-6, Math.Abs(x) * 1e-9));
        foreach (var x in new[] { -1e-3, 1e-6, 0.5, -0.5, 2.0 })
            Assert.Equal(x, ValueRescaling.H(ValueRescaling.HInverse(x)), 12);
    }

    [Fact]
    public void TensorVersionsAgreeWithScalars()
    {
        var xs = new double[] { -1e6, -123.4, -1, 0, 0.25, 7, 5e5 };
        using var t = torch.tensor(xs, dtype: torch.float64);
        using var h = ValueRescaling.H(t);
        using var back = ValueRescaling.HInverse(h);
        var hv = h.data<double>().ToArray();
        var bv = back.data<double>().ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(ValueRescaling.H(xs[i]), hv[i], 9);
            Assert.Equal(xs[i], bv[i], Math.Max(1e-6, Math.Abs(xs[i]) * 1e-9));
        }
    }
}
