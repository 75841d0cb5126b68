using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Returns;

/// <summary>
/// Shared pieces of the tensor twins of the return estimators (<see cref="Gae"/>, <see cref="LambdaReturns"/>,
/// <see cref="NStepReturns"/>, <see cref="VTrace"/>): the twins take [T,B] tensors with the span versions' conventions,
/// keep the autograd graph, and take γ (through the discounts) and λ as tensors, so a meta-gradient learner can
/// differentiate the targets by them (Xu et al. 2018, "Meta-Gradient Reinforcement Learning").
/// <para>They compute in double and return tensors of the rewards' dtype; the recursion runs step by step over T on
/// [B] rows, so T should be a rollout length, not a replay buffer.</para>
/// </summary>
public static class ReturnTensors
{
    /// <summary>
    /// d_t = γ·(1 − terminated_t) as a [T,B] tensor, differentiable by <paramref name="gamma"/>: γ a scalar (0-dim or one
    /// element), one per step ([T]) or one per entry ([T,B]); <paramref name="terminated"/> a bool [T,B] tensor.
    /// </summary>
    public static Tensor Discounts(Tensor gamma, Tensor terminated)
    {
        if (terminated.dim() != 2 || terminated.dtype != ScalarType.Bool)
            throw new ArgumentException($"terminated must be a bool [T,B] tensor; got {terminated.dtype} [{string.Join(", ", terminated.shape)}]", nameof(terminated));
        long steps = terminated.shape[0], envs = terminated.shape[1];
        var g = Grid(gamma, steps, envs, nameof(gamma));
        return torch.where(terminated, torch.zeros_like(g), g);
    }

    /// <summary><paramref name="x"/> as a float64 [T,B] tensor: a scalar, [T] (per step), [T,1] or [T,B]; anything else is
    /// refused naming <paramref name="name"/>.</summary>
    internal static Tensor Grid(Tensor x, long steps, long envs, string name)
    {
        var d = x.to_type(ScalarType.Float64);
        if (x.numel() == 1) return d.reshape(1, 1).expand(steps, envs);
        if (x.dim() == 1 && x.shape[0] == steps) return d.unsqueeze(1).expand(steps, envs);
        if (x.dim() == 2 && x.shape[0] == steps && (x.shape[1] == envs || x.shape[1] == 1)) return d.expand(steps, envs);
        throw new ArgumentException($"{name} must be a scalar, one value per step [{steps}] or per entry [{steps}, {envs}]; got shape [{string.Join(", ", x.shape)}]", name);
    }

    /// <summary>Refuses λ outside [0, 1] (or NaN), naming the estimator.</summary>
    internal static void CheckUnit(Tensor lambda, string what)
    {
        using var _ = no_grad();
        double lo = lambda.min().to_type(ScalarType.Float64).item<double>(), hi = lambda.max().to_type(ScalarType.Float64).item<double>();
        if (!(lo >= 0 && hi <= 1)) throw new ArgumentOutOfRangeException("lambda", $"{what} needs 0 ≤ λ ≤ 1; got values in [{lo}, {hi}]");
    }

    /// <summary>Checks that <paramref name="reference"/> is a float [T,B] tensor and returns (T, B).</summary>
    internal static (long Steps, long Envs) Shape(Tensor reference, string name)
    {
        if (reference.dim() != 2) throw new ArgumentException($"{name} must be a [T,B] tensor (time-major); got shape [{string.Join(", ", reference.shape)}]", name);
        if (!reference.is_floating_point()) throw new ArgumentException($"{name} must be a floating-point tensor; got {reference.dtype}", name);
        return (reference.shape[0], reference.shape[1]);
    }

    /// <summary><paramref name="x"/> as float64 after checking it is [T,B].</summary>
    internal static Tensor Same(Tensor x, long steps, long envs, string name)
    {
        if (x.dim() != 2 || x.shape[0] != steps || x.shape[1] != envs)
            throw new ArgumentException($"{name} must have the rewards' shape [{steps}, {envs}]; got [{string.Join(", ", x.shape)}]", name);
        return x.to_type(ScalarType.Float64);
    }

    internal static Tensor Mask(Tensor x, long steps, long envs, string name)
    {
        if (x.dtype != ScalarType.Bool) throw new ArgumentException($"{name} must be a bool tensor; got {x.dtype}", name);
        if (x.dim() != 2 || x.shape[0] != steps || x.shape[1] != envs)
            throw new ArgumentException($"{name} must have the rewards' shape [{steps}, {envs}]; got [{string.Join(", ", x.shape)}]", name);
        return x;
    }

    /// <summary>Rows t = T−1 … 0 produced by <paramref name="row"/> (given the row after), stacked back in time order.</summary>
    internal static Tensor Backward(long steps, long envs, Func<long, Tensor> row)
    {
        if (steps == 0) return torch.zeros(0, envs, ScalarType.Float64);
        var rows = new Tensor[steps];
        for (long t = steps - 1; t >= 0; t--) rows[t] = row(t);
        return torch.stack(rows, 0);
    }

    /// <summary>1 − x without TorchSharp's finalizer-freed implicit scalars.</summary>
    internal static Tensor OneMinus(Tensor x) => x.neg().Plus(1.0);
}
