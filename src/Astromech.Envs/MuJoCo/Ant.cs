using Astromech.Envs.ClassicControl;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// Ant-v5 as in Gymnasium 1.x: a quadruped (free torso + 8 hinges, 8 motors) walks forward along x.
/// reward = healthy_reward · healthy + forward_reward_weight · v_x − ctrl_cost_weight · ‖a‖² − contact_cost_weight ·
/// ‖clip(cfrc_ext, −1, 1)‖², with v_x from the x of the main body's frame (body 1, the torso) before and after the
/// step, dt = 0.01 · 5 = 0.05. Healthy: (qpos, qvel) all finite and 0.2 ≤ z = qpos[2] ≤ 1.0 (inclusive).
/// Observation: qpos[2:] (13), qvel (14), clip(cfrc_ext[1:], −1, 1) flattened (13 bodies × 6 = 78): 105 numbers.
/// cfrc_ext is computed by mj_rnePostConstraint after the frame_skip steps, as Gymnasium does (mj_step leaves it stale).
/// Reset: qpos + U(±0.1) (the quaternion included, unnormalized, as Gymnasium), qvel + 0.1 · N(0, 1); the contact
/// forces of the reset observation are zero. Info: reward_forward, reward_ctrl, reward_contact, reward_survive,
/// x_position, y_position, distance_from_origin, x_velocity, y_velocity.
/// </summary>
public sealed class Ant : MuJoCoEnv
{
    private double _forwardRewardWeight = 1.0, _ctrlCostWeight = 0.5, _contactCostWeight = 5e-4, _healthyReward = 1.0;
    private bool _terminateWhenUnhealthy = true, _excludeCurrentPositions = true, _includeCfrcExt = true;
    private double _zMin = 0.2, _zMax = 1.0, _forceMin = -1.0, _forceMax = 1.0;
    private int _mainBody = 1;
    private readonly StepInfo _info = new("reward_forward", "reward_ctrl", "reward_contact", "reward_survive",
        "x_position", "y_position", "distance_from_origin", "x_velocity", "y_velocity");
    private readonly StepInfo _resetInfo = new("x_position", "y_position", "distance_from_origin");

    public Ant() : base("ant.xml", frameSkip: 5, resetNoiseScale: 0.1, VelocityNoise.Normal) => UpdateObservationSpace();

    [EnvArg("forward_reward_weight", Help = "weight of the forward velocity in the reward")]
    public double ForwardRewardWeight { get => _forwardRewardWeight; set => _forwardRewardWeight = ParamCheck.Finite(value, "forward_reward_weight"); }

    [EnvArg("ctrl_cost_weight", Help = "weight of the control cost ||a||^2")]
    public double CtrlCostWeight { get => _ctrlCostWeight; set => _ctrlCostWeight = ParamCheck.NonNegative(value, "ctrl_cost_weight"); }

    [EnvArg("contact_cost_weight", Help = "weight of the contact cost ||clip(cfrc_ext)||^2")]
    public double ContactCostWeight { get => _contactCostWeight; set => _contactCostWeight = ParamCheck.NonNegative(value, "contact_cost_weight"); }

    [EnvArg("healthy_reward", Help = "reward for every step taken while healthy")]
    public double HealthyReward { get => _healthyReward; set => _healthyReward = ParamCheck.Finite(value, "healthy_reward"); }

    [EnvArg("terminate_when_unhealthy", Help = "end the episode (terminated) when unhealthy")]
    public bool TerminateWhenUnhealthy { get => _terminateWhenUnhealthy; set => _terminateWhenUnhealthy = value; }

    [EnvArg("healthy_z_min", Help = "lower bound (inclusive) of the torso height while healthy")]
    public double HealthyZMin { get => _zMin; set => _zMin = value; }

    [EnvArg("healthy_z_max", Help = "upper bound (inclusive) of the torso height while healthy")]
    public double HealthyZMax { get => _zMax; set => _zMax = value; }

    [EnvArg("contact_force_min", Help = "lower clip of cfrc_ext in the contact cost and observation")]
    public double ContactForceMin { get => _forceMin; set => _forceMin = ParamCheck.Finite(value, "contact_force_min"); }

