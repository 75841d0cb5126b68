using Astromech.Returns;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Returns;

/// <summary>
/// The tensor twins of the return estimators give the span versions' numbers on random rollouts with terminations and
/// truncations (NaN next-values at terminated steps included), and their gradients by γ and λ match central differences.
/// </summary>
public class ReturnTensorsTests
{
    private const int T = 9, B = 3;
    private const float Gamma = 0.9f, Lambda = 0.8f;

    /// <summary>A random rollout in the span versions' layout: about a fifth of the steps terminate, a fifth truncate.</summary>
    private sealed class Rollout
    {
        public readonly float[] Rewards = new float[T * B], Values = new float[T * B], Next = new float[T * B], Discounts = new float[T * B];
        public readonly float[] LogRhos = new float[T * B], Bootstrap = new float[B];
        public readonly bool[] Terminated = new bool[T * B], Ends = new bool[T * B];

        public Rollout(int seed)
        {
            var rng = new Random(seed);
            var final = new float[T * B];
            for (int i = 0; i < T * B; i++)
            {
                Rewards[i] = (float)(rng.NextDouble() * 4 - 2);
                Values[i] = (float)(rng.NextDouble() * 6 - 3);
                LogRhos[i] = (float)(rng.NextDouble() * 1.6 - 0.8);
                double u = rng.NextDouble();
                Terminated[i] = u < 0.2;
                Ends[i] = u < 0.4;
                final[i] = Terminated[i] ? float.NaN : (float)(rng.NextDouble() * 6 - 3);
                Discounts[i] = Terminated[i] ? 0f : Gamma;
            }
            for (int b = 0; b < B; b++) Bootstrap[b] = (float)(rng.NextDouble() * 6 - 3);
            Gae.NextValues(Values, Bootstrap, Ends, final, T, B, Next);
            Assert.Contains(Next, float.IsNaN); // the NaN-at-termination path is exercised
        }

        public Tensor Grid(float[] x, ScalarType type = ScalarType.Float32) => torch.tensor(x, new long[] { T, B }).to_type(type);
        public Tensor Mask(bool[] x) => torch.tensor(x, new long[] { T, B });
    }

    private static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GaeTwinEqualsTheSpanVersion(int seed)
    {
        using var scope = NewDisposeScope();
        var ro = new Rollout(seed);
        var adv = new float[T * B];
        var ret = new float[T * B];
        Gae.Compute(ro.Rewards, ro.Values, ro.Next, ro.Discounts, ro.Ends, T, B, Lambda, adv, ret);
        var d = ReturnTensors.Discounts(torch.tensor(Gamma), ro.Mask(ro.Terminated));
        var (ta, tr) = Gae.Compute(ro.Grid(ro.Rewards), ro.Grid(ro.Values), ro.Grid(ro.Next), d, ro.Mask(ro.Ends), torch.tensor(Lambda));
        Assert.Equal(ScalarType.Float32, ta.dtype);
        Close.All(adv, Floats(ta), 1e-6f);
        Close.All(ret, Floats(tr), 1e-6f);
        // λ given per step (all equal) is the same as the scalar.
        var (pa, _) = Gae.Compute(ro.Grid(ro.Rewards), ro.Grid(ro.Values), ro.Grid(ro.Next), d, ro.Mask(ro.Ends), torch.full(T, Lambda));
        Close.All(adv, Floats(pa), 1e-6f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void LambdaReturnsTwinEqualsTheSpanVersion(int seed)
    {
        using var scope = NewDisposeScope();
        var ro = new Rollout(seed);
        var ret = new float[T * B];
        LambdaReturns.Compute(ro.Rewards, ro.Next, ro.Discounts, ro.Ends, T, B, Lambda, ret);
        var d = ReturnTensors.Discounts(torch.tensor(Gamma), ro.Mask(ro.Terminated));
        var tr = LambdaReturns.Compute(ro.Grid(ro.Rewards), ro.Grid(ro.Next), d, ro.Mask(ro.Ends), torch.tensor(Lambda));
        Close.All(ret, Floats(tr), 1e-6f);
    }

    [Theory]
    [InlineData(1, 1f)]
    [InlineData(5, 0.7f)]
    public void VTraceTwinEqualsTheSpanVersion(int seed, float lambda)
    {
        using var scope = NewDisposeScope();
        var ro = new Rollout(seed);
        var vs = new float[T * B];
        var pg = new float[T * B];
        VTrace.Compute(ro.LogRhos, ro.Discounts, ro.Rewards, ro.Values, ro.Bootstrap, T, B, vs, pg, rhoBar: 1.1f, cBar: 0.9f, pgRhoBar: 1.3f, lambda: lambda);
        var d = ReturnTensors.Discounts(torch.tensor(Gamma), ro.Mask(ro.Terminated));
        var (tv, tp) = VTrace.Compute(ro.Grid(ro.LogRhos), d, ro.Grid(ro.Rewards), ro.Grid(ro.Values), torch.tensor(ro.Bootstrap),
            torch.tensor(lambda), rhoBar: 1.1f, cBar: 0.9f, pgRhoBar: 1.3f);
        Close.All(vs, Floats(tv), 1e-6f);
        Close.All(pg, Floats(tp), 1e-6f);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 20)]
    public void NStepTwinsEqualTheSpanVersions(int seed, int n)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(seed);
        const int steps = 12;
        var r = Enumerable.Range(0, steps).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var done = Enumerable.Range(0, steps).Select(_ => rng.NextDouble() < 0.25).ToArray();
        var v = Enumerable.Range(0, steps + 1).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var ret = new float[steps];
        var disc = new float[steps];
        NStepReturns.Compute(r, done, n, Gamma, ret, disc);
        var (tr, td) = NStepReturns.Compute(torch.tensor(r), torch.tensor(done), n, torch.tensor(Gamma));
        Close.All(ret, Floats(tr), 1e-5f); // the span version accumulates in float
        Close.All(disc, Floats(td), 1e-5f);
        var full = new float[steps];
        NStepReturns.Compute(r, done, v, n, Gamma, full);
        Close.All(full, Floats(NStepReturns.Compute(torch.tensor(r), torch.tensor(done), torch.tensor(v), n, torch.tensor(Gamma))), 1e-5f);
    }

