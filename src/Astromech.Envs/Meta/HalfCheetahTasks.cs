using Astromech.Envs.MuJoCo;
using Astromech.Envs.Registry;

namespace Astromech.Envs.Meta;

/// <summary>
/// HalfCheetahVel: run at a goal velocity (Finn et al. 2017, MAML's "HalfCheetah, goal velocity").
/// reward = −|v_x − v_goal| − 0.05 · ‖a‖², task = [v_goal] with v_goal ~ U[0, 2]. Same model, frame skip, reset and
/// observation as <see cref="HalfCheetah"/> (v5: 17 numbers; the goal is not observed). Info adds goal_velocity.
/// </summary>
public sealed class HalfCheetahVel : HalfCheetahTask
{
    public const double MinGoal = 0.0, MaxGoal = 2.0;

    public HalfCheetahVel() : base("goal_velocity") { }

    /// <summary>The current goal velocity (m/s), NaN before the first reset draws one; setting it sets the task.</summary>
    [EnvArg("goal_velocity", Help = "target forward velocity in [0, 2] m/s (the task)")]
    public double GoalVelocity
    {
        get => Task;
        set => SetTask(stackalloc double[] { value });
    }

    public override double[] SampleTask(Random rng) => new[] { MinGoal + (MaxGoal - MinGoal) * rng.NextDouble() };

    protected override void Validate(double value)
    {
        if (!(value >= MinGoal && value <= MaxGoal))
            throw new ArgumentOutOfRangeException("goal_velocity", value, $"goal_velocity must lie in [{MinGoal}, {MaxGoal}]");
    }

    protected override double TaskReward(double xVelocity, double goal) => -Math.Abs(xVelocity - goal);
}

/// <summary>
/// HalfCheetahDir: run forward or backward (Finn et al. 2017, MAML's "HalfCheetah, forward/backward").
/// reward = d · v_x − 0.05 · ‖a‖², task = [d] with d ∈ {−1, +1} equally likely. Otherwise as <see cref="HalfCheetah"/>.
/// Info adds direction.
/// </summary>
public sealed class HalfCheetahDir : HalfCheetahTask
{
    public HalfCheetahDir() : base("direction") { }

    /// <summary>The current direction, +1 (forward) or −1 (backward), NaN before the first reset; setting it sets the task.</summary>
    [EnvArg("direction", Help = "+1 to run forward, -1 to run backward (the task)")]
    public double Direction
    {
        get => Task;
        set => SetTask(stackalloc double[] { value });
    }

    public override double[] SampleTask(Random rng) => new[] { rng.Next(2) == 0 ? -1.0 : 1.0 };

    protected override void Validate(double value)
    {
        if (value is not (1.0 or -1.0))
            throw new ArgumentOutOfRangeException("direction", value, "direction must be +1 or -1");
    }

    protected override double TaskReward(double xVelocity, double direction) => direction * xVelocity;
}

/// <summary>
/// A HalfCheetah whose reward depends on one task parameter: forward_reward_weight · (task term) − ctrl_cost_weight ·
/// ‖a‖², with ctrl_cost_weight defaulting to 0.05 (MAML's 0.5 · 0.1) instead of HalfCheetah-v5's 0.1.
/// </summary>
public abstract class HalfCheetahTask : HalfCheetah, ITaskFamily
{
    /// <summary>Default weight of ‖a‖² in the task rewards.</summary>
    public const double TaskCtrlCostWeight = 0.05;

    private double _task;
    private bool _hasTask;

    protected HalfCheetahTask(string taskKey) : base("x_position", "x_velocity", "reward_forward", "reward_ctrl", taskKey) =>
        CtrlCostWeight = TaskCtrlCostWeight;

    public int TaskSize => 1;

    [EnvArg("resample_task_on_reset", Help = "draw a new task at every reset instead of keeping the current one")]
    public bool ResampleTaskOnReset { get; set; }

    public double[]? CurrentTask => _hasTask ? new[] { _task } : null;

    /// <summary>The current task parameter, NaN before a task is set or drawn (the first reset draws one).</summary>
    protected double Task => _hasTask ? _task : double.NaN;

    public abstract double[] SampleTask(Random rng);

    public void SetTask(ReadOnlySpan<double> task)
    {
        if (task.Length != 1) throw new ArgumentException($"a {GetType().Name} task has 1 parameter, got {task.Length}", nameof(task));
        Validate(task[0]);
        _task = task[0];
        _hasTask = true;
    }

