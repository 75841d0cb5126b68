using Astromech.Returns;

namespace Astromech.Tests.Returns;

public class GaeTests
{
    // Two env copies, T = 4, γ = 0.9, time-major (index t·2 + b).
    //   env 0: r = 1, 0, 2, 1;  V = 1, 2, 3, 4;    terminated at t = 1 (d_1 = 0);  bootstrap 5.
    //   env 1: r = 0, 1, 1, 2;  V = 2, 1, 0.5, 3;  truncated at t = 2 (d_2 = γ, final obs value 4);  bootstrap −1.
    static readonly float[] R = { 1, 0, 0, 1, 2, 1, 1, 2 };
    static readonly float[] V = { 1, 2, 2, 1, 3, 0.5f, 4, 3 };
    static readonly float[] D = { 0.9f, 0.9f, 0, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f };
    static readonly bool[] Ends = { false, false, true, false, false, true, false, false };
    static readonly float[] Bootstrap = { 5, -1 };
    // 99 where the episode did not end (must not be read); NaN at the terminated step (discount 0, never read).
    static readonly float[] Final = { 99, 99, float.NaN, 99, 99, 4, 99, 99 };
    // V'_t: env 0 = V_1, (terminated), V_3, bootstrap = 2, NaN, 4, 5; env 1 = V_1, V_2, final, bootstrap = 1, 0.5, 4, −1.
    static readonly float[] Next = { 2, 1, float.NaN, 0.5f, 4, 4, 5, -1 };

    [Fact]
    public void NextValuesTakesTheNextRowTheBootstrapOrTheFinalValue()
    {
        var next = new float[8];
        Gae.NextValues(V, Bootstrap, Ends, Final, steps: 4, envs: 2, next);
        Close.All(Next, next, 0);
    }

    [Fact]
    public void OneEnvHandWorked()
    {
        // T = 3, γ = 0.9, λ = 0.5, no ends: r = 1, 2, 3; V = 0.5, 1, 1.5; bootstrap 2, so V' = 1, 1.5, 2.
        // δ_0 = 1 + 0.9·1 − 0.5 = 1.4;  δ_1 = 2 + 0.9·1.5 − 1 = 2.35;  δ_2 = 3 + 0.9·2 − 1.5 = 3.3.  γλ = 0.45.
        // A_2 = 3.3;  A_1 = 2.35 + 0.45·3.3 = 3.835;  A_0 = 1.4 + 0.45·3.835 = 3.12575.
        // R = A + V = 3.62575, 4.835, 4.8.
        float[] r = { 1, 2, 3 }, v = { 0.5f, 1, 1.5f }, d = { 0.9f, 0.9f, 0.9f };
        bool[] ends = new bool[3];
        var next = new float[3];
        Gae.NextValues(v, new float[] { 2 }, ends, new float[3], 3, 1, next);
        Close.All(new float[] { 1, 1.5f, 2 }, next, 0);
        var adv = new float[3];
        var ret = new float[3];
        Gae.Compute(r, v, next, d, ends, 3, 1, 0.5f, adv, ret);
        Close.All(new[] { 3.12575f, 3.835f, 3.3f }, adv);
        Close.All(new[] { 3.62575f, 4.835f, 4.8f }, ret);
    }

    [Fact]
    public void TerminationAndTruncationInsideTheUnroll()
    {
        // λ = 0.95, so γλ = 0.855 where the chain continues.
        // env 0 (terminated at t = 1):
        //   δ_3 = 1 + 0.9·5 − 4 = 1.5;  δ_2 = 2 + 0.9·4 − 3 = 2.6;  δ_1 = 0 + 0 − 2 = −2 (V' unread);  δ_0 = 1 + 0.9·2 − 1 = 1.8.
        //   A_3 = 1.5;  A_2 = 2.6 + 0.855·1.5 = 3.8825;  A_1 = −2 (d_1 = 0 cuts);  A_0 = 1.8 + 0.855·(−2) = 0.09.
        //   R = 1.09, 0, 6.8825, 5.5.
        // env 1 (truncated at t = 2, bootstraps from the final value 4 but the λ chain is cut there):
        //   δ_3 = 2 + 0.9·(−1) − 3 = −1.9;  δ_2 = 1 + 0.9·4 − 0.5 = 4.1;  δ_1 = 1 + 0.9·0.5 − 1 = 0.45;  δ_0 = 0 + 0.9·1 − 2 = −1.1.
        //   A_3 = −1.9;  A_2 = 4.1;  A_1 = 0.45 + 0.855·4.1 = 3.9555;  A_0 = −1.1 + 0.855·3.9555 = 2.2819525.
        //   R = 4.2819525, 4.9555, 4.6, 1.1.
        var adv = new float[8];
        var ret = new float[8];
        Gae.Compute(R, V, Next, D, Ends, 4, 2, 0.95f, adv, ret);
        Close.All(new[] { 0.09f, 2.2819525f, -2, 3.9555f, 3.8825f, 4.1f, 1.5f, -1.9f }, adv);
        Close.All(new[] { 1.09f, 4.2819525f, 0, 4.9555f, 6.8825f, 4.6f, 5.5f, 1.1f }, ret);
    }