    /// <summary>Checks ∂J/∂γ and ∂J/∂λ of J = Σ w·outputs(γ, λ) against central differences in double precision.</summary>
    private static void GradientMatchesFiniteDifferences(Func<Tensor, Tensor, Tensor[]> outputs, Tensor lambda0, int seed)
    {
        using var scope = NewDisposeScope();
        var rng = new Generator((ulong)seed);
        Tensor[]? weights = null;
        double J(Tensor g, Tensor l)
        {
            var outs = outputs(g, l);
            weights ??= outs.Select(o => randn(o.shape, ScalarType.Float64, generator: rng)).ToArray();
            Tensor sum = torch.zeros(Array.Empty<long>(), ScalarType.Float64);
            for (int i = 0; i < outs.Length; i++) sum = sum + (outs[i] * weights[i]).sum();
            return sum.item<double>();
        }
        var gamma = torch.tensor(0.93, ScalarType.Float64).requires_grad_(true);
        var lambda = lambda0.to_type(ScalarType.Float64).detach().clone().requires_grad_(true);
        J(gamma.detach(), lambda.detach()); // fixes the weights
        var outs = outputs(gamma, lambda);
        Tensor total = torch.zeros(Array.Empty<long>(), ScalarType.Float64);
        for (int i = 0; i < outs.Length; i++) total = total + (outs[i] * weights![i]).sum();
        var grads = torch.autograd.grad(new[] { total }, new[] { gamma, lambda });
        const double h = 1e-6;
        double fdGamma = (J(torch.tensor(0.93 + h, ScalarType.Float64), lambda.detach()) - J(torch.tensor(0.93 - h, ScalarType.Float64), lambda.detach())) / (2 * h);
        double gGamma = grads[0].item<double>();
        Assert.True(Math.Abs(fdGamma - gGamma) <= 1e-6 * Math.Max(1, Math.Abs(fdGamma)), $"dJ/dγ = {gGamma}, finite differences {fdGamma}");
        Assert.True(Math.Abs(gGamma) > 1e-3, "the objective barely depends on γ: the check would pass for a wrong gradient");
        var lam = lambda.detach().flatten();
        var gl = grads[1].flatten().data<double>().ToArray();
        double lamNorm = 0;
        for (int j = 0; j < lam.numel(); j++)
        {
            Tensor Moved(double delta)
            {
                var m = lam.clone();
                m[j] = m[j].item<double>() + delta;
                return m.view(lambda.shape);
            }
            double fd = (J(gamma.detach(), Moved(h)) - J(gamma.detach(), Moved(-h))) / (2 * h);
            Assert.True(Math.Abs(fd - gl[j]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"dJ/dλ[{j}] = {gl[j]}, finite differences {fd}");
            Assert.True(double.IsFinite(gl[j]));
            lamNorm += Math.Abs(gl[j]);
        }
        Assert.True(lamNorm > 1e-3, "the objective barely depends on λ: the check would pass for a wrong gradient");
    }

    [Fact]
    public void GaeGradientsByGammaAndPerStepLambdaMatchFiniteDifferences()
    {
        var ro = new Rollout(7);
        GradientMatchesFiniteDifferences((g, l) =>
        {
            var (a, r) = Gae.Compute(ro.Grid(ro.Rewards, ScalarType.Float64), ro.Grid(ro.Values, ScalarType.Float64), ro.Grid(ro.Next, ScalarType.Float64),
                ReturnTensors.Discounts(g, ro.Mask(ro.Terminated)), ro.Mask(ro.Ends), l);
            return new[] { a, r };
        }, torch.linspace(0.5, 0.95, T), 1);
    }

    [Fact]
    public void LambdaReturnGradientsMatchFiniteDifferences()
    {
        var ro = new Rollout(8);
        GradientMatchesFiniteDifferences((g, l) => new[]
        {
            LambdaReturns.Compute(ro.Grid(ro.Rewards, ScalarType.Float64), ro.Grid(ro.Next, ScalarType.Float64),
                ReturnTensors.Discounts(g, ro.Mask(ro.Terminated)), ro.Mask(ro.Ends), l),
        }, torch.tensor(0.85), 2);
    }

    [Fact]
    public void VTraceGradientsMatchFiniteDifferences()
    {
        var ro = new Rollout(9);
        GradientMatchesFiniteDifferences((g, l) =>
        {
            var (vs, pg) = VTrace.Compute(ro.Grid(ro.LogRhos, ScalarType.Float64), ReturnTensors.Discounts(g, ro.Mask(ro.Terminated)),
                ro.Grid(ro.Rewards, ScalarType.Float64), ro.Grid(ro.Values, ScalarType.Float64), torch.tensor(ro.Bootstrap).to_type(ScalarType.Float64), l,
                rhoBar: 1.1, cBar: 0.9, pgRhoBar: 1.3);
            return new[] { vs, pg };
        }, torch.tensor(0.9), 3);
    }

    [Fact]
    public void NStepGradientByGammaMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(4);
        const int steps = 10;
        var r = torch.tensor(Enumerable.Range(0, steps).Select(_ => rng.NextDouble() * 2 - 1).ToArray());
        var done = torch.tensor(Enumerable.Range(0, steps).Select(i => i == 4).ToArray());
        var v = torch.tensor(Enumerable.Range(0, steps + 1).Select(_ => rng.NextDouble() * 4 - 2).ToArray());
        double J(Tensor g) => NStepReturns.Compute(r, done, v, 3, g).sum().item<double>();
        var gamma = torch.tensor(0.9, ScalarType.Float64).requires_grad_(true);
        var grad = torch.autograd.grad(new[] { NStepReturns.Compute(r, done, v, 3, gamma).sum() }, new[] { gamma })[0].item<double>();
        const double h = 1e-6;
        double fd = (J(torch.tensor(0.9 + h)) - J(torch.tensor(0.9 - h))) / (2 * h);
        Assert.True(Math.Abs(fd - grad) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"dG/dγ = {grad}, finite differences {fd}");
        Assert.True(Math.Abs(grad) > 1e-3);
    }

