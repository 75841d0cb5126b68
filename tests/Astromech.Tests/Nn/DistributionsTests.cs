using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Nn;

public class DistributionsTests
{
    private static Tensor T(float[] x, params long[] shape) => torch.tensor(x, shape);

    [Fact]
    public void CategoricalLogProbEntropyAndKLMatchHandValues()
    {
        // logits ln(0.2), ln(0.3), ln(0.5): p = (0.2, 0.3, 0.5).
        var p = new Categorical(T(new[] { MathF.Log(0.2f), MathF.Log(0.3f), MathF.Log(0.5f) }, 1, 3));
        Assert.Equal(Math.Log(0.3), p.LogProb(T(new[] { 1f }, 1)).item<float>(), 5);
        // H = −(0.2 ln 0.2 + 0.3 ln 0.3 + 0.5 ln 0.5) = 1.0296530
        Assert.Equal(1.0296530, p.Entropy().item<float>(), 5);
        // q uniform over 3: KL(p‖q) = Σ p ln(3p) = ln 3 − H = 1.0986123 − 1.0296530 = 0.0689593
        var q = new Categorical(torch.zeros(1, 3));
        Assert.Equal(0.0689593, p.KL(q).item<float>(), 5);
        Assert.Equal(0.0, p.KL(p).item<float>(), 6);
        Assert.Equal(2f, p.Mode().item<float>());
    }

    [Fact]
    public void DiagonalGaussianLogProbEntropyAndKLMatchHandValues()
    {
        // μ = (0, 1), σ = (1, e^0.5); a = (1, 1):
        // log N = [−½ − 0 − ½ ln 2π] + [0 − 0.5 − ½ ln 2π] = −1 − ln 2π = −2.8378771
        var g = new DiagGaussian(T(new[] { 0f, 1f }, 1, 2), T(new[] { 0f, 0.5f }, 2));
        Assert.Equal(-2.8378771, g.LogProb(T(new[] { 1f, 1f }, 1, 2)).item<float>(), 5);
        // H = Σ (½ + ½ ln 2π + log σ) = 2·1.4189385 + 0.5 = 3.3378771
        Assert.Equal(3.3378771, g.Entropy().item<float>(), 5);
        // KL(N(0,1) ‖ N(1, e)) in one dimension: ln √e + (1 + 1)/(2e) − ½ = 0.5 + 0.3678794 − 0.5 = 0.3678794
        var p1 = new DiagGaussian(T(new[] { 0f }, 1, 1), T(new[] { 0f }, 1));
        var q1 = new DiagGaussian(T(new[] { 1f }, 1, 1), T(new[] { 0.5f }, 1));
        Assert.Equal(0.3678794, p1.KL(q1).item<float>(), 5);
    }

    [Fact]
    public void GaussianSamplesAreDifferentiableInTheMeanAndStd()
    {
        var mean = torch.zeros(4, 2).requires_grad_(true);
        var logStd = torch.zeros(2).requires_grad_(true);
        var g = new DiagGaussian(mean, logStd);
        g.Sample().sum().backward();
        Assert.NotNull(mean.grad);
        Assert.NotNull(logStd.grad);
        Assert.Equal(8f, mean.grad!.sum().item<float>());
    }

    [Fact]
    public void SquashedGaussianLogProbIsTheChangeOfVariablesOfItsBase()
    {
        // For a = tanh(u): log π(a) = log N(u) − Σ log(1 − tanh² u). Check against the direct formula at a few u,
        // including a large |u| where the naive 1 − tanh² underflows in float32.
        var mean = T(new[] { 0.3f, -0.2f }, 1, 2);
        var logStd = T(new[] { -0.5f, 0.1f }, 2);
        var s = new SquashedGaussian(mean, logStd);
        foreach (var (u0, u1) in new[] { (0.1f, -0.4f), (1.5f, 2.0f), (-0.7f, 0.05f) })
        {
            var u = T(new[] { u0, u1 }, 1, 2);
            double expected = new DiagGaussian(mean, logStd).LogProb(u).item<float>()
                - Math.Log(1 - Math.Pow(Math.Tanh(u0), 2)) - Math.Log(1 - Math.Pow(Math.Tanh(u1), 2));
            Assert.Equal(expected, s.LogProbOfPreTanh(u).item<float>(), 4);
            Assert.Equal(expected, s.LogProb(u.tanh()).item<float>(), 3);
        }
        var big = s.LogProbOfPreTanh(T(new[] { 12f, -15f }, 1, 2)).item<float>();
        Assert.True(float.IsFinite(big), $"log-prob at |u| = 15 should stay finite, got {big}");
    }

    [Fact]
    public void KLBetweenDifferentKindsIsAnError()
    {
        var c = new Categorical(torch.zeros(1, 2));
        var g = new DiagGaussian(torch.zeros(1, 2), torch.zeros(2));
        Assert.Throws<ArgumentException>(() => c.KL(g));
        Assert.Throws<ArgumentException>(() => g.KL(c));
    }
}
