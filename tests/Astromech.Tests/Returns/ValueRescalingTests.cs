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

    [Fact]
    public void InverseUndoesHToOneInAMillionRelative()
    {
        // Log-spaced magnitudes from 1e-6 to 1e6, both signs, plus 0.
        var xs = new List<double> { 0 };
        for (double m = 1e-6; m <= 1e6; m *= 1.07) { xs.Add(m); xs.Add(-m); }
        xs.Add(1e6); xs.Add(-1e6);
        foreach (var x in xs)
        {
            Assert.Equal(x, ValueRescaling.HInverse(ValueRescaling.H(x)), Math.Abs(x) * 1e-12);
            Assert.Equal(x, ValueRescaling.H(ValueRescaling.HInverse(x)), Math.Abs(x) * 1e-12);
            float f = (float)x;
            Assert.Equal(f, ValueRescaling.HInverse(ValueRescaling.H(f)), Math.Abs(f) * 1e-6);
        }
    }

    [Fact]
    public void Float32TensorsRoundTripToOneInAMillionRelative()
    {
        var xs = new List<float> { 0 };
        for (double m = 1e-6; m <= 1e6; m *= 1.07) { xs.Add((float)m); xs.Add((float)-m); }
        xs.Add(1e6f); xs.Add(-1e6f);
        using var t = torch.tensor(xs.ToArray());
        Assert.Equal(torch.float32, t.dtype);
        using var h = ValueRescaling.H(t);
        using var back = ValueRescaling.HInverse(h);
        var hv = h.data<float>().ToArray();
        var bv = back.data<float>().ToArray();
        double worst = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            if (xs[i] == 0) { Assert.Equal(0f, bv[i]); continue; }
            Assert.Equal(ValueRescaling.H((double)xs[i]), hv[i], Math.Abs(ValueRescaling.H((double)xs[i])) * 1e-6);
            worst = Math.Max(worst, Math.Abs(bv[i] - xs[i]) / Math.Abs(xs[i]));
        }
        Assert.True(worst < 1e-6, $"worst relative round-trip error in float32 was {worst:e2}");
    }

    [Fact]
    public void TensorGradientsAreTheTrueDerivativesIncludingAtZero()
    {
        const double eps = ValueRescaling.DefaultEpsilon;
        var xs = new double[] { 0, 3, -8 };
        using var x = torch.tensor(xs, dtype: torch.float64, requires_grad: true);
        using var y = ValueRescaling.H(x);
        using var sum = y.sum();
        sum.backward();
        var g = x.grad!.data<double>().ToArray();
        // h'(x) = 1 / (2√(|x|+1)) + ε
        for (int i = 0; i < xs.Length; i++) Assert.Equal(1 / (2 * Math.Sqrt(Math.Abs(xs[i]) + 1)) + eps, g[i], 12);

        using var z = torch.tensor(new double[] { 0, ValueRescaling.H(3.0) }, dtype: torch.float64, requires_grad: true);
        using var w = ValueRescaling.HInverse(z);
        using var s2 = w.sum();
        s2.backward();
        var gi = z.grad!.data<double>().ToArray();
        // (h⁻¹)'(h(x)) = 1 / h'(x)
        Assert.Equal(1 / (0.5 + eps), gi[0], 12);
        Assert.Equal(1 / (0.25 + eps), gi[1], 10);
    }

    [Fact]
    public void ZeroEpsilonIsTheSquareRootAndItsSquare()
    {
        Assert.Equal(2.0, ValueRescaling.H(8.0, 0), 14);   // √9 − 1
        Assert.Equal(8.0, ValueRescaling.HInverse(2.0, 0), 14); // (2 + 1)² − 1
        Assert.Equal(-8.0, ValueRescaling.HInverse(-2.0, 0), 14);
    }
}