    [Fact]
    public void BadInputsAreRefusedNamingTheArgument()
    {
        using var scope = NewDisposeScope();
        var ro = new Rollout(1);
        var d = ReturnTensors.Discounts(torch.tensor(Gamma), ro.Mask(ro.Terminated));
        var e1 = Assert.ThrowsAny<ArgumentException>(() => Gae.Compute(ro.Grid(ro.Rewards), ro.Grid(ro.Values), ro.Grid(ro.Next), d, ro.Mask(ro.Ends), torch.tensor(1.5f)));
        Assert.Contains("λ", e1.Message);
        var e2 = Assert.ThrowsAny<ArgumentException>(() => Gae.Compute(ro.Grid(ro.Rewards), torch.zeros(T, B + 1), ro.Grid(ro.Next), d, ro.Mask(ro.Ends), torch.tensor(0.5f)));
        Assert.Contains("values", e2.Message);
        var e3 = Assert.ThrowsAny<ArgumentException>(() => LambdaReturns.Compute(ro.Grid(ro.Rewards), ro.Grid(ro.Next), d, ro.Grid(ro.Rewards), torch.tensor(0.5f)));
        Assert.Contains("episodeEnds", e3.Message);
        var e4 = Assert.ThrowsAny<ArgumentException>(() => Gae.Compute(ro.Grid(ro.Rewards), ro.Grid(ro.Values), ro.Grid(ro.Next), d, ro.Mask(ro.Ends), torch.zeros(T + 1)));
        Assert.Contains("lambda", e4.Message);
        var e5 = Assert.ThrowsAny<ArgumentException>(() => VTrace.Compute(ro.Grid(ro.LogRhos), d, ro.Grid(ro.Rewards), ro.Grid(ro.Values), torch.zeros(B + 2), torch.tensor(1f)));
        Assert.Contains("bootstrap", e5.Message);
        var e6 = Assert.ThrowsAny<ArgumentException>(() => NStepReturns.Compute(torch.zeros(4), torch.zeros(4), 2, torch.tensor(0.9f)));
        Assert.Contains("dones", e6.Message);
    }
}
