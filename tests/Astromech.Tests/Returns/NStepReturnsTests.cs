using Astromech.Returns;

namespace Astromech.Tests.Returns;

public class NStepReturnsTests
{
    [Fact]
    public void HandWorkedReturnsWithADoneAndTheArrayEnd()
    {
        float[] r = { 1, 2, 4, 8, 16 };
        bool[] done = { false, true, false, false, false };
        var ret = new float[5];
        var disc = new float[5];
        NStepReturns.Compute(r, done, n: 2, gamma: 0.5f, ret, disc);
        Assert.Equal(new[] { 1 + 0.5f * 2, 2, 4 + 0.5f * 8, 8 + 0.5f * 16, 16 }, ret);
        Assert.Equal(new[] { 0f, 0f, 0.25f, 0.25f, 0.5f }, disc);

        float[] v = { 10, 20, 30, 40, 50, 60 };
        var full = new float[5];
        NStepReturns.Compute(r, done, v, n: 2, gamma: 0.5f, full);
        // G_t = reward part + discount · V(s_{t+m}): t=0,1 end in the done step; t=2 → V(s4); t=3 → V(s5); t=4 → V(s5)
        Assert.Equal(new[] { 2f, 2, 4 + 4 + 0.25f * 50, 8 + 8 + 0.25f * 60, 16 + 0.5f * 60 }, full);
    }

    [Fact]
    public void OneStepIsRewardPlusDiscountedNextValue()
    {
        float[] r = { 1, 2, 3 };
        bool[] done = { false, false, true };
        float[] v = { 0, 10, 20, 30 };
        var g = new float[3];
        NStepReturns.Compute(r, done, v, n: 1, gamma: 0.9f, g);
        Assert.Equal(new[] { 1 + 0.9f * 10, 2 + 0.9f * 20, 3 }, g);
        Assert.Throws<ArgumentException>(() => NStepReturns.Compute(r, done, new float[3], 1, 0.9f, g));
        Assert.Throws<ArgumentOutOfRangeException>(() => NStepReturns.Compute(r, done, v, 0, 0.9f, g));
    }
}
