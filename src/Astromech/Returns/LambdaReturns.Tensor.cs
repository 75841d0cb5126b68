using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;
using static Astromech.Returns.ReturnTensors;

namespace Astromech.Returns;

public static partial class LambdaReturns
{
    /// <summary>
    /// The tensor twin of <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{bool}, int, int, float, Span{float})"/>:
    /// G_t = r_t + d_t·[(1 − λ_t)·V'_t + λ_t·G_{t+1}] with G_{t+1} := V'_t where e_t is set or t = T − 1, and G_t = r_t where
    /// d_t = 0 (V'_t unread there, NaN allowed), on [T,B] tensors with the graph kept (differentiable by the discounts, λ
    /// and the values).
    /// </summary>
    /// <param name="rewards">r_t, float [T,B].</param>
    /// <param name="nextValues">V'_t, [T,B].</param>
    /// <param name="discounts">γ·(1 − terminated_t), [T,B] (see <see cref="ReturnTensors.Discounts"/>).</param>
    /// <param name="episodeEnds">terminated_t ∨ truncated_t, bool [T,B].</param>
    /// <param name="lambda">λ in [0, 1]: a scalar, [T] or [T,B].</param>
    public static Tensor Compute(Tensor rewards, Tensor nextValues, Tensor discounts, Tensor episodeEnds, Tensor lambda)
    {
        var (steps, envs) = Shape(rewards, nameof(rewards));
        using var scope = NewDisposeScope();
        CheckUnit(lambda, "λ-returns");
        var r = rewards.to_type(ScalarType.Float64);
        var d = Same(discounts, steps, envs, nameof(discounts));
        var nvRaw = Same(nextValues, steps, envs, nameof(nextValues));
        var ends = Mask(episodeEnds, steps, envs, nameof(episodeEnds));
        var lam = Grid(lambda, steps, envs, nameof(lambda));
        var zero = torch.zeros_like(d);
        var terminated = d.eq(zero);
        var nv = torch.where(terminated, zero, nvRaw);
        var oneStep = OneMinus(lam) * nv;
        Tensor g = torch.zeros(envs, ScalarType.Float64);
        var ret = Backward(steps, envs, t =>
        {
            var next = t == steps - 1 ? nv[t] : torch.where(ends[t], nv[t], g);
            g = torch.where(terminated[t], r[t], r[t].Plus(d[t] * oneStep[t].Plus(lam[t] * next)));
            return g;
        });
        return ret.to_type(rewards.dtype).MoveToOuterDisposeScope();
    }
}
