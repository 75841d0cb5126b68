using Astromech.Envs.Spaces;

namespace Astromech.Envs.ClassicControl;

/// <summary>
/// Pendulum-v1 as in Gymnasium 1.x: swing a pendulum up and hold it with a torque u in [-2, 2].
/// thdot += (3 g / (2 l) sin(th) + 3 / (m l^2) u) dt, clipped to ±max_speed; th += thdot dt.
/// Observation [cos th, sin th, thdot] (float32). Reward -(normalize(th)^2 + 0.1 thdot^2 + 0.001 u^2), computed
/// from the state before the step and the clipped torque; never terminates (the registry truncates at 200).
/// Reset: th uniform in [-pi, pi], thdot uniform in [-1, 1].
/// </summary>
public sealed class Pendulum : Env
{
    private double _maxSpeed = 8, _maxTorque = 2.0, _dt = 0.05, _g = 10.0, _m = 1.0, _l = 1.0;
    private Box _observationSpace = null!, _actionSpace = null!;
    private double _th, _thdot;

    public Pendulum()
    {
        UpdateObservationSpace();
        UpdateActionSpace();
    }

    public override Space ObservationSpace => _observationSpace;
    public override Space ActionSpace => _actionSpace;

    [EnvArg("g", Help = "gravitational acceleration (m/s^2)")]
    public double G { get => _g; set => _g = ParamCheck.Finite(value, "g"); }

    [EnvArg("m", Help = "mass of the pendulum (kg)")]
    public double M { get => _m; set => _m = ParamCheck.Positive(value, "m"); }

    [EnvArg("l", Help = "length of the pendulum (m)")]
    public double L { get => _l; set => _l = ParamCheck.Positive(value, "l"); }

    [EnvArg("dt", Help = "time step (s)")]
    public double Dt { get => _dt; set => _dt = ParamCheck.Positive(value, "dt"); }

    [EnvArg("max_speed", Help = "bound on |thdot| (rad/s); also the observation bound")]
    public double MaxSpeed { get => _maxSpeed; set { _maxSpeed = ParamCheck.Positive(value, "max_speed"); UpdateObservationSpace(); } }

    [EnvArg("max_torque", Help = "bound on |u|; also the action space bound")]
    public double MaxTorque { get => _maxTorque; set { _maxTorque = ParamCheck.Positive(value, "max_torque"); UpdateActionSpace(); } }

    private void UpdateObservationSpace()
    {
        float v = (float)_maxSpeed;
        _observationSpace = new Box(new[] { -1f, -1f, -v }, new[] { 1f, 1f, v });
    }

    private void UpdateActionSpace()
    {
        float t = (float)_maxTorque;
        _actionSpace = new Box(-t, t, new[] { 1 });
    }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _th = -Math.PI + 2 * Math.PI * Rng.NextDouble();
        _thdot = -1.0 + 2.0 * Rng.NextDouble();
        WriteObs(obs);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double u = Math.Clamp(action[0], -(float)_maxTorque, (float)_maxTorque);
        double th = _th, thdot = _thdot;
        double an = AngleNormalize(th);
        double cost = an * an + 0.1 * thdot * thdot + 0.001 * (u * u);

        double newThdot = thdot + (3 * _g / (2 * _l) * Math.Sin(th) + 3.0 / (_m * _l * _l) * u) * _dt;
        newThdot = Math.Clamp(newThdot, -_maxSpeed, _maxSpeed);
        _th = th + newThdot * _dt;
        _thdot = newThdot;

        WriteObs(obs);
        return new StepResult(-cost, false, false);
    }

    /// <summary>Maps an angle into [-pi, pi) the way Gymnasium does: ((x + pi) mod 2pi) - pi with a floored mod.</summary>
    internal static double AngleNormalize(double x)
    {
        const double TwoPi = 2 * Math.PI;
        double r = (x + Math.PI) % TwoPi;
        if (r != 0 && r < 0) r += TwoPi;
        return r - Math.PI;
    }

    private void WriteObs(Span<float> obs)
    {
        obs[2] = (float)_thdot;
        obs[0] = (float)Math.Cos(_th);
        obs[1] = (float)Math.Sin(_th);
    }

    /// <summary>The float64 state [theta, thetadot].</summary>
    internal (double Theta, double ThetaDot) State
    {
        get => (_th, _thdot);
        set => (_th, _thdot) = value;
    }
}
