
namespace Astromech.Tests.Learning;

/// <summary>
/// Ape-X learns CartPole-v1 with the shipped preset (2 actor threads × 2 env copies, per-copy ε_i, actor-side
/// priorities, rate-limited to 32 samples per inserted transition) on seed 0, judged like the other threaded
/// agents by its best periodic evaluation (100 greedy episodes) against Gymnasium's threshold of 475. Threads
/// make the run not bit-repeatable; the rate limiter makes the updates per env step independent of their speeds.
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class ApexLearningTests
{
    [Fact]
    public void ApexWithTwoActorThreadsSolvesCartPole()
    {
        var s = PresetRun.Train("apex", "CartPole-v1", 0, 25_000, 5_000, 100, 475);
        Assert.True(s.BestEvalMeanReturn >= 475, $"Ape-X best periodic evaluation within 25k steps: {s.BestEvalMeanReturn} (final {s.EvalMeanReturn})");
    }
}
