using Astromech.Envs.Meta;
using Astromech.Envs.Meta.Baselines;
using Astromech.Envs.Registry;

namespace Astromech.Envs.Tests.Rl2;

public class Rl2BaselineTests
{
    private static readonly float[] Nothing = { 0 };

    /// <summary>Feeds a bandit policy a history of (arm, reward) pulls.</summary>
    private static void Feed(ITrialPolicy p, params (int Arm, double Reward)[] pulls)
    {
        foreach (var (arm, r) in pulls) p.Observe(arm, r, Nothing, true);
    }

    private static double Frequency(Func<Random, bool> trial, int n, int seed)
    {
        var rng = new Rng(seed);
        int hits = 0;
        for (int i = 0; i < n; i++) if (trial(rng)) hits++;
        return (double)hits / n;
    }

    private static void AssertProbability(double expected, double observed, int n) =>
        Assert.InRange(observed, expected - 4 * Math.Sqrt(expected * (1 - expected) / n), expected + 4 * Math.Sqrt(expected * (1 - expected) / n));

    [Fact]
    public void GittinsIndexMatchesHandWorkedCases()
    {
        var g = new GittinsIndex(12);
        // One pull left: the index is the posterior mean (s + 1)/(s + f + 2).
        Assert.Equal(0.5, g.Index(0, 0, 1), 4);
        Assert.Equal(4.0 / 7, g.Index(3, 2, 1), 4);
        // Two pulls left from the prior: 2λ = ½ + ½·⅔ + ½·λ at indifference, so λ = 5/9.
        Assert.Equal(5.0 / 9, g.Index(0, 0, 2), 4);
        // More pulls left make exploring worth more: the index grows with the horizon and exceeds the mean.
        for (int r = 2; r <= 10; r++) Assert.True(g.Index(0, 0, r) > g.Index(0, 0, r - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Index(5, 5, 5));
    }

    [Fact]
    public void Ucb1TriesEveryArmThenTakesTheLargestBound()
    {
        var p = new Ucb1Bandit(2);
        p.BeginTrial(10);
        var rng = new Rng(0);
        Feed(p, (0, 1));
        Assert.Equal(1, p.Act(Nothing, rng)); // the unpulled arm first
        // Arm 0: 3 pulls, 2 wins → 2/3 + √(2 ln 4 / 3) = 1.628; arm 1: 1 pull, 0 wins → √(2 ln 4) = 1.665.
        Feed(p, (0, 1), (0, 0), (1, 0));
        Assert.Equal(1, p.Act(Nothing, rng));
        // One more win on arm 0: 3/4 + √(2 ln 5 / 4) = 1.647 against √(2 ln 5) = 1.794, still arm 1; a zero coefficient is greedy.
        Feed(p, (0, 1));
        Assert.Equal(1, p.Act(Nothing, rng));
        var greedy = new Ucb1Bandit(2, 0);
        greedy.BeginTrial(10);
        Feed(greedy, (0, 1), (0, 1), (0, 0), (1, 0));
        Assert.Equal(0, greedy.Act(Nothing, rng));
    }

    [Fact]
    public void ThompsonSamplingMatchesPosteriorProbabilities()
    {
        // Arm 0 after one win is Beta(2, 1), arm 1 is the prior Beta(1, 1): P(θ₀ > θ₁) = ∫ 2x · x dx = 2/3.
        var p = new ThompsonBandit(2);
        p.BeginTrial(10);
        Feed(p, (0, 1));
        const int n = 20_000;
        AssertProbability(2.0 / 3, Frequency(r => p.Act(Nothing, r) == 0, n, 1), n);
    }

    [Fact]
    public void EpsilonGreedyExploresWithProbabilityEpsilon()
    {
        var p = new EpsilonGreedyBandit(2, 0.3);
        p.BeginTrial(10);
        Feed(p, (0, 1), (1, 0));
        const int n = 20_000;
        // Greedy picks arm 0; a random pull picks it half the time: 0.7 + 0.15.
        AssertProbability(0.85, Frequency(r => p.Act(Nothing, r) == 0, n, 2), n);
        var greedy = new EpsilonGreedyBandit(3, 0);
        greedy.BeginTrial(10);
        Feed(greedy, (0, 0), (1, 1), (2, 0));
        Assert.Equal(1, greedy.Act(Nothing, new Rng(3)));
    }

    [Fact]
    public void PsrlDrawsFromTheConjugatePosterior()
    {
        // One state, two actions, one step: a Gaussian bandit under RL²'s prior. After action 0 paid 3 once, μ₀ ~ N(2, ½)
        // and μ₁ ~ N(1, 1), so PSRL takes action 0 with probability Φ(1 / √1.5) = 0.7929.
        var p = new PsrlPolicy(1, 2, 1, new Rng(9));
        float[] s0 = { 1 };
        p.BeginTrial(2);
        p.BeginEpisode(s0);
        p.Observe(0, 3.0, s0, true);
        const int n = 20_000;
        AssertProbability(0.7929, Frequency(r => { p.BeginEpisode(s0); return p.Act(s0, r) == 0; }, n, 4), n);
    }

    [Fact]
    public void CertaintyEquivalentPlanningLooksAheadOverTheHorizon()
    {
        // Two states. In 0, action 0 pays 1 and stays; action 1 pays 0 and moves to 1, where action 0 pays 5. With the
        // transitions seen many times, two steps left favour moving (0 + 5 > 1 + 1) and one step left favours staying.
        float[] s0 = { 1, 0 }, s1 = { 0, 1 };
        ITrialPolicy Trained(int horizon)
        {
            var p = new EpsilonGreedyMdpPolicy(2, 2, horizon, 0);
            p.BeginTrial(1);
            for (int i = 0; i < 2000; i++)
            {
                p.BeginEpisode(s0); p.Observe(0, 1, s0, false);
                p.BeginEpisode(s0); p.Observe(1, 0, s1, false);
                p.BeginEpisode(s1); p.Observe(0, 5, s1, false);
                p.BeginEpisode(s1); p.Observe(1, 0, s1, false);
            }
            p.BeginEpisode(s0);
            return p;
        }
        Assert.Equal(1, Trained(2).Act(s0, new Rng(0)));
        Assert.Equal(0, Trained(1).Act(s0, new Rng(0)));
    }

    [Fact]
    public void RandomPoliciesEarnThePriorMean()
    {
        // Bandits: arm means ~ U[0, 1], so a random pull pays ½ on average: n/2 per trial (RL² Table 1's random: 5.0 at n = 10).
        using var bandit = new TrialWrapper(EnvRegistry.Make("Bandit-k5"), 10);
        var tasks = ((ITaskFamily)bandit.Family).SampleTasks(new Rng(1), 2000);
        var b = TrialRunner.Run(new RandomBandit(5), bandit, tasks, 100).Select(t => t.Sum()).ToArray();
        AssertMean(5.0, b);
        // MDPs: every μ(s, a) has prior mean 1, so a random policy earns 1 per step: 100 per trial of 10 × 10 (Table 2: 100.1).
        using var mdp = new TrialWrapper(EnvRegistry.Make("TabularMdp-S10-A5"), 10);
        var mdpTasks = mdp.Family.SampleTasks(new Rng(2), 500);
        var m = TrialRunner.Run(new RandomMdpPolicy(10, 5, 10), mdp, mdpTasks, 200).Select(t => t.Sum()).ToArray();
        AssertMean(100.0, m);
    }

    [Fact]
    public void InformedPoliciesBeatRandomOnBandits()
    {
        using var bandit = new TrialWrapper(EnvRegistry.Make("Bandit-k5"), 10);
        var tasks = bandit.Family.SampleTasks(new Rng(3), 1000);
        double Mean(ITrialPolicy p) => TrialRunner.Run(p, bandit, tasks, 500).Average(t => t.Sum());
        double random = Mean(new RandomBandit(5));
        foreach (var p in new ITrialPolicy[] { new GittinsBandit(5), new Ucb1Bandit(5), new ThompsonBandit(5) })
            Assert.True(Mean(p) > random + 0.5, $"{p.Name} should beat random ({random:F2}) by more than half a reward per trial");
    }

    private static void AssertMean(double expected, double[] x)
    {
        double mean = x.Average();
        double se = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Sum() / (x.Length - 1) / x.Length);
        Assert.InRange(mean, expected - 4 * se, expected + 4 * se);
    }
}
