namespace Astromech.Returns;

/// <summary>
/// TD(λ) returns over a rollout of T steps × B env copies, stored time-major and flattened row-major: entry
/// (t, b) is at index t·B + b in every [T,B] array. Same conventions as <see cref="Gae"/>: d_t = γ(1 − terminated_t)
/// (<c>discounts</c>), e_t = terminated_t ∨ truncated_t (<c>episodeEnds</c>), V'_t the value of the true next state
/// (<c>nextValues</c>).
/// <para>G_t = r_t + d_t·[(1 − λ)·V'_t + λ·G_{t+1}], where G_{t+1} is replaced by V'_t when e_t is set or
/// t = T − 1 (so there G_t = r_t + d_t·V'_t). λ = 0 gives the one-step TD target r_t + d_t·V'_t; λ = 1 the
/// Monte-Carlo return, cut at terminations, bootstrapped from V'_t at truncations and at the end of the rollout.</para>
/// <para>Rewritten as G_t = r_t + d_t·V'_t + d_t·λ·(1 − e_t)·(G_{t+1} − V'_t), this equals the GAE return target
/// A_t + V_t of <see cref="Gae.Compute"/> whenever V'_t = V_{t+1} for every t &lt; T − 1 with e_t unset (as
/// <see cref="Gae.NextValues"/> fills it): then G_t − V_t satisfies the GAE recursion.</para>
/// <para>The recursion is accumulated in double for each env copy and rounded to float once per stored entry.
/// Allocates nothing.</para>
/// </summary>
public static partial class LambdaReturns
{
    /// <summary>
    /// G_t = r_t + d_t·[(1 − λ)·V'_t + λ·G_{t+1}] into <paramref name="returns"/>, [T,B], with G_{t+1} := V'_t
    /// where e_t is set or t = T − 1.
    /// </summary>
    /// <param name="rewards">r_t, [T,B].</param>
    /// <param name="nextValues">V(s_{t+1}) of the true next state, [T,B]: the final observation's value where the
    /// episode was truncated at t; any value where it terminated (its discount is 0 and it is not read, so NaN is fine).</param>
    /// <param name="discounts">γ·(1 − terminated_t), [T,B].</param>
    /// <param name="episodeEnds">terminated_t ∨ truncated_t, [T,B]; nothing after step t flows into G_t.</param>
    /// <param name="steps">T ≥ 0.</param>
    /// <param name="envs">B ≥ 1.</param>
    /// <param name="lambda">λ in [0, 1].</param>
    /// <param name="returns">G_t, [T,B].</param>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> nextValues, ReadOnlySpan<float> discounts,
        ReadOnlySpan<bool> episodeEnds, int steps, int envs, float lambda, Span<float> returns)
    {
        int n = TimeMajor.Size(steps, envs);
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ-returns need 0 ≤ λ ≤ 1");
        if (rewards.Length != n || nextValues.Length != n || discounts.Length != n || episodeEnds.Length != n || returns.Length != n)
            throw new ArgumentException($"rewards, nextValues, discounts, episodeEnds and returns must each hold steps × envs = {steps} × {envs} = {n} entries; got {rewards.Length}, {nextValues.Length}, {discounts.Length}, {episodeEnds.Length}, {returns.Length}");
        for (int b = 0; b < envs; b++)
        {
            double g = 0; // G_{t+1}
            for (int t = steps - 1; t >= 0; t--)
            {
                int i = t * envs + b;
                double d = discounts[i];
                if (d == 0) g = rewards[i]; // terminated: V'_t is never read (it may be NaN)
                else
                {
                    double nv = nextValues[i];
                    double next = episodeEnds[i] || t == steps - 1 ? nv : g;
                    g = rewards[i] + d * ((1 - (double)lambda) * nv + lambda * next);
                }
                returns[i] = (float)g;
            }
        }
    }
}
