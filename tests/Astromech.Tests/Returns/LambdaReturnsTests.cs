using Astromech.Returns;

namespace Astromech.Tests.Returns;

public class LambdaReturnsTests
{
    // The rollout of GaeTests, T = 4, B = 2, γ = 0.9, index t·2 + b:
    //   env 0: r = 1, 0, 2, 1;  terminated at t = 1;  V' = 2, (unread), 4, 5 (5 = bootstrap).
    //   env 1: r = 0, 1, 1, 2;  truncated at t = 2 with final value 4;  V' = 1, 0.5, 4, −1 (−1 = bootstrap).
    static readonly float[] R = { 1, 0, 0, 1, 2, 1, 1, 2 };
    static readonly float[] D = { 0.9f, 0.9f, 0, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f };
    static readonly bool[] Ends = { false, false, true, false, false, true, false, false };
    static readonly float[] Next = { 2, 1, float.NaN, 0.5f, 4, 4, 5, -1 };

    [Fact]
    public void OneEnvHandWorked()
    {
        // T = 3, γ = 0.9, λ = 0.5, no ends: r = 1, 2, 3; V' = 1, 1.5, 2.
        // G_2 = 3 + 0.9·2 = 4.8 (last step: G_3 := V'_2);
        // G_1 = 2 + 0.9·(0.5·1.5 + 0.5·4.8) = 2 + 0.9·3.15 = 4.835;
        // G_0 = 1 + 0.9·(0.5·1 + 0.5·4.835) = 1 + 0.9·2.9175 = 3.62575   (the GAE returns of GaeTests.OneEnvHandWorked).
        var g = new float[3];
        LambdaReturns.Compute(new float[] { 1, 2, 3 }, new float[] { 1, 1.5f, 2 }, new float[] { 0.9f, 0.9f, 0.9f },
            new bool[3], 3, 1, 0.5f, g);
        Close.All(new[] { 3.62575f, 4.835f, 4.8f }, g);
    }

    [Fact]
    public void TerminationAndTruncationInsideTheUnroll()
    {
        // λ = 0.95, 1 − λ = 0.05.
        // env 0: G_3 = 1 + 0.9·5 = 5.5;  G_2 = 2 + 0.9·(0.05·4 + 0.95·5.5) = 2 + 0.9·5.425 = 6.8825;
        //        G_1 = 0 + 0 = 0 (terminated: V' unread, nothing after flows in);  G_0 = 1 + 0.9·(0.05·2 + 0.95·0) = 1.09.
        // env 1: G_3 = 2 + 0.9·(−1) = 1.1;  G_2 = 1 + 0.9·4 = 4.6 (truncated: G_3 replaced by the final value 4);
        //        G_1 = 1 + 0.9·(0.05·0.5 + 0.95·4.6) = 1 + 0.9·4.395 = 4.9555;
        //        G_0 = 0 + 0.9·(0.05·1 + 0.95·4.9555) = 0.9·4.757725 = 4.2819525.
        // (The same numbers as the GAE returns A + V in GaeTests.TerminationAndTruncationInsideTheUnroll.)
        var g = new float[8];
        LambdaReturns.Compute(R, Next, D, Ends, 4, 2, 0.95f, g);
        Close.All(new[] { 1.09f, 4.2819525f, 0, 4.9555f, 6.8825f, 4.6f, 5.5f, 1.1f }, g);
    }

    [Fact]
    public void LambdaZeroIsTheTdTargetAndLambdaOneTheMonteCarloReturn()
    {
        var g = new float[8];
        // λ = 0: G_t = r_t + d_t·V'_t.  env 0: 1 + 0.9·2 = 2.8, 0, 2 + 0.9·4 = 5.6, 1 + 0.9·5 = 5.5;
        //                              env 1: 0 + 0.9·1 = 0.9, 1 + 0.9·0.5 = 1.45, 1 + 0.9·4 = 4.6, 2 − 0.9 = 1.1.
        LambdaReturns.Compute(R, Next, D, Ends, 4, 2, 0f, g);
        Close.All(new[] { 2.8f, 0.9f, 0, 1.45f, 5.6f, 4.6f, 5.5f, 1.1f }, g);

        // λ = 1: discounted reward sums, cut at the termination, bootstrapped at the truncation and at the end.
        //   env 0: G_3 = 1 + 0.9·5 = 5.5;  G_2 = 2 + 0.9·5.5 = 6.95;  G_1 = 0;  G_0 = 1 + 0.9·0 = 1.
        //   env 1: G_3 = 1.1;  G_2 = 1 + 0.9·4 = 4.6;  G_1 = 1 + 0.9·4.6 = 5.14;  G_0 = 0 + 0.9·5.14 = 4.626.
        LambdaReturns.Compute(R, Next, D, Ends, 4, 2, 1f, g);
        Close.All(new[] { 1f, 4.626f, 0, 5.14f, 6.95f, 4.6f, 5.5f, 1.1f }, g);
    }

    [Fact]
    public void ArgumentErrors()
    {
        var g = new float[8];
        Assert.Throws<ArgumentException>(() => LambdaReturns.Compute(R, Next, D, Ends, 4, 2, 0.95f, new float[7]));
        Assert.Throws<ArgumentException>(() => LambdaReturns.Compute(R, new float[4], D, Ends, 4, 2, 0.95f, g));
        Assert.Throws<ArgumentException>(() => LambdaReturns.Compute(R, Next, D, new bool[9], 4, 2, 0.95f, g));
        Assert.Throws<ArgumentException>(() => LambdaReturns.Compute(R, Next, D, Ends, 2, 2, 0.95f, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => LambdaReturns.Compute(R, Next, D, Ends, 4, 2, -0.1f, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => LambdaReturns.Compute(R, Next, D, Ends, 4, -2, 0.95f, g));
        LambdaReturns.Compute([], [], [], [], 0, 1, 0.95f, []);
    }
}
