namespace Astromech.Envs.Meta.Baselines;

/// <summary>
/// A hand-designed learner that plays one trial of a task family: it is told when the trial and each inner episode
/// start, picks discrete actions from the inner observation, and sees each reward. The baselines RL² is compared with
/// (bandits: Gittins, UCB1, Thompson sampling, ε-greedy, greedy, random; tabular MDPs: PSRL, ε-greedy, random).
/// </summary>
public interface ITrialPolicy
{
    string Name { get; }

    /// <summary>A new task: forget everything. <paramref name="episodes"/> inner episodes follow.</summary>
    void BeginTrial(int episodes);

    /// <summary>An inner episode starts with observation <paramref name="obs"/>.</summary>
    void BeginEpisode(ReadOnlySpan<float> obs);

    int Act(ReadOnlySpan<float> obs, Random rng);

    /// <summary>The action taken, its reward, the next inner observation and whether the inner episode ended there.</summary>
    void Observe(int action, double reward, ReadOnlySpan<float> next, bool episodeEnd);
}

/// <summary>Shared bookkeeping of the Bernoulli-bandit baselines: pulls and successes per arm, pulls left in the trial.</summary>
public abstract class BanditPolicy : ITrialPolicy
{
    protected int[] Pulls = Array.Empty<int>();
    protected double[] Sums = Array.Empty<double>();
    protected int Total, Horizon;

    protected BanditPolicy(int arms)
    {
        if (arms < 2) throw new ArgumentOutOfRangeException(nameof(arms), arms, "a bandit has at least 2 arms");
        Arms = arms;
    }

    public int Arms { get; }
    public abstract string Name { get; }

    public virtual void BeginTrial(int episodes)
    {
        Pulls = new int[Arms];
        Sums = new double[Arms];
        Total = 0;
        Horizon = episodes;
    }

    public void BeginEpisode(ReadOnlySpan<float> obs) { }

    public abstract int Act(ReadOnlySpan<float> obs, Random rng);

    public virtual void Observe(int action, double reward, ReadOnlySpan<float> next, bool episodeEnd)
    {
        Pulls[action]++;
        Sums[action] += reward;
        Total++;
    }

    /// <summary>The arm with the largest score, ties broken uniformly at random.</summary>
    protected int ArgMax(Func<int, double> score, Random rng)
    {
        double best = double.NegativeInfinity;
        int pick = 0, ties = 0;
        for (int i = 0; i < Arms; i++)
        {
            double v = score(i);
            if (v > best) { best = v; pick = i; ties = 1; }
            else if (v == best && rng.Next(++ties) == 0) pick = i;
        }
        return pick;
    }
}

/// <summary>Uniformly random arms.</summary>
public sealed class RandomBandit(int arms) : BanditPolicy(arms)
{
    public override string Name => "random";
    public override int Act(ReadOnlySpan<float> obs, Random rng) => rng.Next(Arms);
}

