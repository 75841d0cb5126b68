using Astromech.Envs.ClassicControl;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// Hopper-v5 as in Gymnasium 1.x: a planar one-legged hopper (6 DoF, 3 motors) hops forward.
/// reward = healthy_reward · healthy + forward_reward_weight · v_x − ctrl_cost_weight · ‖a‖², dt = 0.002 · 4 = 0.008.
/// Healthy (all strict): every element of (qpos, qvel)[2:] in (−100, 100), z = qpos[1] in (0.7, ∞), angle = qpos[2]
/// in (−0.2, 0.2); unhealthy terminates when terminate_when_unhealthy. Observation: qpos[1:] then qvel clipped to
/// ±10 (11). Reset: qpos and qvel + U(±0.005). Info: reward_forward, reward_ctrl, reward_survive, x_position,
/// z_distance_from_origin, x_velocity.
/// </summary>
public sealed class Hopper : LeggedWalker
{
    private double _stateMin = -100, _stateMax = 100;

    public Hopper() : base("hopper.xml", healthyZMin: 0.7, healthyZMax: double.PositiveInfinity, healthyAngleMin: -0.2, healthyAngleMax: 0.2) { }

    [EnvArg("healthy_state_min", Help = "lower bound (exclusive) of (qpos, qvel)[2:] while healthy")]
    public double HealthyStateMin { get => _stateMin; set => _stateMin = value; }

    [EnvArg("healthy_state_max", Help = "upper bound (exclusive) of (qpos, qvel)[2:] while healthy")]
    public double HealthyStateMax { get => _stateMax; set => _stateMax = value; }

    public override bool IsHealthy
    {
        get
        {
            if (!base.IsHealthy) return false;
            var qpos = Data.Qpos;
            var qvel = Data.Qvel;
            for (int i = 2; i < qpos.Length; i++)
                if (!(_stateMin < qpos[i] && qpos[i] < _stateMax)) return false;
            foreach (double v in qvel)
                if (!(_stateMin < v && v < _stateMax)) return false;
            return true;
        }
    }
}

/// <summary>
/// Walker2d-v5 as in Gymnasium 1.x: a planar biped (9 DoF, 6 motors) walks forward. Rewards and observation as
/// <see cref="Hopper"/> (qvel clipped to ±10 in the observation, 17 numbers); healthy (strict): z = qpos[1] in
/// (0.8, 2.0) and angle = qpos[2] in (−1, 1). Reset: qpos and qvel + U(±0.005). dt = 0.002 · 4 = 0.008.
/// </summary>
public sealed class Walker2d : LeggedWalker
{
    public Walker2d() : base("walker2d.xml", healthyZMin: 0.8, healthyZMax: 2.0, healthyAngleMin: -1.0, healthyAngleMax: 1.0) { }
}

/// <summary>The shared definition of Hopper-v5 and Walker2d-v5 (same reward terms, observation, reset, defaults).</summary>
public abstract class LeggedWalker : MuJoCoEnv
{
    private double _forwardRewardWeight = 1.0, _ctrlCostWeight = 1e-3, _healthyReward = 1.0;
    private bool _terminateWhenUnhealthy = true, _excludeCurrentPositions = true;
    private double _zMin, _zMax, _angleMin, _angleMax;
    private readonly StepInfo _info = new("reward_forward", "reward_ctrl", "reward_survive", "x_position", "z_distance_from_origin", "x_velocity");
    private readonly StepInfo _resetInfo = new("x_position", "z_distance_from_origin");

    protected LeggedWalker(string asset, double healthyZMin, double healthyZMax, double healthyAngleMin, double healthyAngleMax)
        : base(asset, frameSkip: 4, resetNoiseScale: 5e-3, VelocityNoise.Uniform)
    {
        (_zMin, _zMax, _angleMin, _angleMax) = (healthyZMin, healthyZMax, healthyAngleMin, healthyAngleMax);
        UpdateObservationSpace();
    }

