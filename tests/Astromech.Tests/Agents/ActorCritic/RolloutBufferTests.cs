using Astromech.Agents.ActorCritic;

namespace Astromech.Tests.Agents.ActorCritic;

public class RolloutBufferTests
{
    [Fact]
    public void TruncatedEpisodesBootstrapFromTheirFinalObservationAndTerminatedOnesDoNot()
    {
        // One env copy, 3 steps, γ = 0.5, λ = 1, obs size 1 (the observation is its own value: V(s) = s).
        // Step 0: s = 1, r = 1, truncated, final obs 10 → next episode starts at s = 2.
        // Step 1: s = 2, r = 1, terminated.
        // Step 2: s = 3, r = 1, continues; next obs 4 (bootstrap).
        var b = new RolloutBuffer(3, 1, 1, 1);
        var no = new[] { false };
        var yes = new[] { true };
        b.Add(new[] { 1f }, new[] { 0f }, new[] { 0f }, new[] { 1f }, new[] { 1f }, no, yes, 0.5f, new[] { 10f });
        b.Add(new[] { 2f }, new[] { 0f }, new[] { 0f }, new[] { 2f }, new[] { 1f }, yes, no, 0.5f, new[] { 99f });
        b.Add(new[] { 3f }, new[] { 0f }, new[] { 0f }, new[] { 3f }, new[] { 1f }, no, no, 0.5f, new[] { 4f });
        Assert.Equal(new[] { 0 }, b.TruncatedRows());
        b.EvaluateBoundaries((obs, rows) => obs.AsSpan(0, rows).ToArray());
        Assert.Equal(10f, b.FinalValues[0]);
        Assert.Equal(4f, b.Bootstrap[0]);
        b.ComputeAdvantages(1f);
        // G0 = 1 + 0.5·V(final = 10) = 6; G1 = 1 (terminal); G2 = 1 + 0.5·4 = 3.
        Assert.Equal(new[] { 6f, 1f, 3f }, b.Returns);
        Assert.Equal(new[] { 5f, -1f, 0f }, b.Advantages);
    }

    [Fact]
    public void AddingToAFullRolloutIsAnError()
    {
        var b = new RolloutBuffer(1, 1, 1, 1);
        var f = new[] { false };
        b.Add(new[] { 0f }, new[] { 0f }, new[] { 0f }, new[] { 0f }, new[] { 0f }, f, f, 0.9f, new[] { 0f });
        var e = Assert.Throws<InvalidOperationException>(() =>
            b.Add(new[] { 0f }, new[] { 0f }, new[] { 0f }, new[] { 0f }, new[] { 0f }, f, f, 0.9f, new[] { 0f }));
        Assert.Contains("already holds", e.Message);
    }
}
