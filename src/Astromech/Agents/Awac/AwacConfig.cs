using Astromech.Training.Config;

namespace Astromech.Agents.Awac;

/// <summary>How AWAC turns advantages A = Q(s, a) − Q(s, a′) of a batch of B rows into actor weights w.</summary>
public enum AwacWeighting
{
    /// <summary>w = B · softmax(A/λ) over the batch: the authors' code (rlkit's AWACTrainer with normalize_over_batch = True,
    /// whose loss is −mean(log π · B · w)). The weights average to 1, whatever the scale of Q.</summary>
    BatchSoftmax,
    /// <summary>w = min(exp(A/λ), max_weight): CORL's AWAC (exp_adv_max = 100) and d3rlpy's.</summary>
    ClippedExp,
    /// <summary>w = exp(Â/λ) with Â = (A − mean A)/(std A + 1e-5) over the batch: rlkit's "whiten" option.</summary>
    Normalized,
}

/// <summary>
/// Advantage-Weighted Actor-Critic (Nair, Gupta, Dalal, Levine 2020, "AWAC: Accelerating Online Reinforcement Learning
/// with Offline Datasets"). Defaults: CORL's single-file AWAC (lr 3e-4 for actor and critics, batch 256, γ 0.99,
/// τ 5e-3, two hidden layers of 256, λ = 1, exp_adv_max = 100), with the authors' batch-softmax weighting. Differences
/// from the authors' code, on purpose: the actor is SAC's squashed Gaussian with a state-dependent σ (rlkit: four
/// layers of 256, a state-independent log σ clamped to [−6, 0]), there is no policy weight decay (rlkit: 1e-4) and
/// the batch is 256 (rlkit's MuJoCo scripts: 1024).
/// </summary>
public sealed record AwacConfig : IValidatableConfig
{
    /// <summary>Adam step size of the actor and the critics.</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 3e-4;
    /// <summary>Replay capacity in transitions: the dataset and the online data together (the dataset is never evicted
    /// unless online data overflow the capacity, oldest first).</summary>
    [ConfigRange(1, 1e9)] public int BufferSize { get; init; } = 2_000_000;
    /// <summary>Env steps before the first online update (0: the replay already holds the dataset).</summary>
    [ConfigRange(0, 1e12)] public long LearningStarts { get; init; } = 0;
    [ConfigRange(1, 1e6)] public int BatchSize { get; init; } = 256;
    /// <summary>Polyak rate of the target critics.</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double Tau { get; init; } = 5e-3;
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.99;
    /// <summary>Env steps between online training rounds.</summary>
    [ConfigRange(1, 1e9)] public int TrainFreq { get; init; } = 1;
    /// <summary>Gradient steps per online round (−1: one per env step collected).</summary>
    [ConfigRange(-1, 1e6)] public int GradientSteps { get; init; } = 1;
    /// <summary>The advantage weighting (see <see cref="AwacWeighting"/>).</summary>
    public AwacWeighting Weighting { get; init; } = AwacWeighting.BatchSoftmax;
    /// <summary>The temperature λ in exp(A/λ): small λ → greedy with respect to Q, large λ → behaviour cloning.</summary>
    [ConfigRange(0, 1e6, MinExclusive = true)] public double Lambda { get; init; } = 1.0;
    /// <summary>Upper clip of the weights of <see cref="AwacWeighting.ClippedExp"/>.</summary>
    [ConfigRange(0, 1e12, MinExclusive = true)] public double MaxWeight { get; init; } = 100.0;
    /// <summary>Hidden layer sizes of the actor and of each critic.</summary>
    public int[] NetArch { get; init; } = { 256, 256 };
    [ConfigRange(1, 4096)] public int NumEnvs { get; init; } = 1;

    public IEnumerable<string> Validate()
    {
        if (BatchSize > BufferSize)
            yield return $"batch_size ({BatchSize}) must not exceed buffer_size ({BufferSize})";
        if (NetArch.Length == 0 || NetArch.Any(h => h <= 0))
            yield return $"net_arch must list positive layer sizes, got [{string.Join(", ", NetArch)}]";
        if (GradientSteps == 0)
            yield return "gradient_steps must be positive, or -1 for one per env step";
    }
}
