using Astromech.Envs.Spaces;

namespace Astromech.Envs.Meta;

/// <summary>
/// RL²'s random tabular MDPs (Duan et al. 2016, section 5.2): S states, A actions, episodes of <see cref="Horizon"/> steps
/// that all start in state 0. A task draws, independently for every (s, a), the mean reward μ(s, a) ~ N(1, 1) and the
/// next-state distribution P(·|s, a) ~ Dirichlet(1, …, 1) (flat); a step in s with a pays r ~ N(μ(s, a), 1) and moves to
/// s' ~ P(·|s, a). The observation is the one-hot current state. The env truncates its own episodes after the horizon
/// (the limit follows the <c>horizon</c> argument, as <see cref="Memory.TMaze"/>'s does).
/// <para>Task vector layout: μ as S·A numbers (s-major), then P as S·A·S numbers (s, a, s').</para>
/// </summary>
public sealed class TabularMdp : Env, ITaskFamily, IOwnTimeLimit
{
    /// <summary>Prior of the mean rewards, N(<see cref="RewardPriorMean"/>, <see cref="RewardPriorStd"/>²), and the reward noise σ.</summary>
    public const double RewardPriorMean = 1.0, RewardPriorStd = 1.0, RewardNoiseStd = 1.0;

    private readonly Box _observations;
    private readonly Discrete _actions;
    private readonly double[] _mu, _p;
    private bool _hasTask;
    private int _state, _steps;

    public TabularMdp(int states, int actions, int horizon)
    {
        if (states < 1) throw new ArgumentOutOfRangeException(nameof(states), states, "states must be >= 1");
        if (actions < 1) throw new ArgumentOutOfRangeException(nameof(actions), actions, "actions must be >= 1");
        if (horizon < 1) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "horizon must be >= 1");
        States = states;
        ActionCount = actions;
        Horizon = horizon;
        _observations = new Box(0f, 1f, new[] { states });
        _actions = new Discrete(actions);
        _mu = new double[states * actions];
        _p = new double[states * actions * states];
    }

    public int States { get; }
    public int ActionCount { get; }
    public int Horizon { get; }
    public int MaxEpisodeSteps => Horizon;

    public override Space ObservationSpace => _observations;
    public override Space ActionSpace => _actions;

    public int TaskSize => States * ActionCount * (1 + States);
    public bool ResampleTaskOnReset { get; set; }
    public double[]? CurrentTask => _hasTask ? _mu.Concat(_p).ToArray() : null;

    /// <summary>The current state.</summary>
    public int State => _state;

    /// <summary>μ(s, a) of the current task.</summary>
    public double MeanReward(int s, int a) => _mu[s * ActionCount + a];

    /// <summary>P(s'|s, a) of the current task.</summary>
    public double Transition(int s, int a, int next) => _p[(s * ActionCount + a) * States + next];

    public double[] SampleTask(Random rng)
    {
        var task = new double[TaskSize];
        int sa = States * ActionCount;
        for (int i = 0; i < sa; i++) task[i] = RewardPriorMean + RewardPriorStd * Gaussian(rng);
        for (int i = 0; i < sa; i++)
        {
            // A flat Dirichlet draw: normalized independent Exp(1) variables (Gamma(1) = Exp(1)).
            var row = task.AsSpan(sa + i * States, States);
            double sum = 0;
            for (int j = 0; j < States; j++) sum += row[j] = -Math.Log(1.0 - rng.NextDouble());
            for (int j = 0; j < States; j++) row[j] /= sum;
        }
        return task;
    }

    public void SetTask(ReadOnlySpan<double> task)
    {
        if (task.Length != TaskSize)
            throw new ArgumentException($"a {States}-state {ActionCount}-action MDP task has S·A·(1 + S) = {TaskSize} numbers, got {task.Length}", nameof(task));
        int sa = States * ActionCount;
        for (int i = 0; i < sa; i++)
        {
            if (!double.IsFinite(task[i])) throw new ArgumentOutOfRangeException(nameof(task), task[i], $"mean reward {i} must be finite");
            var row = task.Slice(sa + i * States, States);
            double sum = 0;
            foreach (double q in row)
            {
                if (!(q >= 0)) throw new ArgumentOutOfRangeException(nameof(task), q, $"transition probabilities of (s, a) = ({i / ActionCount}, {i % ActionCount}) must be >= 0");
                sum += q;
            }
            if (Math.Abs(sum - 1) > 1e-6)
                throw new ArgumentException($"transition probabilities of (s, a) = ({i / ActionCount}, {i % ActionCount}) sum to {sum}, not 1", nameof(task));
        }
        task[..sa].CopyTo(_mu);
        task[sa..].CopyTo(_p);
        _hasTask = true;
    }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        if (ResampleTaskOnReset || !_hasTask) SetTask(SampleTask(Rng));
        _state = 0;
        _steps = 0;
        WriteObs(obs);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        int a = (int)action[0], s = _state;
        double reward = _mu[s * ActionCount + a] + RewardNoiseStd * Gaussian(Rng);
        double u = Rng.NextDouble(), c = 0;
        int next = States - 1;
        int row = (s * ActionCount + a) * States;
        for (int j = 0; j < States; j++)
        {
            c += _p[row + j];
            if (u < c) { next = j; break; }
        }
        _state = next;
        _steps++;
        WriteObs(obs);
        return new StepResult(reward, false, _steps >= Horizon);
    }

    private void WriteObs(Span<float> obs)
    {
        obs[..States].Clear();
        obs[_state] = 1;
    }

    private static double Gaussian(Random rng) => rng is Rng r ? r.NextGaussian()
        : Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());
}

