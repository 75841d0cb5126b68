namespace Astromech.Returns;

/// <summary>
/// Generalized advantage estimation (Schulman et al. 2016) over a rollout of T steps × B env copies, stored
/// time-major and flattened row-major: entry (t, b) is at index t·B + b in every [T,B] array.
/// <para>With d_t = γ(1 − terminated_t) (<c>discounts</c>), e_t = terminated_t ∨ truncated_t (<c>episodeEnds</c>)
/// and V'_t the value of the true next state (<c>nextValues</c>):
/// δ_t = r_t + d_t·V'_t − V_t,  A_t = δ_t + d_t·λ·(1 − e_t)·A_{t+1} with A_T = 0,  and the return targets
/// R_t = A_t + V_t.</para>
/// <para>A truncated step keeps its discount (d_t = γ) and bootstraps from the value of its final observation
/// in V'_t, while e_t stops the λ chain there, so nothing of the next episode leaks back. A terminated step has
/// d_t = 0, and V'_t is not read wherever d_t = 0 (it may hold anything there, NaN included).
/// <see cref="NextValues"/> assembles V' from the per-step values.</para>
/// <para>The recursion is accumulated in double for each env copy and rounded to float once per stored entry.
/// When V'_t = V_{t+1} wherever e_t is unset and t &lt; T − 1 (as <see cref="NextValues"/> fills it), R_t equals
/// the λ-return of <see cref="LambdaReturns.Compute"/>. Allocates nothing.</para>
/// </summary>
public static partial class Gae
{
    /// <summary>
    /// Advantages A_t = δ_t + d_t·λ·(1 − e_t)·A_{t+1} (A_T = 0, δ_t = r_t + d_t·V'_t − V_t) into
    /// <paramref name="advantages"/> and R_t = A_t + V_t into <paramref name="returns"/>, all [T,B].
    /// </summary>
    /// <param name="rewards">r_t, [T,B].</param>
    /// <param name="values">V(s_t), [T,B].</param>
    /// <param name="nextValues">V(s_{t+1}) of the true next state, [T,B]: the final observation's value where the
    /// episode was truncated at t; any value where it terminated (its discount is 0 and it is not read, so NaN is fine).</param>
    /// <param name="discounts">γ·(1 − terminated_t), [T,B].</param>
    /// <param name="episodeEnds">terminated_t ∨ truncated_t, [T,B]; cuts the λ chain after step t.</param>
    /// <param name="steps">T ≥ 0.</param>
    /// <param name="envs">B ≥ 1.</param>
    /// <param name="lambda">λ in [0, 1]: 0 gives the one-step TD error, 1 the Monte-Carlo advantage.</param>
    /// <param name="advantages">A_t, [T,B].</param>
    /// <param name="returns">A_t + V_t, [T,B].</param>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<float> nextValues,
        ReadOnlySpan<float> discounts, ReadOnlySpan<bool> episodeEnds, int steps, int envs, float lambda,
        Span<float> advantages, Span<float> returns)
    {
        int n = TimeMajor.Size(steps, envs);
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "GAE needs 0 ≤ λ ≤ 1");
        if (rewards.Length != n || values.Length != n || nextValues.Length != n || discounts.Length != n
            || episodeEnds.Length != n || advantages.Length != n || returns.Length != n)
            throw new ArgumentException($"rewards, values, nextValues, discounts, episodeEnds, advantages and returns must each hold steps × envs = {steps} × {envs} = {n} entries; got {rewards.Length}, {values.Length}, {nextValues.Length}, {discounts.Length}, {episodeEnds.Length}, {advantages.Length}, {returns.Length}");
        for (int b = 0; b < envs; b++)
        {
            double a = 0; // A_{t+1}
            for (int t = steps - 1; t >= 0; t--)
            {
                int i = t * envs + b;
                double d = discounts[i], v = values[i];
                double delta = rewards[i] + (d == 0 ? 0 : d * nextValues[i]) - v; // V'_t unread when terminated
                a = delta + (episodeEnds[i] ? 0 : d * lambda * a);
                advantages[i] = (float)a;
                returns[i] = (float)(a + v);
            }
        }
    }

    /// <summary>
    /// The true next-state values V'_t for <see cref="Compute"/> and <see cref="LambdaReturns.Compute"/>, [T,B]:
    /// <paramref name="finalValues"/>[t,b] where the episode ended at step t; otherwise
    /// <paramref name="values"/>[t+1,b] for t &lt; T − 1, and <paramref name="bootstrap"/>[b] at t = T − 1.
    /// </summary>
    /// <param name="values">V(s_t), [T,B].</param>
    /// <param name="bootstrap">V of the observation after the last step, [B].</param>
    /// <param name="episodeEnds">terminated_t ∨ truncated_t, [T,B].</param>
    /// <param name="finalValues">V of the final observation of the episode that ended at t, [T,B]; read only
    /// where <paramref name="episodeEnds"/> is set (for a terminated step any value will do).</param>
    /// <param name="steps">T ≥ 0.</param>
    /// <param name="envs">B ≥ 1.</param>
    /// <param name="nextValues">V'_t, [T,B].</param>
    public static void NextValues(ReadOnlySpan<float> values, ReadOnlySpan<float> bootstrap, ReadOnlySpan<bool> episodeEnds,
        ReadOnlySpan<float> finalValues, int steps, int envs, Span<float> nextValues)
    {
        int n = TimeMajor.Size(steps, envs);
        if (bootstrap.Length != envs)
            throw new ArgumentException($"bootstrap must hold one value per env copy ({envs}); got {bootstrap.Length}");
        if (values.Length != n || episodeEnds.Length != n || finalValues.Length != n || nextValues.Length != n)
            throw new ArgumentException($"values, episodeEnds, finalValues and nextValues must each hold steps × envs = {steps} × {envs} = {n} entries; got {values.Length}, {episodeEnds.Length}, {finalValues.Length}, {nextValues.Length}");
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < envs; b++)
            {
                int i = t * envs + b;
                nextValues[i] = episodeEnds[i] ? finalValues[i] : t == steps - 1 ? bootstrap[b] : values[i + envs];
            }
    }

}

/// <summary>Argument checks shared by the time-major [T,B] estimators.</summary>
internal static class TimeMajor
{
    /// <summary>T·B after checking T ≥ 0, B ≥ 1 and that the product fits in a span.</summary>
    internal static int Size(int steps, int envs)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0");
        if (envs < 1) throw new ArgumentOutOfRangeException(nameof(envs), envs, "envs must be ≥ 1");
        long n = (long)steps * envs;
        if (n > Array.MaxLength) throw new ArgumentException($"steps × envs = {steps} × {envs} is larger than any span");
        return (int)n;
    }
}