    [EnvArg("contact_force_max", Help = "upper clip of cfrc_ext in the contact cost and observation")]
    public double ContactForceMax { get => _forceMax; set => _forceMax = ParamCheck.Finite(value, "contact_force_max"); }

    [EnvArg("main_body", Help = "id of the body whose x/y displacement gives the velocity (1 = torso)")]
    public int MainBody
    {
        get => _mainBody;
        set
        {
            if (value < 0 || value >= Model.NBody) throw new ArgumentOutOfRangeException(nameof(MainBody), value, $"main_body must be a body id in [0, {Model.NBody})");
            _mainBody = value;
        }
    }

    [EnvArg("exclude_current_positions_from_observation", Help = "leave the torso's x and y out of the observation")]
    public bool ExcludeCurrentPositionsFromObservation
    {
        get => _excludeCurrentPositions;
        set { _excludeCurrentPositions = value; UpdateObservationSpace(); }
    }

    [EnvArg("include_cfrc_ext_in_observation", Help = "append the clipped external contact forces of bodies 1.. to the observation")]
    public bool IncludeCfrcExtInObservation
    {
        get => _includeCfrcExt;
        set { _includeCfrcExt = value; UpdateObservationSpace(); }
    }

    /// <summary>qpos and qvel finite and the torso height within [healthy_z_min, healthy_z_max].</summary>
    public bool IsHealthy
    {
        get
        {
            foreach (double v in Data.Qpos) if (!double.IsFinite(v)) return false;
            foreach (double v in Data.Qvel) if (!double.IsFinite(v)) return false;
            double z = Data.Qpos[2];
            return _zMin <= z && z <= _zMax;
        }
    }

    protected override int ObservationSize =>
        Model.Nq + Model.Nv - (_excludeCurrentPositions ? 2 : 0) + (_includeCfrcExt ? (Model.NBody - 1) * 6 : 0);

    protected override void WriteObservation(Span<float> obs)
    {
        int skip = _excludeCurrentPositions ? 2 : 0;
        WritePositionsAndVelocities(obs, skip);
        if (!_includeCfrcExt) return;
        int k = Model.Nq - skip + Model.Nv;
        var f = Data.CfrcExt;
        for (int i = 6; i < f.Length; i++) obs[k++] = (float)Math.Clamp(f[i], _forceMin, _forceMax);
    }

    protected override void ResetModel()
    {
        base.ResetModel();
        Data.CfrcExt.Clear(); // Gymnasium's reset observation has the zeros mj_resetData leaves
    }

    protected override IReadOnlyDictionary<string, object>? ResetInfo()
    {
        double x = Data.Qpos[0], y = Data.Qpos[1];
        _resetInfo.Set(0, x);
        _resetInfo.Set(1, y);
        _resetInfo.Set(2, Math.Sqrt(x * x + y * y));
        return _resetInfo;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        var xpos = Data.Xpos;
        double xBefore = xpos[3 * _mainBody], yBefore = xpos[3 * _mainBody + 1];
        DoSimulation(action);
        Data.RnePostConstraint();
        double xVelocity = (xpos[3 * _mainBody] - xBefore) / Dt;
        double yVelocity = (xpos[3 * _mainBody + 1] - yBefore) / Dt;

        double forward = xVelocity * _forwardRewardWeight;
        bool healthy = IsHealthy;
        double survive = healthy ? _healthyReward : 0.0;
        double ctrlCost = _ctrlCostWeight * SumOfSquares(action);
        double contactSq = 0;
        foreach (double f in Data.CfrcExt)
        {
            double c = Math.Clamp(f, _forceMin, _forceMax);
            contactSq += c * c;
        }
        double contactCost = _contactCostWeight * contactSq;
        WriteObservation(obs);

        double x = Data.Qpos[0], y = Data.Qpos[1];
        _info.Set(0, forward);
        _info.Set(1, -ctrlCost);
        _info.Set(2, -contactCost);
        _info.Set(3, survive);
        _info.Set(4, x);
        _info.Set(5, y);
        _info.Set(6, Math.Sqrt(x * x + y * y));
        _info.Set(7, xVelocity);
        _info.Set(8, yVelocity);
        bool terminated = !healthy && _terminateWhenUnhealthy;
        return new StepResult(forward + survive - ctrlCost - contactCost, terminated, false, _info);
    }
}
