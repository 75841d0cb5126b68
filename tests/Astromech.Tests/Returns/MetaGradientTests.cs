using Astromech.Nn;
using Astromech.Returns;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Returns;

/// <summary>
/// The two meta-learning pieces together, as meta-gradient RL uses them (Xu et al. 2018): a value network takes one
/// differentiable TD(λ) step whose targets are built with γ and λ as tensors; a validation loss at the updated parameters
/// is then differentiated by γ and λ through the update, and the result matches central differences.
/// </summary>
public class MetaGradientTests
{
    [Fact]
    public void ValidationLossAfterATdLambdaStepDifferentiatesByGammaAndLambda()
    {
        using var scope = NewDisposeScope();
        const int T = 8, B = 2, Obs = 3;
        var g = new Generator(31);
        var torso = new Mlp(Obs, new[] { 8 }, activation: Activation.Tanh);
        var net = nn.Sequential(("torso", torso), ("head", nn.Linear(8, 1)));
        net.to(ScalarType.Float64);
        var obs = randn(new long[] { T, B, Obs }, ScalarType.Float64, generator: g);
        var boot = randn(new long[] { B, Obs }, ScalarType.Float64, generator: g);
        var rewards = randn(new long[] { T, B }, ScalarType.Float64, generator: g);
        var terminated = torch.tensor(new[] { false, false, false, true, false, false, false, false, false, false, true, false, false, false, false, false }, new long[] { T, B });
        var valObs = randn(new long[] { 16, Obs }, ScalarType.Float64, generator: g);
        var valTargets = randn(new long[] { 16, 1 }, ScalarType.Float64, generator: g);
        var theta = Functional.CloneParameters(net);

        Tensor Validation(Tensor gamma, Tensor lambda, bool createGraph)
        {
            var v = Functional.Forward(net, obs.view(T * B, Obs), theta).view(T, B);
            var vBoot = Functional.Forward(net, boot, theta).view(1, B);
            var next = torch.cat(new[] { v.narrow(0, 1, T - 1), vBoot }, 0).detach(); // semi-gradient targets, as TD learning uses
            var targets = LambdaReturns.Compute(rewards, next, ReturnTensors.Discounts(gamma, terminated), terminated, lambda);
            var adapted = Functional.SgdStep(theta, (targets - v).Squared().mean(), 0.1, createGraph);
            return (Functional.Forward(net, valObs, adapted) - valTargets).Squared().mean();
        }

        var gamma = torch.tensor(0.9, ScalarType.Float64).requires_grad_(true);
        var lambda = torch.tensor(0.7, ScalarType.Float64).requires_grad_(true);
        var grads = torch.autograd.grad(new[] { Validation(gamma, lambda, createGraph: true) }, new[] { gamma, lambda });
        const double h = 1e-6;
        double At(double gm, double lm) => Validation(torch.tensor(gm, ScalarType.Float64), torch.tensor(lm, ScalarType.Float64), createGraph: false).item<double>();
        double fdGamma = (At(0.9 + h, 0.7) - At(0.9 - h, 0.7)) / (2 * h);
        double fdLambda = (At(0.9, 0.7 + h) - At(0.9, 0.7 - h)) / (2 * h);
        double dGamma = grads[0].item<double>(), dLambda = grads[1].item<double>();
        Assert.True(Math.Abs(dGamma - fdGamma) <= 1e-6 * Math.Max(1, Math.Abs(fdGamma)), $"dL/dγ = {dGamma}, finite differences {fdGamma}");
        Assert.True(Math.Abs(dLambda - fdLambda) <= 1e-6 * Math.Max(1, Math.Abs(fdLambda)), $"dL/dλ = {dLambda}, finite differences {fdLambda}");
        Assert.True(Math.Abs(fdGamma) > 1e-4 && Math.Abs(fdLambda) > 1e-5, $"the validation loss barely depends on γ ({fdGamma}) or λ ({fdLambda})");
    }
}
