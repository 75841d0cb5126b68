using Astromech.Returns;

namespace Astromech.Tests.Returns;

public class VTraceTests
{
    // On-policy unroll, T = 4, B = 2, γ = 0.9, index t·2 + b:
    //   env 0: r = 1, 2, 3, 4;  V = 0.5, 1, 2, 1;  terminal at t = 1 (d_1 = 0; row 2 starts a new episode);  bootstrap 3.
    //   env 1: r = 0, 1, 0, 2;  V = 1, 1, 1, 1;    no terminal;  bootstrap −2.
    static readonly float[] R = { 1, 0, 2, 1, 3, 0, 4, 2 };
    static readonly float[] V = { 0.5f, 1, 1, 1, 2, 1, 1, 1 };
    static readonly float[] D = { 0.9f, 0.9f, 0, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f };
    static readonly float[] Bootstrap = { 3, -2 };

    [Fact]
    public void OnPolicyTargetsAreDiscountedReturnsCutAtTerminals()
    {
        // logρ = 0 ⇒ ρ = c = 1, so v_s = r_s + d_s·v_{s+1} with v_T = bootstrap (the λ = 1 / n-step return):
        //   env 0: v_3 = 4 + 0.9·3 = 6.7;  v_2 = 3 + 0.9·6.7 = 9.03;  v_1 = 2 + 0·… = 2;  v_0 = 1 + 0.9·2 = 2.8.
        //          (Via the recursion: δ_3 = 4 + 2.7 − 1 = 5.7, δ_2 = 3 + 0.9 − 2 = 1.9, v_2 − V_2 = 1.9 + 0.9·5.7 = 7.03, …)
        //   env 1: v_3 = 2 − 1.8 = 0.2;  v_2 = 0 + 0.9·0.2 = 0.18;  v_1 = 1 + 0.9·0.18 = 1.162;  v_0 = 0.9·1.162 = 1.0458.
        // pg advantages = r_s + d_s·v_{s+1} − V_s (= v_s − V_s on-policy):
        //   env 0: 2.8 − 0.5 = 2.3, 2 − 1 = 1, 9.03 − 2 = 7.03, 6.7 − 1 = 5.7;
        //   env 1: 0.0458, 0.162, 0.18 − 1 = −0.82, 0.2 − 1 = −0.8.
        float[] expectedVs = { 2.8f, 1.0458f, 2, 1.162f, 9.03f, 0.18f, 6.7f, 0.2f };
        float[] expectedPg = { 2.3f, 0.0458f, 1, 0.162f, 7.03f, -0.82f, 5.7f, -0.8f };
        var vs = new float[8];
        var pg = new float[8];
        VTrace.Compute(new float[8], D, R, V, Bootstrap, 4, 2, vs, pg);
        Close.All(expectedVs, vs);
        Close.All(expectedPg, pg);

        // Bars above 1 change nothing on-policy.
        VTrace.Compute(new float[8], D, R, V, Bootstrap, 4, 2, vs, pg, rhoBar: 3, cBar: 2, pgRhoBar: 5);
        Close.All(expectedVs, vs);
        Close.All(expectedPg, pg);

        // The same targets from the n-step returns of env 0 (n ≥ T, dones at the terminal, V(s_0..s_4) with s_4 → bootstrap)...
        var nstep = new float[4];
        NStepReturns.Compute(new float[] { 1, 2, 3, 4 }, new[] { false, true, false, false }, new float[] { 0.5f, 1, 2, 1, 3 },
            n: 4, gamma: 0.9f, nstep);
        Close.All(new[] { vs[0], vs[2], vs[4], vs[6] }, nstep);
        // ...and from the λ = 1 returns with V' = next row / bootstrap and the terminal as the episode end.
        var lam = new float[8];
        LambdaReturns.Compute(R, new float[] { 1, 1, float.NaN, 1, 1, 1, 3, -2 }, D,
            new[] { false, false, true, false, false, false, false, false }, 4, 2, 1f, lam);
        Close.All(vs, lam);
    }