/// <summary>
/// MAML's 2D point navigation (Finn et al. 2017, section 5.3): a point starts at the origin and must reach a goal drawn
/// uniformly from the square [−0.5, 0.5]²; the action is a velocity in [−0.1, 0.1]² (clipped), the observation is the
/// position, the reward is the negative distance to the goal after the move, and episodes are 100 steps long (truncated).
/// The task is [goal x, goal y].
/// </summary>
public sealed class PointNavigation : Env, ITaskFamily, IOwnTimeLimit
{
    public const double GoalRange = 0.5, MaxSpeed = 0.1;
    public const int EpisodeSteps = 100;
    private static readonly Box Observations = new(float.NegativeInfinity, float.PositiveInfinity, new[] { 2 });
    private static readonly Box Actions = new((float)-MaxSpeed, (float)MaxSpeed, new[] { 2 });
    private double _gx = double.NaN, _gy = double.NaN, _x, _y;
    private int _steps;

    public override Space ObservationSpace => Observations;
    public override Space ActionSpace => Actions;
    public int MaxEpisodeSteps => EpisodeSteps;
    public int TaskSize => 2;
    public bool ResampleTaskOnReset { get; set; }
    public double[]? CurrentTask => double.IsNaN(_gx) ? null : new[] { _gx, _gy };

    public double[] SampleTask(Random rng) => new[] { (2 * rng.NextDouble() - 1) * GoalRange, (2 * rng.NextDouble() - 1) * GoalRange };

    public void SetTask(ReadOnlySpan<double> task)
    {
        if (task.Length != 2) throw new ArgumentException($"a point-navigation task is a 2D goal, got {task.Length} numbers", nameof(task));
        for (int i = 0; i < 2; i++)
            if (!(Math.Abs(task[i]) <= GoalRange)) throw new ArgumentOutOfRangeException(nameof(task), task[i], $"goal coordinate {i} must lie in [-{GoalRange}, {GoalRange}]");
        _gx = task[0];
        _gy = task[1];
    }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        if (ResampleTaskOnReset || double.IsNaN(_gx)) SetTask(SampleTask(Rng));
        _x = _y = 0;
        _steps = 0;
        obs[1] = 0;
        obs[0] = 0;
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        // The action space check has already bounded the action; clip anyway as MAML's env does (NaN-free input assumed).
        _x += Math.Clamp(action[0], -MaxSpeed, MaxSpeed);
        _y += Math.Clamp(action[1], -MaxSpeed, MaxSpeed);
        _steps++;
        obs[1] = (float)_y;
        obs[0] = (float)_x;
        double dx = _x - _gx, dy = _y - _gy;
        return new StepResult(-Math.Sqrt(dx * dx + dy * dy), false, _steps >= EpisodeSteps);
    }
}