    [Fact]
    public void LambdaZeroIsTheTdErrorAndLambdaOneTheMonteCarloAdvantage()
    {
        var adv = new float[8];
        var ret = new float[8];
        // λ = 0: A_t = δ_t (from the case above): env 0 = 1.8, −2, 2.6, 1.5; env 1 = −1.1, 0.45, 4.1, −1.9;
        // R_t = r_t + d_t·V'_t: env 0 = 2.8, 0, 5.6, 5.5; env 1 = 0.9, 1.45, 4.6, 1.1.
        Gae.Compute(R, V, Next, D, Ends, 4, 2, 0f, adv, ret);
        Close.All(new[] { 1.8f, -1.1f, -2, 0.45f, 2.6f, 4.1f, 1.5f, -1.9f }, adv);
        Close.All(new[] { 2.8f, 0.9f, 0, 1.45f, 5.6f, 4.6f, 5.5f, 1.1f }, ret);

        // λ = 1: A_t = δ_t + d_t·A_{t+1} within an episode.
        //   env 0: A_3 = 1.5;  A_2 = 2.6 + 0.9·1.5 = 3.95;  A_1 = −2;  A_0 = 1.8 + 0.9·(−2) = 0.
        //          R = 1, 0, 6.95, 5.5 — the discounted return: R_2 = 2 + 0.9·1 + 0.81·5 = 6.95, R_0 = 1 + 0.9·0 = 1.
        //   env 1: A_3 = −1.9;  A_2 = 4.1;  A_1 = 0.45 + 0.9·4.1 = 4.14;  A_0 = −1.1 + 0.9·4.14 = 2.626.
        //          R = 4.626, 5.14, 4.6, 1.1 — R_0 = 0 + 0.9·1 + 0.81·1 + 0.729·4 = 4.626 (bootstrapped from the final value).
        Gae.Compute(R, V, Next, D, Ends, 4, 2, 1f, adv, ret);
        Close.All(new[] { 0f, 2.626f, -2, 4.14f, 3.95f, 4.1f, 1.5f, -1.9f }, adv);
        Close.All(new[] { 1f, 4.626f, 0, 5.14f, 6.95f, 4.6f, 5.5f, 1.1f }, ret);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    [InlineData(0.95f)]
    [InlineData(1f)]
    public void GaeReturnsEqualLambdaReturnsOnRandomData(float lambda)
    {
        const int T = 64, B = 3;
        var rng = new Random(1234 + (int)(lambda * 100));
        float[] r = new float[T * B], v = new float[T * B], d = new float[T * B], final = new float[T * B];
        bool[] ends = new bool[T * B];
        float[] boot = new float[B];
        for (int i = 0; i < T * B; i++)
        {
            r[i] = (float)(rng.NextDouble() * 4 - 2);
            v[i] = (float)(rng.NextDouble() * 10 - 5);
            final[i] = (float)(rng.NextDouble() * 10 - 5);
            double u = rng.NextDouble();
            bool terminated = u < 0.08, truncated = !terminated && u < 0.15;
            ends[i] = terminated || truncated;
            d[i] = terminated ? 0 : 0.97f;
        }
        for (int b = 0; b < B; b++) boot[b] = (float)(rng.NextDouble() * 10 - 5);

        var next = new float[T * B];
        Gae.NextValues(v, boot, ends, final, T, B, next);
        var adv = new float[T * B];
        var gaeRet = new float[T * B];
        var lamRet = new float[T * B];
        Gae.Compute(r, v, next, d, ends, T, B, lambda, adv, gaeRet);
        LambdaReturns.Compute(r, next, d, ends, T, B, lambda, lamRet);
        Close.All(lamRet, gaeRet, 1e-5f);
        for (int i = 0; i < T * B; i++) Assert.Equal(gaeRet[i] - v[i], adv[i], 1e-4f);
    }

    [Fact]
    public void ArgumentErrors()
    {
        var adv = new float[8];
        var ret = new float[8];
        Assert.Throws<ArgumentException>(() => Gae.Compute(R, V, Next, D, Ends, 4, 2, 0.95f, new float[7], ret));
        Assert.Throws<ArgumentException>(() => Gae.Compute(R, V, Next, D, Ends, 4, 2, 0.95f, adv, new float[9]));
        Assert.Throws<ArgumentException>(() => Gae.Compute(R, V, new float[6], D, Ends, 4, 2, 0.95f, adv, ret));
        Assert.Throws<ArgumentException>(() => Gae.Compute(R, V, Next, D, new bool[8], 3, 2, 0.95f, new float[6], new float[6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(R, V, Next, D, Ends, 4, 2, 1.5f, adv, ret));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(R, V, Next, D, Ends, 4, 2, float.NaN, adv, ret));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(R, V, Next, D, Ends, -1, 2, 0.95f, adv, ret));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(R, V, Next, D, Ends, 4, 0, 0.95f, adv, ret));

        var next = new float[8];
        Assert.Throws<ArgumentException>(() => Gae.NextValues(V, new float[] { 5 }, Ends, Final, 4, 2, next));
        Assert.Throws<ArgumentException>(() => Gae.NextValues(V, Bootstrap, Ends, new float[4], 4, 2, next));
        Assert.Throws<ArgumentException>(() => Gae.NextValues(V, Bootstrap, Ends, Final, 4, 2, new float[10]));

        // An empty rollout is fine.
        Gae.Compute([], [], [], [], [], 0, 2, 0.95f, [], []);
        Gae.NextValues([], Bootstrap, [], [], 0, 2, []);
    }
}
