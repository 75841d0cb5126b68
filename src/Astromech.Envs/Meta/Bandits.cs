using Astromech.Envs.Spaces;

namespace Astromech.Envs.Meta;

/// <summary>How the arm means of a <see cref="BernoulliBandit"/> task are drawn.</summary>
public enum BanditPrior
{
    /// <summary>Every arm's mean independently ~ U[0, 1] (RL², Duan et al. 2016, section 5.1).</summary>
    Independent,
    /// <summary>Two arms, p₁ ~ U[0, 1] and p₂ = 1 − p₁ (Wang et al. 2016, "learning to reinforcement learn", the dependent bandits).</summary>
    Dependent,
}

/// <summary>
/// A k-armed Bernoulli bandit as an env whose episodes are one pull long, the form RL² trains on (a trial of n episodes is
/// n pulls): the observation is the constant [0], the action is an arm, the reward is 1 with the arm's probability and 0
/// otherwise, and every step terminates. The task is the vector of arm means; <see cref="Prior"/> says how tasks are drawn.
/// </summary>
public sealed class BernoulliBandit : Env, ITaskFamily
{
    private static readonly Box Observations = new(0f, 1f, new[] { 1 });
    private readonly Discrete _actions;
    private readonly double[] _means;
    private bool _hasTask;

    public BernoulliBandit(int arms, BanditPrior prior = BanditPrior.Independent)
    {
        if (arms < 2) throw new ArgumentOutOfRangeException(nameof(arms), arms, "a bandit needs at least 2 arms");
        if (prior == BanditPrior.Dependent && arms != 2)
            throw new ArgumentException($"the dependent prior (p2 = 1 - p1) is defined for 2 arms, not {arms}", nameof(arms));
        Arms = arms;
        Prior = prior;
        _actions = new Discrete(arms);
        _means = new double[arms];
    }

    public int Arms { get; }
    public BanditPrior Prior { get; }

    public override Space ObservationSpace => Observations;
    public override Space ActionSpace => _actions;

    public int TaskSize => Arms;
    public bool ResampleTaskOnReset { get; set; }
    public double[]? CurrentTask => _hasTask ? (double[])_means.Clone() : null;

    /// <summary>The current arm means (read-only view; empty meaning before a task is set).</summary>
    public ReadOnlySpan<double> Means => _means;

    public double[] SampleTask(Random rng)
    {
        var p = new double[Arms];
        if (Prior == BanditPrior.Dependent)
        {
            p[0] = rng.NextDouble();
            p[1] = 1 - p[0];
        }
        else for (int i = 0; i < Arms; i++) p[i] = rng.NextDouble();
        return p;
    }

    public void SetTask(ReadOnlySpan<double> task)
    {
        if (task.Length != Arms) throw new ArgumentException($"a {Arms}-armed bandit task has {Arms} arm means, got {task.Length}", nameof(task));
        for (int i = 0; i < task.Length; i++)
            if (!(task[i] >= 0 && task[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(task), task[i], $"arm {i}'s mean must lie in [0, 1]");
        if (Prior == BanditPrior.Dependent && Math.Abs(task[0] + task[1] - 1) > 1e-9)
            throw new ArgumentException($"a dependent bandit task needs p1 + p2 = 1, got {task[0]} + {task[1]}", nameof(task));
        task.CopyTo(_means);
        _hasTask = true;
    }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        if (ResampleTaskOnReset || !_hasTask) SetTask(SampleTask(Rng));
        obs[0] = 0;
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        int a = (int)action[0];
        obs[0] = 0;
        return new StepResult(Rng.NextDouble() < _means[a] ? 1 : 0, true, false);
    }
}

/// <summary>
/// Wang et al. (2016)'s 11-armed bandit with an informative arm: one of arms 0–9, drawn uniformly per task, pays
/// <see cref="TargetReward"/> (5), the other nine pay <see cref="OtherReward"/> (1), and arm 10 pays a tenth of the
/// target arm's number counted from one (0.1 … 1.0), so pulling it once reveals where the target is: the optimal trial
/// spends one pull on arm 10 and the rest on the target. Rewards are deterministic; episodes are one pull long.
/// The task is [target index].
/// </summary>
public sealed class InformativeArmBandit : Env, ITaskFamily
{
    public const int Arms = 11;
    public const double TargetReward = 5, OtherReward = 1;
    private static readonly Box Observations = new(0f, 1f, new[] { 1 });
    private static readonly Discrete Actions = new(Arms);
    private int _target = -1;

    public override Space ObservationSpace => Observations;
    public override Space ActionSpace => Actions;
    public int TaskSize => 1;
    public bool ResampleTaskOnReset { get; set; }
    public double[]? CurrentTask => _target < 0 ? null : new double[] { _target };

    /// <summary>The arm that pays 5, or −1 before a task is set.</summary>
    public int Target => _target;

    public double[] SampleTask(Random rng) => new double[] { rng.Next(Arms - 1) };

    public void SetTask(ReadOnlySpan<double> task)
    {
        if (task.Length != 1) throw new ArgumentException($"an informative-arm bandit task has 1 parameter (the target arm), got {task.Length}", nameof(task));
        if (!(task[0] >= 0 && task[0] <= Arms - 2) || task[0] != Math.Floor(task[0]))
            throw new ArgumentOutOfRangeException(nameof(task), task[0], "the target arm must be a whole number in [0, 9]");
        _target = (int)task[0];
    }

    /// <summary>What arm <paramref name="arm"/> pays in the current task.</summary>
    public double Payoff(int arm) => arm == Arms - 1 ? 0.1 * (_target + 1) : arm == _target ? TargetReward : OtherReward;

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        if (ResampleTaskOnReset || _target < 0) SetTask(SampleTask(Rng));
        obs[0] = 0;
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        obs[0] = 0;
        return new StepResult(Payoff((int)action[0]), true, false);
    }
}
