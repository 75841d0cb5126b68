using System.Globalization;
using Astromech.Training.Config;

namespace Astromech.Agents.Sac;

/// <summary>Exploration noise added to SAC's sampled action (in the [−1, 1] action scale) before clipping.</summary>
public enum ActionNoiseKind { None, Normal, OrnsteinUhlenbeck }

/// <summary>
/// Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications": twin Q-functions,
/// no separate V network, automatic entropy temperature). Defaults follow Stable-Baselines3's SAC: lr 3e-4 for
/// actor, critics and α; buffer 1M; batch 256; τ 0.005; γ 0.99; one gradient step per env step after 100
/// warm-up steps; ent_coef "auto" with target entropy −dim(A); net [256, 256]. Per-environment tunings live in
/// configs/sac/ (RL Zoo values). Action noise (SB3's NormalActionNoise / OrnsteinUhlenbeckActionNoise) is an
/// extra for hard-exploration tasks such as MountainCarContinuous.
/// </summary>
public sealed record SacConfig : IValidatableConfig
{
    /// <summary>Adam step size of the actor, the critics and the temperature.</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 3e-4;
    /// <summary>Replay capacity in transitions.</summary>
    [ConfigRange(1, 1e9)] public int BufferSize { get; init; } = 1_000_000;
    /// <summary>Env steps with uniformly random actions before the first update.</summary>
    [ConfigRange(0, 1e12)] public long LearningStarts { get; init; } = 100;
    [ConfigRange(1, 1e6)] public int BatchSize { get; init; } = 256;
    /// <summary>Polyak rate of the target critics: θ⁻ ← τθ + (1 − τ)θ⁻.</summary>
    [ConfigRange(0, 1, MinExclusive = true)] public double Tau { get; init; } = 0.005;
    /// <summary>Discount γ.</summary>
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.99;
    /// <summary>Env steps (summed over env copies) between training rounds.</summary>
    [ConfigRange(1, 1e9)] public int TrainFreq { get; init; } = 1;
    /// <summary>Gradient steps per training round; −1 means one per env step collected since the last round.</summary>
    [ConfigRange(-1, 1e6)] public int GradientSteps { get; init; } = 1;
    /// <summary>
    /// The entropy temperature α: "auto" (learned, starting at 1), "auto_X" (learned, starting at X), or a
    /// number such as "0.1" (fixed α).
    /// </summary>
    public string EntCoef { get; init; } = "auto";
    /// <summary>Entropy target of the learned α; null means −dim(A) (the paper's heuristic).</summary>
    public double? TargetEntropy { get; init; }
    /// <summary>Learner updates between Polyak updates of the target critics.</summary>
    [ConfigRange(1, 1e9)] public int TargetUpdateInterval { get; init; } = 1;
    /// <summary>Hidden layer sizes of the actor and of each critic.</summary>
    public int[] NetArch { get; init; } = { 256, 256 };
    public ActionNoiseKind ActionNoise { get; init; } = ActionNoiseKind.None;
    /// <summary>σ of the action noise (per action dimension, in the [−1, 1] scale).</summary>
    [ConfigRange(0, 1e3)] public double ActionNoiseSigma { get; init; } = 0.1;
    /// <summary>θ, the mean-reversion rate of Ornstein-Uhlenbeck noise.</summary>
    [ConfigRange(0, 1e3)] public double ActionNoiseTheta { get; init; } = 0.15;
    /// <summary>Time step of Ornstein-Uhlenbeck noise (SB3: 0.01): x ← x + θ(μ − x)dt + σ√dt·N(0, 1).</summary>
    [ConfigRange(0, 1e3, MinExclusive = true)] public double ActionNoiseDt { get; init; } = 1e-2;
    /// <summary>Env copies stepped together by the actor.</summary>
    [ConfigRange(1, 4096)] public int NumEnvs { get; init; } = 1;

    /// <summary>The parsed <see cref="EntCoef"/>: whether α is learned, and its initial (or fixed) value.</summary>
    public (bool Learned, double Initial) ParseEntCoef()
    {
        if (TryParseEntCoef(EntCoef, out var r, out var error)) return r;
        throw new ConfigException(nameof(SacConfig), new[] { error! });
    }

    private static bool TryParseEntCoef(string? s, out (bool Learned, double Initial) result, out string? error)
    {
        result = default;
        error = null;
        string text = (s ?? "").Trim();
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) { result = (true, 1.0); return true; }
        bool learned = text.StartsWith("auto_", StringComparison.OrdinalIgnoreCase);
        string number = learned ? text[5..] : text;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0)
        {
            result = (learned, v);
            return true;
        }
        error = $"ent_coef = \"{s}\" is not valid: use \"auto\", \"auto_X\" with X > 0 (learned α starting at X), or a positive number such as \"0.1\" (fixed α)";
        return false;
    }

    public IEnumerable<string> Validate()
    {
        if (!TryParseEntCoef(EntCoef, out _, out var error)) yield return error!;
        if (TargetEntropy is double te && !double.IsFinite(te))
            yield return $"target_entropy = {te} must be a finite number (or null for −dim(A))";
        if (BatchSize > BufferSize)
            yield return $"batch_size ({BatchSize}) must not exceed buffer_size ({BufferSize})";
        if (NetArch.Length == 0 || NetArch.Any(h => h <= 0))
            yield return $"net_arch must list positive layer sizes, got [{string.Join(", ", NetArch)}]";
        if (GradientSteps == 0)
            yield return "gradient_steps must be positive, or -1 for one per env step";
    }
}
