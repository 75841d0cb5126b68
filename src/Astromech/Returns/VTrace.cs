namespace Astromech.Returns;

/// <summary>
/// V-trace off-policy value targets and policy-gradient advantages (Espeholt et al. 2018, IMPALA) over an unroll
/// of T steps × B env copies, stored time-major and flattened row-major: entry (t, b) is at index t·B + b in every
/// [T,B] array.
/// <para>With importance ratios π(a_t|x_t)/μ(a_t|x_t) = e^{logρ_t}, truncated ρ_t = min(ρ̄, e^{logρ_t}) and
/// trace coefficients c_t = λ·min(c̄, e^{logρ_t}), discounts d_t, and V_{t+1} = <c>values</c>[t+1] or
/// <c>bootstrap</c> at t = T − 1:
/// δ_t = ρ_t·(r_t + d_t·V_{t+1} − V_t),  v_t − V_t = δ_t + d_t·c_t·(v_{t+1} − V_{t+1}) with v_T − V_T = 0,
/// and the policy-gradient advantages min(ρ̄_pg, e^{logρ_t})·(r_t + d_t·v_{t+1} − V_t) with v_T = <c>bootstrap</c>.</para>
/// <para>An episode ending inside the unroll is expressed by d_t = 0 at its terminal step (the next row belongs
/// to a new episode): nothing after t flows into v_t. On-policy (logρ = 0) with ρ̄, c̄ ≥ 1 and λ = 1, v_t is the
/// discounted return bootstrapped from <c>bootstrap</c> and cut at terminals. The paper assumes ρ̄ ≥ c̄, which
/// is checked.</para>
/// <para>The recursion and the ratios are computed in double for each env copy and rounded to float once per
/// stored entry. The outputs must not overlap <c>values</c> (V_{t+1} is read after v_{t+1} is written).
/// Allocates nothing.</para>
/// </summary>
public static partial class VTrace
{
    /// <summary>
    /// V-trace targets v_t into <paramref name="vs"/> and policy-gradient advantages into
    /// <paramref name="pgAdvantages"/>, both [T,B].
    /// </summary>
    /// <param name="logRhos">log π(a_t|x_t) − log μ(a_t|x_t), target over behaviour policy, [T,B].</param>
    /// <param name="discounts">d_t = γ·(1 − terminated_t), [T,B].</param>
    /// <param name="rewards">r_t, [T,B].</param>
    /// <param name="values">V(x_t) under the current value function, [T,B].</param>
    /// <param name="bootstrap">V(x_T), the state after the last step, [B].</param>
    /// <param name="steps">T ≥ 0.</param>
    /// <param name="envs">B ≥ 1.</param>
    /// <param name="vs">v_t, [T,B].</param>
    /// <param name="pgAdvantages">min(ρ̄_pg, e^{logρ_t})·(r_t + d_t·v_{t+1} − V_t), [T,B].</param>
    /// <param name="rhoBar">ρ̄ &gt; 0, the truncation of ρ_t in δ_t (fixes which value function v converges to).</param>
    /// <param name="cBar">c̄ with 0 &lt; c̄ ≤ ρ̄, the truncation of the trace coefficients c_t (speed of convergence).</param>
    /// <param name="pgRhoBar">ρ̄_pg &gt; 0, the truncation of the ratio in the policy-gradient advantages.</param>
    /// <param name="lambda">λ in [0, 1], scaling every c_t (λ = 0 leaves the one-step target V_t + δ_t).</param>
    public static void Compute(ReadOnlySpan<float> logRhos, ReadOnlySpan<float> discounts, ReadOnlySpan<float> rewards,
        ReadOnlySpan<float> values, ReadOnlySpan<float> bootstrap, int steps, int envs, Span<float> vs,
        Span<float> pgAdvantages, float rhoBar = 1f, float cBar = 1f, float pgRhoBar = 1f, float lambda = 1f)
    {
        int n = TimeMajor.Size(steps, envs);
        if (!(rhoBar > 0)) throw new ArgumentOutOfRangeException(nameof(rhoBar), rhoBar, "V-trace needs ρ̄ > 0");
        if (!(cBar > 0)) throw new ArgumentOutOfRangeException(nameof(cBar), cBar, "V-trace needs c̄ > 0");
        if (!(pgRhoBar > 0)) throw new ArgumentOutOfRangeException(nameof(pgRhoBar), pgRhoBar, "V-trace needs ρ̄_pg > 0");
        if (cBar > rhoBar) throw new ArgumentException($"V-trace assumes ρ̄ ≥ c̄; got rhoBar = {rhoBar}, cBar = {cBar}", nameof(cBar));
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "V-trace needs 0 ≤ λ ≤ 1");
        if (bootstrap.Length != envs)
            throw new ArgumentException($"bootstrap must hold one value per env copy ({envs}); got {bootstrap.Length}");
        if (logRhos.Length != n || discounts.Length != n || rewards.Length != n || values.Length != n
            || vs.Length != n || pgAdvantages.Length != n)
            throw new ArgumentException($"logRhos, discounts, rewards, values, vs and pgAdvantages must each hold steps × envs = {steps} × {envs} = {n} entries; got {logRhos.Length}, {discounts.Length}, {rewards.Length}, {values.Length}, {vs.Length}, {pgAdvantages.Length}");
        for (int b = 0; b < envs; b++)
        {
            double acc = 0; // v_{t+1} − V_{t+1}
            for (int t = steps - 1; t >= 0; t--)
            {
                int i = t * envs + b;
                double ratio = Math.Exp(logRhos[i]);
                double rho = Math.Min(rhoBar, ratio), c = lambda * Math.Min(cBar, ratio), pgRho = Math.Min(pgRhoBar, ratio);
                double d = discounts[i], r = rewards[i], v = values[i];
                double vNext = t == steps - 1 ? bootstrap[b] : values[i + envs]; // V_{t+1}
                pgAdvantages[i] = (float)(pgRho * (r + d * (vNext + acc) - v)); // v_{t+1} = V_{t+1} + acc
                acc = rho * (r + d * vNext - v) + d * c * acc;
                vs[i] = (float)(v + acc);
            }
        }
    }
}