/// <summary>
/// ε-greedy on the posterior means (s + 1)/(n + 2) of a Beta(1, 1) prior (an unpulled arm counts ½): with probability ε a
/// uniformly random arm, otherwise the best mean (ties at random). ε = 0 is the greedy baseline.
/// </summary>
public sealed class EpsilonGreedyBandit : BanditPolicy
{
    public EpsilonGreedyBandit(int arms, double epsilon) : base(arms)
    {
        if (!(epsilon >= 0 && epsilon <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must lie in [0, 1]");
        Epsilon = epsilon;
    }

    public double Epsilon { get; }
    public override string Name => Epsilon == 0 ? "greedy" : $"epsilon-greedy({Epsilon:0.###})";

    public override int Act(ReadOnlySpan<float> obs, Random rng) =>
        Epsilon > 0 && rng.NextDouble() < Epsilon ? rng.Next(Arms) : ArgMax(i => (Sums[i] + 1) / (Pulls[i] + 2), rng);
}

/// <summary>
/// UCB1 (Auer, Cesa-Bianchi & Fischer 2002): pull every arm once, then the arm maximizing x̄ᵢ + c·√(2 ln t / nᵢ), t the
/// pulls so far; c = 1 is the published rule, other c scale its bonus (RL²'s comparison tunes it).
/// <para>With <c>pseudoCount</c> every arm starts with one imaginary half-success (the Beta(1, 1) prior's mean): the score
/// is (sᵢ + 1)/(nᵢ + 2) + c·√(2 ln(t + k) / (nᵢ + 1)), so no arm has to be tried first. This is our variant, not Auer et
/// al.'s; it exists because textbook UCB1 spends the first k pulls on trying each arm, which at n = k is a random trial.</para>
/// </summary>
public sealed class Ucb1Bandit : BanditPolicy
{
    public Ucb1Bandit(int arms, double c = 1.0, bool pseudoCount = false) : base(arms)
    {
        if (!(c >= 0)) throw new ArgumentOutOfRangeException(nameof(c), c, "the UCB1 coefficient must be >= 0");
        C = c;
        PseudoCount = pseudoCount;
    }

    public double C { get; }
    public bool PseudoCount { get; }
    public override string Name => (PseudoCount ? "ucb1-prior" : "ucb1") + (C == 1.0 ? "" : $"(c={C:0.###})");

    public override int Act(ReadOnlySpan<float> obs, Random rng)
    {
        if (PseudoCount)
        {
            double logTk = Math.Log(Total + Arms);
            return ArgMax(i => (Sums[i] + 1) / (Pulls[i] + 2) + C * Math.Sqrt(2 * logTk / (Pulls[i] + 1)), rng);
        }
        for (int i = 0; i < Arms; i++) if (Pulls[i] == 0) return ArgMax(j => Pulls[j] == 0 ? 1 : 0, rng);
        double logT = Math.Log(Total);
        return ArgMax(i => Sums[i] / Pulls[i] + C * Math.Sqrt(2 * logT / Pulls[i]), rng);
    }
}

/// <summary>Thompson sampling (Thompson 1933) with Beta(1, 1) priors: draw θᵢ ~ Beta(1 + sᵢ, 1 + fᵢ) and pull the largest.</summary>
public sealed class ThompsonBandit(int arms) : BanditPolicy(arms)
{
    public override string Name => "thompson";

    public override int Act(ReadOnlySpan<float> obs, Random rng)
    {
        double best = double.NegativeInfinity;
        int pick = 0;
        for (int i = 0; i < Arms; i++)
        {
            double s = Sums[i];
            double theta = Distributions.Beta(rng, 1 + s, 1 + Pulls[i] - s);
            if (theta > best) { best = theta; pick = i; }
        }
        return pick;
    }
}

/// <summary>
/// The finite-horizon Gittins index policy (<see cref="GittinsIndex"/>): pull the arm with the largest index for its
/// posterior and the pulls left in the trial (undiscounted, Beta(1, 1) prior; ties at random). Rewards must be 0 or 1.
/// </summary>
public sealed class GittinsBandit(int arms) : BanditPolicy(arms)
{
    private GittinsIndex? _table;

    public override string Name => "gittins";

    public override void BeginTrial(int episodes)
    {
        base.BeginTrial(episodes);
        if (_table is null || _table.MaxPulls != episodes) _table = GittinsIndex.For(episodes);
    }

    public override int Act(ReadOnlySpan<float> obs, Random rng)
    {
        int left = Horizon - Total;
        if (left < 1) throw new InvalidOperationException($"gittins: the trial of {Horizon} pulls is over");
        return ArgMax(i => _table!.Index((int)Sums[i], Pulls[i] - (int)Sums[i], left), rng);
    }

    public override void Observe(int action, double reward, ReadOnlySpan<float> next, bool episodeEnd)
    {
        if (reward is not (0 or 1)) throw new ArgumentException($"gittins: the Bernoulli index needs rewards of 0 or 1, got {reward}");
        base.Observe(action, reward, next, episodeEnd);
    }
}

/// <summary>Draws from the distributions the posterior-sampling baselines need.</summary>
public static class Distributions
{
    public static double Normal(Random rng) => rng is Rng r ? r.NextGaussian()
        : Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());

    /// <summary>Gamma(shape, 1) by Marsaglia & Tsang (2000); shapes below 1 by the boost Gamma(a) = Gamma(a + 1)·U^(1/a).</summary>
    public static double Gamma(Random rng, double shape)
    {
        if (!(shape > 0)) throw new ArgumentOutOfRangeException(nameof(shape), shape, "the Gamma shape must be > 0");
        if (shape < 1) return Gamma(rng, shape + 1) * Math.Pow(1.0 - rng.NextDouble(), 1.0 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(rng); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    public static double Beta(Random rng, double a, double b)
    {
        double x = Gamma(rng, a), y = Gamma(rng, b);
        return x / (x + y);
    }
}
