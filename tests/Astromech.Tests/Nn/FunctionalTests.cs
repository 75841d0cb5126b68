using Astromech.Envs.Spaces;
using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Nn;

/// <summary>
/// The functional forward computes the module's own function (bit for bit with its own parameters), and the inner SGD
/// step keeps the graph so the outer gradient is the full second-order MAML gradient (checked against central
/// differences in double precision), without leaking tensors.
/// </summary>
public class FunctionalTests
{
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Batch(int rows, int cols, int seed) => randn(new long[] { rows, cols }, generator: new Generator((ulong)seed));

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Tanh)]
    public void MlpWithItsOwnParametersEqualsItsForward(Activation activation)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var mlp = new Mlp(5, new[] { 7, 3 }, activation: activation);
        var x = Batch(9, 5, 2);
        var expected = mlp.forward(x);
        var actual = Functional.Forward(mlp, x, Functional.ParametersOf(mlp));
        Assert.True(Same(expected, actual), "functional MLP output differs from forward");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QNetworkWithItsOwnParametersEqualsItsForward(bool dueling)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var q = new QNetwork(4, 3, new[] { 8, 8 }, dueling);
        var x = Batch(6, 4, 4);
        Assert.True(Same(q.forward(x), Functional.Forward(q, x, Functional.ParametersOf(q))));
    }

    [Fact]
    public void ContinuousQNetworkWithItsOwnParametersEqualsItsForward()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var q = new ContinuousQNetwork(3, 2, new[] { 6 });
        var s = Batch(5, 3, 6);
        var a = Batch(5, 2, 7);
        Assert.True(Same(q.forward(s, a), Functional.Forward(q, s, a, Functional.ParametersOf(q))));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void ActorCriticWithItsOwnParametersEqualsItsForward(bool shareTorso, bool continuous)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        Space actions = continuous ? new Box(new[] { -1f, -1f }, new[] { 1f, 1f }) : new Discrete(3);
        var net = new ActorCriticNetwork(4, actions, new[] { 8 }, Activation.Tanh, shareTorso);
        var obs = Batch(5, 4, 9);
        var (p, v) = net.forward(obs);
        var parameters = Functional.ParametersOf(net);
        var (fp, fv) = Functional.Forward(net, obs, parameters);
        Assert.True(Same(p, fp), "policy head differs");
        Assert.True(Same(v, fv), "value differs");
        var act = continuous ? Batch(5, 2, 10) : torch.tensor(new long[] { 0, 2, 1, 1, 0 });
        Assert.True(Same(net.Distribution(p).LogProb(act), net.FunctionalDistribution(fp, parameters).LogProb(act)));
    }

    [Fact]
    public void OtherParametersChangeTheOutputAndReachTheirOwnGradients()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        var mlp = new Mlp(3, new[] { 4 }, activation: Activation.Tanh);
        var x = Batch(5, 3, 12);
        var copy = Functional.CloneParameters(mlp);
        foreach (var t in copy.Values) using (no_grad()) t.add_(torch.ones_like(t), Scalars.One);
        var y = Functional.Forward(mlp, x, copy);
        Assert.False(Same(mlp.forward(x), y));
        y.sum().backward();
        Assert.All(copy.Values, t => Assert.True(t.grad is not null && t.grad.abs().sum().item<float>() > 0));
        Assert.All(mlp.parameters(), p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0));
    }

    [Fact]
    public void MismatchedParameterSetsAndUnsupportedModulesAreRefusedNamingTheProblem()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(3, new[] { 4 });
        var x = Batch(2, 3, 1);
        var missing = Functional.ParametersOf(mlp);
        string key = missing.Keys.First();
        missing.Remove(key);
        Assert.Contains(key, Assert.Throws<ArgumentException>(() => Functional.Forward(mlp, x, missing)).Message);

        var wrongShape = Functional.ParametersOf(mlp);
        wrongShape[key] = torch.zeros(2, 2);
        Assert.Contains(key, Assert.Throws<ArgumentException>(() => Functional.Forward(mlp, x, wrongShape)).Message);

        var extra = Functional.ParametersOf(mlp);
        extra["nonsense.weight"] = torch.zeros(1);
        Assert.Contains("nonsense.weight", Assert.Throws<ArgumentException>(() => Functional.Forward(mlp, x, extra)).Message);

        var conv = new ConvTorso(2, 5, 5, new[] { 8 });
        var e = Assert.Throws<NotSupportedException>(() => Functional.Forward(conv, Batch(1, 50, 1).view(1, 2, 5, 5), Functional.ParametersOf(conv)));
        Assert.Contains(nameof(ConvTorso), e.Message);

        var frozen = Functional.ParametersOf(mlp).ToDictionary(kv => kv.Key, kv => kv.Value.detach());
        var loss = Functional.Forward(mlp, x, frozen).sum();
        Assert.Contains("does not require gradients", Assert.Throws<ArgumentException>(() => Functional.SgdStep(frozen, loss, 0.1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.SgdStep(Functional.ParametersOf(mlp), loss, double.NaN));
    }

    [Fact]
    public void AnInnerStepLeavesParametersTheLossDoesNotUseAsTheyAre()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(3, new[] { 4 });
        var p = Functional.CloneParameters(mlp);
        p["unused"] = torch.ones(2).requires_grad_(true);
        var loss = Functional.Forward(mlp, Batch(5, 3, 2), Functional.ParametersOf(mlp).ToDictionary(kv => kv.Key, kv => p[kv.Key])).sum();
        var adapted = Functional.SgdStep(p, loss, 0.1);
        Assert.True(Same(p["unused"], adapted["unused"]));
        Assert.False(Same(p.First().Value, adapted[p.First().Key]));
    }

    // A tiny MAML objective in double precision: θ' = θ − α∇L_in(θ), meta-loss L_out(θ').
    private sealed class TinyMaml : IDisposable
    {
        public readonly Mlp Net;
        private readonly Tensor _xIn, _yIn, _xOut, _yOut;
        public const double Alpha = 0.5;

        public TinyMaml()
        {
            torch.manual_seed(21);
            Net = new Mlp(2, new[] { 3, 1 }, activation: Activation.Tanh);
            Net.to(ScalarType.Float64);
            var g = new Generator(22);
            _xIn = randn(new long[] { 6, 2 }, ScalarType.Float64, generator: g);
            _yIn = randn(new long[] { 6, 1 }, ScalarType.Float64, generator: g);
            _xOut = randn(new long[] { 6, 2 }, ScalarType.Float64, generator: g);
            _yOut = randn(new long[] { 6, 1 }, ScalarType.Float64, generator: g);
        }

        private Tensor Mse(IReadOnlyDictionary<string, Tensor> p, Tensor x, Tensor y) => (Functional.Forward(Net, x, p) - y).Squared().mean();

        public Tensor MetaLoss(IReadOnlyDictionary<string, Tensor> theta, bool createGraph) =>
            Mse(Functional.SgdStep(theta, Mse(theta, _xIn, _yIn), Alpha, createGraph), _xOut, _yOut);

        public void Dispose() => Net.Dispose();
    }

    [Fact]
    public void SecondOrderGradientThroughOneInnerStepMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var maml = new TinyMaml();
        var theta = Functional.CloneParameters(maml.Net);
        var names = theta.Keys.ToList();
        var exact = torch.autograd.grad(new[] { maml.MetaLoss(theta, createGraph: true) }, names.Select(n => theta[n]).ToList());
        var firstOrder = torch.autograd.grad(new[] { maml.MetaLoss(theta, createGraph: false) }, names.Select(n => theta[n]).ToList());

        const double h = 1e-6;
        double worst = 0, firstOrderGap = 0;
        for (int k = 0; k < names.Count; k++)
        {
            var flat = theta[names[k]].detach().flatten();
            var ex = exact[k].flatten().data<double>().ToArray();
            var fo = firstOrder[k].flatten().data<double>().ToArray();
            for (int j = 0; j < flat.numel(); j++)
            {
                double Loss(double delta)
                {
                    using var inner = NewDisposeScope();
                    var moved = theta.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                    var m = moved[names[k]].view(-1);
                    m[j] = m[j].item<double>() + delta;
                    foreach (var t in moved.Values) t.requires_grad_(true);
                    return maml.MetaLoss(moved, createGraph: false).item<double>();
                }
                double fd = (Loss(h) - Loss(-h)) / (2 * h);
                worst = Math.Max(worst, Math.Abs(fd - ex[j]) / Math.Max(1, Math.Abs(fd)));
                firstOrderGap = Math.Max(firstOrderGap, Math.Abs(fd - fo[j]));
            }
        }
        // Central differences with h = 1e-6 in double are accurate to ~1e-9 here; the first-order (gradient treated as a
        // constant) estimate misses the Hessian term α·H_in·∇L_out, which is of order α·|H|·|g| ≫ 1e-4 on this problem.
        Assert.True(worst < 1e-6, $"second-order gradient differs from finite differences by {worst:E2}");
        Assert.True(firstOrderGap > 1e-4, $"first-order MAML matched finite differences to {firstOrderGap:E2}: the check cannot tell the Hessian term");
    }

    [Fact]
    public void InnerStepAndOuterBackwardLeakNoTensors()
    {
        using var maml = new TinyMaml();
        var own = Functional.ParametersOf(maml.Net);
        void Steps(int n)
        {
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                maml.MetaLoss(own, createGraph: true).backward();
                foreach (var p in maml.Net.parameters()) p.grad!.zero_();
            }
        }
        Steps(5);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Steps(100);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after}");
    }
}
