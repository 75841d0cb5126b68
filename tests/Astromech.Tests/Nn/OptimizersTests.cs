using Astromech.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Tests.Nn;

/// <summary>
/// Our scalar-safe RMSProp and Adam take exactly TorchSharp's steps (same rule, same state), so swapping them in
/// changes nothing but the thread safety, and their state round-trips through TorchSharp's state format.
/// </summary>
public class OptimizersTests
{
    private static Parameter[] Params(int seed)
    {
        var g = new Generator((ulong)seed);
        return new[] { new Parameter(randn(new long[] { 3, 4 }, generator: g)), new Parameter(randn(new long[] { 4 }, generator: g)) };
    }

    private static void Run(OptimizerHelper opt, Parameter[] ps, int steps)
    {
        var g = new Generator(7);
        for (int k = 0; k < steps; k++)
        {
            opt.zero_grad();
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 5, 3 }, generator: g);
            var loss = (x.matmul(ps[0]) + ps[1]).tanh().square().sum();
            loss.backward();
            opt.step();
        }
    }

    [Theory]
    [InlineData("rmsprop")]
    [InlineData("adam")]
    public void StepsMatchTorchSharpsOwnOptimizer(string kind)
    {
        var a = Params(1);
        var b = Params(1);
        OptimizerHelper ours = kind == "adam" ? Optimizers.NewAdam(a, 0.01, eps: 1e-5) : Optimizers.NewRmsProp(a, 0.01, alpha: 0.9, eps: 1e-5);
        OptimizerHelper theirs = kind == "adam" ? optim.Adam(b, 0.01, eps: 1e-5) : optim.RMSProp(b, 0.01, alpha: 0.9, eps: 1e-5);
        Run(ours, a, 20);
        Run(theirs, b, 20);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.False(a[i].allclose(Params(1)[i]), "the parameters must have moved");
            Assert.True(a[i].allclose(b[i], rtol: 1e-5, atol: 1e-6), $"{kind} parameter {i} differs from TorchSharp's");
        }
        // The state is TorchSharp's: one optimizer's state dict loads into the other and the next step agrees.
        var path = Path.GetTempFileName();
        ours.save_state_dict(path);
        theirs.load_state_dict(path);
        Run(ours, a, 1);
        Run(theirs, b, 1);
        Assert.True(a[0].allclose(b[0], rtol: 1e-5, atol: 1e-6));
        File.Delete(path);
    }

    [Fact]
    public void CachedScalarsAreSharedPerValue()
    {
        Assert.Same(Scalars.Of(0.5), Scalars.Of(0.5));
        Assert.Equal(0.25, Scalars.Of(0.25).ToDouble());
    }
}