    [EnvArg("forward_reward_weight", Help = "weight of the forward velocity in the reward")]
    public double ForwardRewardWeight { get => _forwardRewardWeight; set => _forwardRewardWeight = ParamCheck.Finite(value, "forward_reward_weight"); }

    [EnvArg("ctrl_cost_weight", Help = "weight of the control cost ||a||^2")]
    public double CtrlCostWeight { get => _ctrlCostWeight; set => _ctrlCostWeight = ParamCheck.NonNegative(value, "ctrl_cost_weight"); }

    [EnvArg("healthy_reward", Help = "reward for every step taken while healthy")]
    public double HealthyReward { get => _healthyReward; set => _healthyReward = ParamCheck.Finite(value, "healthy_reward"); }

    [EnvArg("terminate_when_unhealthy", Help = "end the episode (terminated) when unhealthy")]
    public bool TerminateWhenUnhealthy { get => _terminateWhenUnhealthy; set => _terminateWhenUnhealthy = value; }

    [EnvArg("healthy_z_min", Help = "lower bound (exclusive) of the torso height qpos[1] while healthy")]
    public double HealthyZMin { get => _zMin; set => _zMin = value; }

    [EnvArg("healthy_z_max", Help = "upper bound (exclusive) of the torso height qpos[1] while healthy")]
    public double HealthyZMax { get => _zMax; set => _zMax = value; }

    [EnvArg("healthy_angle_min", Help = "lower bound (exclusive) of the torso angle qpos[2] while healthy")]
    public double HealthyAngleMin { get => _angleMin; set => _angleMin = value; }

    [EnvArg("healthy_angle_max", Help = "upper bound (exclusive) of the torso angle qpos[2] while healthy")]
    public double HealthyAngleMax { get => _angleMax; set => _angleMax = value; }

    [EnvArg("exclude_current_positions_from_observation", Help = "leave rootx out of the observation")]
    public bool ExcludeCurrentPositionsFromObservation
    {
        get => _excludeCurrentPositions;
        set { _excludeCurrentPositions = value; UpdateObservationSpace(); }
    }

    /// <summary>Height and angle of the torso within their healthy ranges (strict inequalities, as Gymnasium).</summary>
    public virtual bool IsHealthy
    {
        get
        {
            var qpos = Data.Qpos;
            double z = qpos[1], angle = qpos[2];
            return _zMin < z && z < _zMax && _angleMin < angle && angle < _angleMax;
        }
    }

    protected override int ObservationSize => Model.Nq + Model.Nv - (_excludeCurrentPositions ? 1 : 0);

    protected override void WriteObservation(Span<float> obs) => WritePositionsAndVelocities(obs, _excludeCurrentPositions ? 1 : 0, clip: 10);

    protected override IReadOnlyDictionary<string, object>? ResetInfo()
    {
        _resetInfo.Set(0, Data.Qpos[0]);
        _resetInfo.Set(1, Data.Qpos[1] - InitQpos[1]);
        return _resetInfo;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double xBefore = Data.Qpos[0];
        DoSimulation(action);
        double xAfter = Data.Qpos[0];
        double xVelocity = (xAfter - xBefore) / Dt;
        double forward = _forwardRewardWeight * xVelocity;
        bool healthy = IsHealthy;
        double survive = healthy ? _healthyReward : 0.0;
        double ctrlCost = _ctrlCostWeight * SumOfSquares(action);
        WriteObservation(obs);
        _info.Set(0, forward);
        _info.Set(1, -ctrlCost);
        _info.Set(2, survive);
        _info.Set(3, xAfter);
        _info.Set(4, Data.Qpos[1] - InitQpos[1]);
        _info.Set(5, xVelocity);
        bool terminated = !healthy && _terminateWhenUnhealthy;
        return new StepResult(forward + survive - ctrlCost, terminated, false, _info);
    }
}
