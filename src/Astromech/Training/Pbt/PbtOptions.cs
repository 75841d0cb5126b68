using Astromech.Envs;
using Astromech.Training.Config;

namespace Astromech.Training.Pbt;

/// <summary>How the worse members take over better ones (Jaderberg et al. 2017, §3.1 "exploit").</summary>
public enum PbtExploit
{
    /// <summary>Rank by score; each member of the bottom truncation_fraction copies a random member of the top truncation_fraction.</summary>
    Truncation,
    /// <summary>Each member compares itself with one other member drawn at random and copies it when that member's mean is
    /// higher and Welch's t-test rejects equal means at ttest_alpha.</summary>
    TTest,
}

/// <summary>How a member that copied another changes the copied hyperparameters (§3.1 "explore").</summary>
public enum PbtExplore
{
    /// <summary>Multiply each hyperparameter by perturb_low or perturb_high (0.8 or 1.2), at random, kept inside its range.</summary>
    Perturb,
    /// <summary>With probability resample_probability draw each hyperparameter afresh from its prior range, otherwise perturb it.</summary>
    Resample,
}

/// <summary>What ranks the members at a ready point.</summary>
public enum PbtScoreSource
{
    /// <summary>The slice's final deterministic evaluation over eval_episodes episodes.</summary>
    Eval,
    /// <summary>The mean (and spread) of the member's last 100 training episodes (no extra episodes; lags the policy by up to 100 episodes).</summary>
    TrainMean,
}

/// <summary>Which evaluation episodes score the members at a ready point (with score = eval).</summary>
public enum PbtEvalSeed
{
    /// <summary>Each member its own episodes (its run seed's evaluation seed): the ranking carries the spread between episode sets.</summary>
    Member,
    /// <summary>Every member the same episodes, from a seed that changes with each ready point (common random numbers): members
    /// are compared on identical starting states, so the ranking is not decided by who drew the easier episodes.</summary>
    Shared,
}

/// <summary>The schedule of a population-based training run; the search space is given separately (<see cref="HyperparameterRange"/>).</summary>
public sealed record PbtOptions : IValidatableConfig
{
    [ConfigRange(2, 1024)] public int Population { get; init; } = 4;
    /// <summary>Env steps each member trains between ready points (exploit/explore happen at every ready point).</summary>
    [ConfigRange(1, 1e12)] public long ReadyInterval { get; init; } = 20_000;
    /// <summary>Env steps per member over the whole run.</summary>
    [ConfigRange(1, 1e13)] public long TotalSteps { get; init; } = 200_000;
    public PbtExploit Exploit { get; init; } = PbtExploit.Truncation;
    /// <summary>Share of the population in the bottom (copiers) and top (donors) groups of truncation selection.</summary>
    [ConfigRange(0, 0.5, MinExclusive = true)] public double TruncationFraction { get; init; } = 0.2;
    /// <summary>Significance level of t-test selection.</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double TtestAlpha { get; init; } = 0.05;
    public PbtExplore Explore { get; init; } = PbtExplore.Perturb;
    [ConfigRange(0, 1, MinExclusive = true)] public double PerturbLow { get; init; } = 0.8;
    [ConfigRange(1, 100, MinExclusive = true)] public double PerturbHigh { get; init; } = 1.2;
    [ConfigRange(0, 1)] public double ResampleProbability { get; init; } = 0.25;
    /// <summary>Members trained at once on worker threads; 1 trains them one after another (round-robin, one slice each).</summary>
    [ConfigRange(1, 256)] public int Workers { get; init; } = 1;
    /// <summary>Deterministic evaluation episodes that score a member at each ready point.</summary>
    [ConfigRange(1, 100_000)] public int EvalEpisodes { get; init; } = 10;
    /// <summary><c>eval</c> (default): rank by the deterministic evaluation; <c>train_mean</c>: by the last-100 training-episode mean.</summary>
    public PbtScoreSource Score { get; init; } = PbtScoreSource.Eval;
    /// <summary><c>member</c> (default): each member is evaluated on its own episodes; <c>shared</c>: all members on the same ones.</summary>
    public PbtEvalSeed EvalSeed { get; init; } = PbtEvalSeed.Member;
    public int Seed { get; init; } = 0;
    /// <summary>
    /// Deterministic episodes every final member is evaluated on after the last ready point, to choose the run's best member
    /// (held-out model selection). 0 (default): the last ready point's scores choose, as they rank the members for exploit.
    /// Those scores picked the maximum of several noisy estimates, so the chosen member is on average worse than its score
    /// says (winner's curse); a fresh evaluation on other episodes is an unbiased estimate of each member.
    /// </summary>
    [ConfigRange(0, 1_000_000)] public int FinalEvalEpisodes { get; init; } = 0;
    /// <summary>Seed of the final evaluation's episodes, the same for every member. Keep it apart from the seed of any test
    /// evaluation of the result (an evaluation seeds its env copy i with seed + i, i &lt; 16), or selection sees the test episodes.</summary>
    public int FinalEvalSeed { get; init; } = 424_242;

    public IEnumerable<string> Validate()
    {
        if (ReadyInterval > TotalSteps) yield return $"ready_interval ({ReadyInterval}) exceeds total_steps ({TotalSteps}): no ready point would happen";
        if (Exploit == PbtExploit.TTest && Score == PbtScoreSource.Eval && EvalEpisodes < 2) yield return "exploit = t_test needs eval_episodes ≥ 2 (a variance per member)";
    }
}

/// <summary>
/// One searched hyperparameter: a config key of the learner (learning_rate, ent_coef, kickstart_lambda…), its range, whether it is
/// sampled log-uniformly, and an optional starting value (otherwise each member starts from a draw from the range).
/// </summary>
public sealed record HyperparameterRange(string Key, double Min, double Max, bool Log = false, double? Initial = null)
{
    public double Clamp(double v) => Math.Clamp(v, Min, Max);

    public double Sample(Rng rng) => Log
        ? Math.Exp(Math.Log(Min) + rng.NextDouble() * (Math.Log(Max) - Math.Log(Min)))
        : Min + rng.NextDouble() * (Max - Min);

    public void Validate()
    {
        if (!(Min <= Max) || !double.IsFinite(Min) || !double.IsFinite(Max))
            throw new ConfigException($"hyperparameter '{Key}': min ({Min}) must be finite and not above max ({Max})");
        if (Log && Min <= 0) throw new ConfigException($"hyperparameter '{Key}': a log-scale range needs min > 0, got {Min}");
        if (Initial is double i && (i < Min || i > Max)) throw new ConfigException($"hyperparameter '{Key}': initial {i} lies outside [{Min}, {Max}]");
    }
}
