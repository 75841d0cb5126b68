namespace Astromech.Envs.Meta.Baselines;

/// <summary>
/// Shared part of the tabular-MDP baselines on <see cref="TabularMdp"/> tasks: the conjugate posterior of RL²'s prior
/// (mean rewards N(1, 1) with unit reward noise, so after n rewards summing to Σ the posterior of μ(s, a) is
/// N((1 + Σ)/(1 + n), 1/(1 + n)); transitions Dirichlet(1 + counts)), the current state read off the one-hot observation,
/// the step within the episode, and finite-horizon planning on a model.
/// </summary>
public abstract class TabularPolicy : ITrialPolicy
{
    protected readonly int S, A, H;
    protected readonly int[] N;          // visits of (s, a)
    protected readonly double[] RewardSum;
    protected readonly int[] Counts;     // (s, a, s') transitions
    protected readonly double[] Q;       // [t, s, a], t = 0 … H−1 steps into the episode
    protected readonly double[] ModelR, ModelP;
    protected int State, Step;

    protected TabularPolicy(int states, int actions, int horizon)
    {
        if (states < 1 || actions < 1 || horizon < 1)
            throw new ArgumentOutOfRangeException(nameof(states), $"states, actions and horizon must be >= 1, got {states}, {actions}, {horizon}");
        S = states; A = actions; H = horizon;
        N = new int[S * A];
        RewardSum = new double[S * A];
        Counts = new int[S * A * S];
        Q = new double[H * S * A];
        ModelR = new double[S * A];
        ModelP = new double[S * A * S];
    }

    public abstract string Name { get; }

    public virtual void BeginTrial(int episodes)
    {
        Array.Clear(N);
        Array.Clear(RewardSum);
        Array.Clear(Counts);
    }

    public virtual void BeginEpisode(ReadOnlySpan<float> obs)
    {
        State = ReadState(obs);
        Step = 0;
    }

    public abstract int Act(ReadOnlySpan<float> obs, Random rng);

    public void Observe(int action, double reward, ReadOnlySpan<float> next, bool episodeEnd)
    {
        int sa = State * A + action;
        N[sa]++;
        RewardSum[sa] += reward;
        int s2 = ReadState(next);
        Counts[sa * S + s2]++;
        State = s2;
        Step++;
    }

    private int ReadState(ReadOnlySpan<float> obs)
    {
        if (obs.Length < S) throw new ArgumentException($"{Name}: a {S}-state one-hot observation has {S} numbers, got {obs.Length}");
        for (int i = 0; i < S; i++) if (obs[i] == 1) return i;
        throw new ArgumentException($"{Name}: the observation is not a one-hot state");
    }

    /// <summary>Posterior mean of μ(s, a).</summary>
    protected double PosteriorMeanReward(int sa) =>
        (TabularMdp.RewardPriorMean / (TabularMdp.RewardPriorStd * TabularMdp.RewardPriorStd) + RewardSum[sa])
        / (1 / (TabularMdp.RewardPriorStd * TabularMdp.RewardPriorStd) + N[sa]);

    /// <summary>Fills <see cref="Q"/> by backward induction over the H steps of an episode on (<see cref="ModelR"/>, <see cref="ModelP"/>).</summary>
    protected void Plan()
    {
        Span<double> vNext = stackalloc double[S];
        vNext.Clear();
        for (int t = H - 1; t >= 0; t--)
        {
            for (int s = 0; s < S; s++)
                for (int a = 0; a < A; a++)
                {
                    int sa = s * A + a;
                    double q = ModelR[sa];
                    for (int j = 0; j < S; j++) q += ModelP[sa * S + j] * vNext[j];
                    Q[(t * S + s) * A + a] = q;
                }
            for (int s = 0; s < S; s++)
            {
                double best = double.NegativeInfinity;
                for (int a = 0; a < A; a++) best = Math.Max(best, Q[(t * S + s) * A + a]);
                vNext[s] = best;
            }
        }
    }

    /// <summary>The greedy action of the planned Q at the current state and step, ties at random.</summary>
    protected int Greedy(Random rng)
    {
        int t = Math.Min(Step, H - 1), pick = 0, ties = 0;
        double best = double.NegativeInfinity;
        for (int a = 0; a < A; a++)
        {
            double q = Q[(t * S + State) * A + a];
            if (q > best) { best = q; pick = a; ties = 1; }
            else if (q == best && rng.Next(++ties) == 0) pick = a;
        }
        return pick;
    }
}

/// <summary>Uniformly random actions.</summary>
public sealed class RandomMdpPolicy(int states, int actions, int horizon) : TabularPolicy(states, actions, horizon)
{
    public override string Name => "random";
    public override int Act(ReadOnlySpan<float> obs, Random rng) => rng.Next(A);
}

/// <summary>
/// Posterior sampling for RL (PSRL; Strens 2000, Osband, Russo & Van Roy 2013): at the start of every episode draw an
/// MDP from the posterior under RL²'s prior (<see cref="TabularPolicy"/>), plan on it for the episode's H steps, and act
/// greedily on that plan until the episode ends.
/// </summary>
public sealed class PsrlPolicy(int states, int actions, int horizon, Random sampler) : TabularPolicy(states, actions, horizon)
{
    public override string Name => "psrl";

    public override void BeginEpisode(ReadOnlySpan<float> obs)
    {
        base.BeginEpisode(obs);
        for (int sa = 0; sa < S * A; sa++)
        {
            double precision = 1 / (TabularMdp.RewardPriorStd * TabularMdp.RewardPriorStd) + N[sa] / (TabularMdp.RewardNoiseStd * TabularMdp.RewardNoiseStd);
            ModelR[sa] = PosteriorMeanReward(sa) + Distributions.Normal(sampler) / Math.Sqrt(precision);
            double sum = 0;
            for (int j = 0; j < S; j++) sum += ModelP[sa * S + j] = Distributions.Gamma(sampler, 1 + Counts[sa * S + j]);
            for (int j = 0; j < S; j++) ModelP[sa * S + j] /= sum;
        }
        Plan();
    }

    public override int Act(ReadOnlySpan<float> obs, Random rng) => Greedy(rng);
}

/// <summary>
/// ε-greedy on the certainty-equivalent model: at every episode start plan on the posterior-mean MDP (mean rewards as in
/// <see cref="TabularPolicy"/>, transitions (1 + counts)/(S + n)), then act greedily on it, or uniformly at random with
/// probability ε. ε = 0 is greedy.
/// </summary>
public sealed class EpsilonGreedyMdpPolicy : TabularPolicy
{
    public EpsilonGreedyMdpPolicy(int states, int actions, int horizon, double epsilon) : base(states, actions, horizon)
    {
        if (!(epsilon >= 0 && epsilon <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must lie in [0, 1]");
        Epsilon = epsilon;
    }

    public double Epsilon { get; }
    public override string Name => Epsilon == 0 ? "greedy" : $"epsilon-greedy({Epsilon:0.###})";

    public override void BeginEpisode(ReadOnlySpan<float> obs)
    {
        base.BeginEpisode(obs);
        for (int sa = 0; sa < S * A; sa++)
        {
            ModelR[sa] = PosteriorMeanReward(sa);
            for (int j = 0; j < S; j++) ModelP[sa * S + j] = (1.0 + Counts[sa * S + j]) / (S + N[sa]);
        }
        Plan();
    }

    public override int Act(ReadOnlySpan<float> obs, Random rng) => Epsilon > 0 && rng.NextDouble() < Epsilon ? rng.Next(A) : Greedy(rng);
}
