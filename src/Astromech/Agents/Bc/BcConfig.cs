using Astromech.Training.Config;

namespace Astromech.Agents.Bc;

/// <summary>
/// Behaviour cloning: maximum likelihood of the dataset's actions, log π(a|s) averaged over batches sampled from the
/// replay. The policy is SAC's tanh-squashed Gaussian for Box actions and a softmax over logits for Discrete ones.
/// Defaults follow CORL's BC (lr 3e-4, batch 256, two hidden layers of 256; CORL regresses a deterministic actor with
/// MSE, here the likelihood of a stochastic one, so `eval` and AWAC's prior-data recipe can sample from it).
/// </summary>
public sealed record BcConfig : IValidatableConfig
{
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 3e-4;
    /// <summary>Replay capacity in transitions (the dataset, plus any online steps).</summary>
    [ConfigRange(1, 1e9)] public int BufferSize { get; init; } = 2_000_000;
    [ConfigRange(1, 1e6)] public int BatchSize { get; init; } = 256;
    /// <summary>Hidden layer sizes of the policy.</summary>
    public int[] NetArch { get; init; } = { 256, 256 };
    /// <summary>Online: env steps before the first update. BC online clones its own behaviour (the replay holds the dataset
    /// and then its own steps), which is rarely wanted; BC is meant to be trained with --offline-steps N --steps 0.</summary>
    [ConfigRange(0, 1e12)] public long LearningStarts { get; init; } = 0;
    [ConfigRange(1, 1e9)] public int TrainFreq { get; init; } = 1;
    [ConfigRange(-1, 1e6)] public int GradientSteps { get; init; } = 1;
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
