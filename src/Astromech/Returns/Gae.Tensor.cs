using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;
using static Astromech.Returns.ReturnTensors;

namespace Astromech.Returns;

public static partial class Gae
{
    /// <summary>
    /// The tensor twin of <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{bool}, int, int, float, Span{float}, Span{float})"/>:
    /// the same recursion A_t = δ_t + d_t·λ_t·(1 − e_t)·A_{t+1}, δ_t = r_t + d_t·V'_t − V_t, R_t = A_t + V_t, on [T,B]
    /// tensors, keeping the graph, so the results can be differentiated by the discounts (hence γ, see
    /// <see cref="ReturnTensors.Discounts"/>), by λ, and by the values. V'_t is not read where d_t = 0 (NaN there is
    /// fine and does not reach any gradient).
    /// </summary>
    /// <param name="rewards">r_t, float [T,B].</param>
    /// <param name="values">V(s_t), [T,B].</param>
    /// <param name="nextValues">V'_t, [T,B] (see the span version and <see cref="NextValues"/>).</param>
    /// <param name="discounts">γ·(1 − terminated_t), [T,B].</param>
    /// <param name="episodeEnds">terminated_t ∨ truncated_t, bool [T,B].</param>
    /// <param name="lambda">λ in [0, 1]: a scalar, one per step [T], or [T,B].</param>
    public static (Tensor Advantages, Tensor Returns) Compute(Tensor rewards, Tensor values, Tensor nextValues, Tensor discounts,
        Tensor episodeEnds, Tensor lambda)
    {
        var (steps, envs) = Shape(rewards, nameof(rewards));
        using var scope = NewDisposeScope();
        CheckUnit(lambda, "GAE");
        var r = rewards.to_type(ScalarType.Float64);
        var v = Same(values, steps, envs, nameof(values));
        var d = Same(discounts, steps, envs, nameof(discounts));
        var nv = Same(nextValues, steps, envs, nameof(nextValues));
        var ends = Mask(episodeEnds, steps, envs, nameof(episodeEnds));
        var lam = Grid(lambda, steps, envs, nameof(lambda));
        var zero = torch.zeros_like(d);
        var terminated = d.eq(zero);
        var delta = r.Plus(d * torch.where(terminated, zero, nv)) - v; // V'_t masked before the product: no NaN in any gradient
        var carry = torch.where(ends, zero, d * lam);
        var next = torch.zeros(envs, ScalarType.Float64);
        var adv = Backward(steps, envs, t => next = delta[t].Plus(carry[t] * next));
        var ret = adv.Plus(v);
        return (adv.to_type(rewards.dtype).MoveToOuterDisposeScope(), ret.to_type(rewards.dtype).MoveToOuterDisposeScope());
    }
}