    // Off-policy, T = 3, B = 1, γ = 0.9: r = 1, 0, 2;  V = 1, 2, 0.5;  bootstrap 1, so V_{t+1} = 2, 0.5, 1.
    // Ratios e^{logρ} = 2, 0.5, 1.25 with ρ̄ = 1.5, c̄ = 1, ρ̄_pg = 1.2:
    //   ρ = 1.5 (clipped), 0.5, 1.25;   min(c̄, ·) = 1 (clipped), 0.5, 1;   pg ratio = 1.2 (clipped), 0.5, 1.2 (clipped).
    //   δ_2 = 1.25·(2 + 0.9·1 − 0.5) = 1.25·2.4 = 3;  δ_1 = 0.5·(0 + 0.9·0.5 − 2) = −0.775;  δ_0 = 1.5·(1 + 0.9·2 − 1) = 2.7.
    static readonly float[] OffLogRhos = { MathF.Log(2), MathF.Log(0.5f), MathF.Log(1.25f) };
    static readonly float[] OffR = { 1, 0, 2 };
    static readonly float[] OffV = { 1, 2, 0.5f };
    static readonly float[] OffD = { 0.9f, 0.9f, 0.9f };
    static readonly float[] OffBootstrap = { 1 };

    [Fact]
    public void ClippedRatiosAndTraces()
    {
        // λ = 1, so c = 1, 0.5, 1:
        //   v_2 − V_2 = 3                                   ⇒ v_2 = 3.5
        //   v_1 − V_1 = −0.775 + 0.9·0.5·3 = 0.575          ⇒ v_1 = 2.575
        //   v_0 − V_0 = 2.7 + 0.9·1·0.575 = 3.2175          ⇒ v_0 = 4.2175   (unclipped c_0 = 2 would give 3.735)
        // pg: t = 2: 1.2·(2 + 0.9·1 − 0.5) = 2.88;  t = 1: 0.5·(0 + 0.9·3.5 − 2) = 0.575;  t = 0: 1.2·(1 + 0.9·2.575 − 1) = 2.781.
        var vs = new float[3];
        var pg = new float[3];
        VTrace.Compute(OffLogRhos, OffD, OffR, OffV, OffBootstrap, 3, 1, vs, pg, rhoBar: 1.5f, cBar: 1f, pgRhoBar: 1.2f);
        Close.All(new[] { 4.2175f, 2.575f, 3.5f }, vs);
        Close.All(new[] { 2.781f, 0.575f, 2.88f }, pg);
    }

    [Fact]
    public void LambdaScalesTheTraces()
    {
        var vs = new float[3];
        var pg = new float[3];
        // λ = 0.5, so c = 0.5, 0.25, 0.5:
        //   v_2 = 0.5 + 3 = 3.5;  v_1 − V_1 = −0.775 + 0.9·0.25·3 = −0.1 ⇒ v_1 = 1.9;  v_0 − V_0 = 2.7 + 0.9·0.5·(−0.1) = 2.655 ⇒ v_0 = 3.655.
        //   pg: 2.88;  0.575;  t = 0: 1.2·(1 + 0.9·1.9 − 1) = 1.2·1.71 = 2.052.
        VTrace.Compute(OffLogRhos, OffD, OffR, OffV, OffBootstrap, 3, 1, vs, pg, 1.5f, 1f, 1.2f, lambda: 0.5f);
        Close.All(new[] { 3.655f, 1.9f, 3.5f }, vs);
        Close.All(new[] { 2.052f, 0.575f, 2.88f }, pg);

        // λ = 0: no traces, v_s = V_s + δ_s = 1 + 2.7 = 3.7, 2 − 0.775 = 1.225, 0.5 + 3 = 3.5;
        //   pg t = 0: 1.2·(1 + 0.9·1.225 − 1) = 1.2·1.1025 = 1.323.
        VTrace.Compute(OffLogRhos, OffD, OffR, OffV, OffBootstrap, 3, 1, vs, pg, 1.5f, 1f, 1.2f, lambda: 0f);
        Close.All(new[] { 3.7f, 1.225f, 3.5f }, vs);
        Close.All(new[] { 1.323f, 0.575f, 2.88f }, pg);
    }

    [Fact]
    public void ArgumentErrors()
    {
        var vs = new float[8];
        var pg = new float[8];
        var lr = new float[8];
        Assert.Throws<ArgumentException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, pg, rhoBar: 1, cBar: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, pg, rhoBar: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, pg, cBar: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, pg, pgRhoBar: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, pg, rhoBar: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, pg, lambda: 1.5f));
        Assert.Throws<ArgumentException>(() => VTrace.Compute(lr, D, R, V, new float[] { 3 }, 4, 2, vs, pg));
        Assert.Throws<ArgumentException>(() => VTrace.Compute(new float[7], D, R, V, Bootstrap, 4, 2, vs, pg));
        Assert.Throws<ArgumentException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 2, vs, new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => VTrace.Compute(lr, D, R, V, Bootstrap, 4, 0, vs, pg));
        VTrace.Compute([], [], [], [], Bootstrap, 0, 2, [], []);
    }
}
