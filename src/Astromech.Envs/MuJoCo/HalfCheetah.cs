using Astromech.Envs.ClassicControl;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// HalfCheetah-v5 as in Gymnasium 1.x: a planar cheetah (9 DoF, 6 motors) runs forward.
/// reward = forward_reward_weight · v_x − ctrl_cost_weight · ‖a‖², v_x = (x_after − x_before) / dt with x = qpos[0],
/// dt = 0.01 · frame_skip (5) = 0.05. Observation: qpos[1:] (8; all 9 with exclude_current_positions_from_observation
/// = false) then qvel (9). Reset: qpos + U(±0.1), qvel + 0.1 · N(0, 1). Never terminates; the registry truncates at
/// 1000 steps. Info: x_position, x_velocity, reward_forward, reward_ctrl.
/// </summary>
public class HalfCheetah : MuJoCoEnv
{
    private double _forwardRewardWeight = 1.0, _ctrlCostWeight = 0.1;
    private bool _excludeCurrentPositions = true;
    private readonly StepInfo _info;
    private readonly StepInfo _resetInfo = new("x_position");

    public HalfCheetah() : this("x_position", "x_velocity", "reward_forward", "reward_ctrl") { }

    /// <summary>For task families that add info keys after the four standard ones.</summary>
    protected HalfCheetah(params string[] infoKeys) : base("half_cheetah.xml", frameSkip: 5, resetNoiseScale: 0.1, VelocityNoise.Normal)
    {
        _info = new StepInfo(infoKeys);
        UpdateObservationSpace();
    }

    [EnvArg("forward_reward_weight", Help = "weight of the forward velocity in the reward")]
    public double ForwardRewardWeight { get => _forwardRewardWeight; set => _forwardRewardWeight = ParamCheck.Finite(value, "forward_reward_weight"); }

    [EnvArg("ctrl_cost_weight", Help = "weight of the control cost ||a||^2")]
    public double CtrlCostWeight { get => _ctrlCostWeight; set => _ctrlCostWeight = ParamCheck.NonNegative(value, "ctrl_cost_weight"); }

    [EnvArg("exclude_current_positions_from_observation", Help = "leave rootx out of the observation")]
    public bool ExcludeCurrentPositionsFromObservation
    {
        get => _excludeCurrentPositions;
        set { _excludeCurrentPositions = value; UpdateObservationSpace(); }
    }

    protected override int ObservationSize => Model.Nq + Model.Nv - (_excludeCurrentPositions ? 1 : 0);

    protected override void WriteObservation(Span<float> obs) => WritePositionsAndVelocities(obs, _excludeCurrentPositions ? 1 : 0);

    protected override IReadOnlyDictionary<string, object>? ResetInfo()
    {
        _resetInfo.Set(0, Data.Qpos[0]);
        return _resetInfo;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double xBefore = Data.Qpos[0];
        DoSimulation(action);
        double xAfter = Data.Qpos[0];
        double xVelocity = (xAfter - xBefore) / Dt;
        WriteObservation(obs);
        double ctrlSq = SumOfSquares(action);
        _info.Set(0, xAfter);
        _info.Set(1, xVelocity);
        double reward = Reward(xVelocity, ctrlSq, _info);
        return new StepResult(reward, false, false, _info);
    }

    /// <summary>The reward of a step from the forward velocity and ‖a‖²; fills the reward terms of the info.</summary>
    protected virtual double Reward(double xVelocity, double ctrlSumOfSquares, StepInfo info)
    {
        double forward = _forwardRewardWeight * xVelocity;
        double ctrlCost = _ctrlCostWeight * ctrlSumOfSquares;
        info.Set(2, forward);
        info.Set(3, -ctrlCost);
        return forward - ctrlCost;
    }
}