    protected abstract void Validate(double value);

    protected abstract double TaskReward(double xVelocity, double task);

    protected override void ResetModel()
    {
        if (ResampleTaskOnReset || !_hasTask) SetTask(SampleTask(Rng));
        base.ResetModel();
    }

    protected override double Reward(double xVelocity, double ctrlSumOfSquares, StepInfo info)
    {
        double task = Task;
        double forward = ForwardRewardWeight * TaskReward(xVelocity, task);
        double ctrlCost = CtrlCostWeight * ctrlSumOfSquares;
        info.Set(2, forward);
        info.Set(3, -ctrlCost);
        info.Set(4, task);
        return forward - ctrlCost;
    }
}

/// <summary>Registers the meta-RL task families.</summary>
internal static class MetaTasks
{
    [EnvRegistration]
    internal static void Register()
    {
        EnvRegistry.Register(new EnvSpec("HalfCheetahVel-v0", () => new HalfCheetahVel(), 200, null,
            "HalfCheetah-v5 rewarded for running at a goal velocity v_goal ~ U[0, 2] (the task; MAML's 200-step episodes)."));
        EnvRegistry.Register(new EnvSpec("HalfCheetahDir-v0", () => new HalfCheetahDir(), 200, null,
            "HalfCheetah-v5 rewarded for running forward (+1) or backward (-1) (the task; MAML's 200-step episodes)."));
        foreach (int k in new[] { 5, 10, 50 })
            EnvRegistry.Register(new EnvSpec($"Bandit-k{k}", () => new BernoulliBandit(k), null, null,
                $"{k}-armed Bernoulli bandit, arm means ~ U[0, 1] per task; each episode is one pull (RL2's bandits; train with trial_episodes = pulls)."));
        EnvRegistry.Register(new EnvSpec("DependentBandit-v0", () => new BernoulliBandit(2, BanditPrior.Dependent), null, null,
            "Two-armed Bernoulli bandit with p1 ~ U[0, 1], p2 = 1 - p1 (Wang et al. 2016's dependent bandits); one pull per episode."));
        EnvRegistry.Register(new EnvSpec("InformativeArmBandit-v0", () => new InformativeArmBandit(), null, null,
            "Wang et al. 2016's 11-armed bandit: one of arms 0-9 pays 5, the rest 1, arm 10 pays 0.1 x (target arm + 1); one pull per episode."));
        EnvRegistry.Register(new EnvSpec("TabularMdp-S10-A5", () => new TabularMdp(10, 5, 10), null, null,
            "RL2's random MDPs: 10 states, 5 actions, horizon 10, rewards N(mu, 1) with mu ~ N(1, 1), transitions ~ flat Dirichlet per task."));
        EnvRegistry.Register(new EnvSpec("TabularMdp-S5-A2", () => new TabularMdp(5, 2, 10), null, null,
            "Small random MDPs as TabularMdp-S10-A5 (5 states, 2 actions, horizon 10), for fast checks."));
        // Physical parameters per task; the ranges are ours (about ×0.5 to ×2–4 around Gymnasium's defaults), not from a paper.
        EnvRegistry.Register(new EnvSpec("CartPoleRandomPhysics-v0", () => new PhysicsTaskFamily(new ClassicControl.CartPole(),
                new PhysicsParameter("masscart", 0.5, 2.0), new PhysicsParameter("masspole", 0.05, 0.5), new PhysicsParameter("length", 0.25, 1.0)), 500, null,
            "CartPole-v1 with masscart ~ U[0.5, 2], masspole ~ U[0.05, 0.5], length ~ U[0.25, 1] drawn per task (defaults 1, 0.1, 0.5)."));
        EnvRegistry.Register(new EnvSpec("PendulumRandomPhysics-v0", () => new PhysicsTaskFamily(new ClassicControl.Pendulum(),
                new PhysicsParameter("m", 0.5, 2.0), new PhysicsParameter("l", 0.5, 2.0)), 200, null,
            "Pendulum-v1 with mass m ~ U[0.5, 2] and length l ~ U[0.5, 2] drawn per task (defaults 1, 1)."));
        EnvRegistry.Register(new EnvSpec("PointNav2D-v0", () => new Astromech.Envs.Wrappers.ClipAction(new PointNavigation()), null, null,
            "MAML's 2D navigation: reach a goal ~ U[-0.5, 0.5]^2 from the origin with steps clipped to [-0.1, 0.1]^2; reward -distance; 100 steps."));
    }
}
