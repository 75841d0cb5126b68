using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Returns;

public static partial class NStepReturns
{
    /// <summary>
    /// The tensor twin of <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{bool}, int, float, Span{float}, Span{float})"/>
    /// over one env copy's T steps: the reward part Σ_{k&lt;m} (Π_{j&lt;k} γ_{t+j}) r_{t+k} and the bootstrap factor
    /// Π_{j&lt;m} γ_{t+j} (0 when the window ends in a done step), both [T], differentiable by γ: a scalar, or one per step
    /// [T] (γ_k discounts what follows step k).
    /// </summary>
    public static (Tensor Returns, Tensor Discounts) Compute(Tensor rewards, Tensor dones, int n, Tensor gamma)
    {
        using var scope = NewDisposeScope();
        var (r, done, g, steps) = Check(rewards, dones, n, gamma);
        var rets = new Tensor[steps];
        var discs = new Tensor[steps];
        var zero = torch.zeros(Array.Empty<long>(), ScalarType.Float64);
        for (long t = 0; t < steps; t++)
        {
            var (ret, factor, _, _) = Window(r, done, g, t, n, steps, zero);
            rets[t] = ret;
            discs[t] = factor;
        }
        return steps == 0
            ? (torch.zeros(0, rewards.dtype).MoveToOuterDisposeScope(), torch.zeros(0, rewards.dtype).MoveToOuterDisposeScope())
            : (torch.stack(rets).to_type(rewards.dtype).MoveToOuterDisposeScope(), torch.stack(discs).to_type(rewards.dtype).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The tensor twin of <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{bool}, ReadOnlySpan{float}, int, float, Span{float})"/>:
    /// full n-step returns bootstrapped from <paramref name="values"/> (V(s_t) for t = 0..T, [T + 1]), differentiable by γ
    /// (a scalar or [T]) and the values.
    /// </summary>
    public static Tensor Compute(Tensor rewards, Tensor dones, Tensor values, int n, Tensor gamma)
    {
        using var scope = NewDisposeScope();
        var (r, done, g, steps) = Check(rewards, dones, n, gamma);
        if (values.dim() != 1 || values.shape[0] != steps + 1)
            throw new ArgumentException($"values must hold T + 1 = {steps + 1} entries (the last bootstraps the final step); got shape [{string.Join(", ", values.shape)}]", nameof(values));
        var v = values.to_type(ScalarType.Float64);
        var rets = new Tensor[steps];
        var zero = torch.zeros(Array.Empty<long>(), ScalarType.Float64);
        for (long t = 0; t < steps; t++)
        {
            var (ret, factor, end, ended) = Window(r, done, g, t, n, steps, zero);
            rets[t] = ended ? ret : ret.Plus(factor * v[end]); // nothing is bootstrapped after a done step
        }
        return steps == 0 ? torch.zeros(0, rewards.dtype).MoveToOuterDisposeScope() : torch.stack(rets).to_type(rewards.dtype).MoveToOuterDisposeScope();
    }

    private static (Tensor Ret, Tensor Factor, long End, bool Ended) Window(Tensor r, bool[] done, Tensor g, long t, int n, long steps, Tensor zero)
    {
        Tensor ret = zero, factor = torch.ones(Array.Empty<long>(), ScalarType.Float64);
        long end = Math.Min(t + n, steps);
        for (long k = t; k < end; k++)
        {
            ret = ret.Plus(factor * r[k]);
            factor = factor * g[k];
            if (done[k]) return (ret, zero, end, true);
        }
        return (ret, factor, end, false);
    }

    private static (Tensor R, bool[] Done, Tensor Gamma, long Steps) Check(Tensor rewards, Tensor dones, int n, Tensor gamma)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n-step needs n ≥ 1");
        if (rewards.dim() != 1 || !rewards.is_floating_point())
            throw new ArgumentException($"rewards must be a floating-point [T] tensor (one env copy); got {rewards.dtype} [{string.Join(", ", rewards.shape)}]", nameof(rewards));
        long steps = rewards.shape[0];
        if (dones.dtype != ScalarType.Bool || dones.dim() != 1 || dones.shape[0] != steps)
            throw new ArgumentException($"dones must be a bool [{steps}] tensor; got {dones.dtype} [{string.Join(", ", dones.shape)}]", nameof(dones));
        Tensor g;
        if (gamma.numel() == 1) g = gamma.to_type(ScalarType.Float64).reshape(1).expand(Math.Max(steps, 1));
        else if (gamma.dim() == 1 && gamma.shape[0] == steps) g = gamma.to_type(ScalarType.Float64);
        else throw new ArgumentException($"gamma must be a scalar or one value per step [{steps}]; got shape [{string.Join(", ", gamma.shape)}]", nameof(gamma));
        return (rewards.to_type(ScalarType.Float64), dones.data<bool>().ToArray(), g, steps);
    }
}
