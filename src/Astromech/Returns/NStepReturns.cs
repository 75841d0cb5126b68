namespace Astromech.Returns;

/// <summary>
/// Discounted n-step returns over a stretch of T consecutive steps of one env copy:
/// G_t = Σ_{k&lt;m} γ^k r_{t+k} + γ^m V(s_{t+m}), where the window of m ≤ n steps is cut short at the first step
/// whose done flag is set (that step's reward is included; nothing is bootstrapped after it) and at the end of
/// the array (bootstrapping from the value after the last step). Done means the episode terminated: a
/// truncated episode needs the value of its final observation, which the caller supplies by splitting the
/// array there. Allocates nothing.
/// </summary>
public static partial class NStepReturns
{
    /// <summary>
    /// The reward part Σ_{k&lt;m} γ^k r_{t+k} into <paramref name="returns"/>[t] and the bootstrap factor into
    /// <paramref name="discounts"/>[t]: γ^m, or 0 when the window ends in a done step (the convention of
    /// <see cref="Adders.NStepAdder"/>). The bootstrap state is t + m.
    /// </summary>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> dones, int n, float gamma,
        Span<float> returns, Span<float> discounts)
    {
        int T = rewards.Length;
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n-step needs n ≥ 1");
        if (dones.Length != T || returns.Length != T || discounts.Length != T)
            throw new ArgumentException($"rewards, dones, returns and discounts must have one entry per step; got {T}, {dones.Length}, {returns.Length}, {discounts.Length}");
        for (int t = 0; t < T; t++)
        {
            float ret = 0, g = 1;
            bool done = false;
            for (int k = t; k < Math.Min(t + n, T); k++)
            {
                ret += g * rewards[k];
                g *= gamma;
                if (dones[k]) { done = true; break; }
            }
            returns[t] = ret;
            discounts[t] = done ? 0f : g;
        }
    }

    /// <summary>
    /// Full n-step returns bootstrapped from <paramref name="values"/>, which holds V(s_t) for t = 0..T (one
    /// more than there are steps: the last is the value of the state after the last step).
    /// </summary>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> dones, ReadOnlySpan<float> values,
        int n, float gamma, Span<float> returns)
    {
        int T = rewards.Length;
        if (values.Length != T + 1) throw new ArgumentException($"values must hold T + 1 = {T + 1} entries (the last bootstraps the final step); got {values.Length}");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n-step needs n ≥ 1");
        if (dones.Length != T || returns.Length != T)
            throw new ArgumentException($"rewards, dones and returns must have one entry per step; got {T}, {dones.Length}, {returns.Length}");
        for (int t = 0; t < T; t++)
        {
            float ret = 0, g = 1;
            int k = t, end = Math.Min(t + n, T);
            bool done = false;
            for (; k < end; k++)
            {
                ret += g * rewards[k];
                g *= gamma;
                if (dones[k]) { done = true; break; }
            }
            returns[t] = done ? ret : ret + g * values[end];
        }
    }
}
