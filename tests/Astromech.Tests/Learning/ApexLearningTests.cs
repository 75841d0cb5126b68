
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
        // 50k steps: the RL Zoo's DQN budget for CartPole-v1, whose learner settings the preset uses. At 25k one CI run
        // peaked at 278.8 (8 other runs reached 475 within 25k); threads make each run differ.
        var s = PresetRun.Train("apex", "CartPole-v1", 0, 50_000, 5_000, 100, 475);
        Assert.True(s.BestEvalMeanReturn >= 475, $"Ape-X best periodic evaluation within 50k steps: {s.BestEvalMeanReturn} (final {s.EvalMeanReturn})");
    }
}
