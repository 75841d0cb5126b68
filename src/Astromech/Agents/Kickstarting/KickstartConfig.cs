using Astromech.Agents.ActorCritic;
using Astromech.Training.Config;

namespace Astromech.Agents.Kickstarting;

/// <summary>
/// Kickstarting's settings (Schmitt et al. 2018, "Kickstarting Deep Reinforcement Learning"), a record of their own so any
/// learner's config can hold them under the key <c>kickstart</c>:
/// <code>  L = rl_loss_weight · L_RL + λ(step) · Σ_k w_k · H(π_k ‖ π)  </code>
/// The paper's defaults where it gives them (λ held or decayed over training; cross-entropy distillation). On-policy configs
/// also accept the older flat keys (<c>kickstart_lambda</c>, <c>rl_loss_weight</c>, ...) as aliases.
/// </summary>
public sealed record KickstartConfig : IValidatableConfig
{
    /// <summary>Teacher checkpoints (any saved Astromech policy with the same action space); empty: no kickstarting.</summary>
    public string[] Teachers { get; init; } = Array.Empty<string>();
    /// <summary>Weight w_k of each teacher's term (empty: 1 for every teacher).</summary>
    public double[] Weights { get; init; } = Array.Empty<double>();
    /// <summary>Multi-task routing: the task id each teacher covers (empty: every teacher sees every state).</summary>
    public int[] Tasks { get; init; } = Array.Empty<int>();
    /// <summary>Multi-task routing: the observation feature holding the task id of a state (rounded to an integer); −1: none.</summary>
    [ConfigRange(-1, 1e9)] public int TaskIndex { get; init; } = -1;
    /// <summary>λ at the start of the run (the schedule's start value; PBT's starting point under "pbt").</summary>
    [ConfigRange(0, 1e6)] public double Lambda { get; init; } = 1.0;
    public KickstartSchedule Schedule { get; init; } = KickstartSchedule.Constant;
    /// <summary>λ's final value for the linear schedule, and its floor for the exponential one.</summary>
    [ConfigRange(0, 1e6)] public double LambdaEnd { get; init; } = 0.0;
    /// <summary>Linear: env steps from λ to lambda_end. Exponential: env steps per halving of λ.</summary>
    [ConfigRange(1, 1e12)] public long DecaySteps { get; init; } = 100_000;
    /// <summary>Cross-entropy H(π_teacher, π_student) (the paper's) or KL(π_teacher ‖ π_student) (same gradient, reads 0 at a perfect copy).</summary>
    public KickstartLoss Loss { get; init; } = KickstartLoss.CrossEntropy;
    /// <summary>Temperature τ of Q-value teachers (DQN checkpoints): π_teacher = softmax(Q/τ).</summary>
    [ConfigRange(0, 1e6, MinExclusive = true)] public double Temperature { get; init; } = 1.0;
    /// <summary>Weight of the learner's own loss; 0 with teachers is pure policy distillation.</summary>
    [ConfigRange(0, 1e6)] public double RlLossWeight { get; init; } = 1.0;

    /// <summary>True when teachers are named.</summary>
    public bool Enabled => Teachers.Length > 0;

    /// <summary>These settings without teachers: what a loaded policy (a teacher, or a student under `astromech eval`) keeps,
    /// since it never needs the teachers it once learned from. λ and its schedule are kept.</summary>
    public KickstartConfig WithoutTeachers() =>
        this with { Teachers = Array.Empty<string>(), Weights = Array.Empty<double>(), Tasks = Array.Empty<int>(), TaskIndex = -1, RlLossWeight = 1.0 };

    public IEnumerable<string> Validate() => Validate(ConfigPath.Root);

    public IEnumerable<string> Validate(ConfigPath at)
    {
        int k = Teachers.Length;
        if (Weights.Length != 0 && Weights.Length != k)
            yield return $"{at.Name("weights")} has {Weights.Length} entries but {at.Name("teachers")} names {k} teachers (give one weight per teacher, or none)";
        if (Weights.Any(w => !(w >= 0) || double.IsInfinity(w)))
            yield return $"{at.Name("weights")} must be finite and ≥ 0, got [{string.Join(", ", Weights)}]";
        if (Tasks.Length != 0 && Tasks.Length != k)
            yield return $"{at.Name("tasks")} has {Tasks.Length} entries but {at.Name("teachers")} names {k} teachers (give one task id per teacher, or none)";
        if (Tasks.Length != 0 && TaskIndex < 0)
            yield return $"{at.Name("tasks")} needs {at.Name("task_index")} (the observation feature that holds each state's task id)";
        if (TaskIndex >= 0 && Tasks.Length == 0)
            yield return $"{at.Name("task_index")} is set but {at.Name("tasks")} is empty (give the task id of each teacher)";
        if (RlLossWeight == 0 && k == 0)
            yield return $"{at.Name("rl_loss_weight")} = 0 leaves nothing to learn from without {at.Name("teachers")}";
        if (Teachers.Any(string.IsNullOrWhiteSpace))
            yield return $"{at.Name("teachers")} holds an empty path";
    }
}

/// <summary>
/// A learner config that can take teachers (<c>kickstart</c>): the on-policy family and DQN. A loaded policy (a teacher
/// itself, or a student under <c>astromech eval</c>) is built from <see cref="WithoutTeachers"/>.
/// </summary>
public interface IKickstartableConfig
{
    KickstartConfig Kickstart { get; }

    /// <summary>A copy of the config with the kickstart settings' teachers removed.</summary>
    object WithoutTeachers();
}
