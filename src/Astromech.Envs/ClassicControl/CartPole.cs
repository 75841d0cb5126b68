using Astromech.Envs.Spaces;

namespace Astromech.Envs.ClassicControl;

/// <summary>
/// CartPole-v1 as in Gymnasium 1.x (Barto, Sutton and Anderson 1983): a pole hinged on a cart that is pushed
/// left (action 0) or right (action 1) with a fixed force. Observation [x, x_dot, theta, theta_dot] (float32);
/// the episode terminates when |x| &gt; 2.4 or |theta| &gt; 12 degrees. Reward +1 for every step including the
/// terminating one (or, with <c>sutton_barto_reward</c>, 0 per step and -1 on termination).
/// State and physics are float64 and kept in fields so the step is lean and allocation-free.
/// </summary>
public sealed class CartPole : Env
{
    private static readonly Discrete Actions = new(2);

    // Parameters (Gymnasium attribute names in the EnvArg names).
    private double _gravity = 9.8, _masscart = 1.0, _masspole = 0.1, _length = 0.5, _forceMag = 10.0, _tau = 0.02;
    private double _xThreshold = 2.4, _thetaThreshold = 12 * 2 * Math.PI / 360;
    private bool _semiImplicit, _suttonBarto;

    // Derived from the parameters; recomputed whenever one changes.
    private double _totalMass, _polemassLength;
    private Box _observationSpace = null!;

    // State.
    private double _x, _xDot, _theta, _thetaDot;

    public CartPole()
    {
        UpdateDerived();
        UpdateObservationSpace();
    }

    public override Space ObservationSpace => _observationSpace;
    public override Space ActionSpace => Actions;

    [EnvArg("gravity", Help = "gravitational acceleration (m/s^2)")]
    public double Gravity { get => _gravity; set => _gravity = ParamCheck.Finite(value, "gravity"); }

    [EnvArg("masscart", Help = "mass of the cart (kg)")]
    public double MassCart { get => _masscart; set { _masscart = ParamCheck.Positive(value, "masscart"); UpdateDerived(); } }

    [EnvArg("masspole", Help = "mass of the pole (kg)")]
    public double MassPole { get => _masspole; set { _masspole = ParamCheck.Positive(value, "masspole"); UpdateDerived(); } }

    [EnvArg("length", Help = "half the pole's length (m)")]
    public double Length { get => _length; set { _length = ParamCheck.Positive(value, "length"); UpdateDerived(); } }

    [EnvArg("force_mag", Help = "magnitude of the push (N)")]
    public double ForceMag { get => _forceMag; set => _forceMag = ParamCheck.Finite(value, "force_mag"); }

    [EnvArg("tau", Help = "seconds between state updates")]
    public double Tau { get => _tau; set => _tau = ParamCheck.Positive(value, "tau"); }

    [EnvArg("x_threshold", Help = "|x| beyond which the episode terminates (m); the observation bound is twice this")]
    public double XThreshold { get => _xThreshold; set { _xThreshold = ParamCheck.Positive(value, "x_threshold"); UpdateObservationSpace(); } }

    [EnvArg("theta_threshold_radians", Help = "|theta| beyond which the episode terminates (rad); the observation bound is twice this")]
    public double ThetaThresholdRadians { get => _thetaThreshold; set { _thetaThreshold = ParamCheck.Positive(value, "theta_threshold_radians"); UpdateObservationSpace(); } }

    [EnvArg("kinematics_integrator", Help = "\"euler\" (default) or \"semi-implicit euler\"")]
    public string KinematicsIntegrator
    {
        get => _semiImplicit ? "semi-implicit euler" : "euler";
        set => _semiImplicit = value switch
        {
            "euler" => false,
            "semi-implicit euler" => true,
            _ => throw new ArgumentException($"kinematics_integrator must be \"euler\" or \"semi-implicit euler\", not \"{value}\"", nameof(value)),
        };
    }

    [EnvArg("sutton_barto_reward", Help = "reward 0 per step and -1 on termination instead of +1 per step")]
    public bool SuttonBartoReward { get => _suttonBarto; set => _suttonBarto = value; }

    /// <summary>Mass of cart plus pole (derived).</summary>
    public double TotalMass => _totalMass;

    /// <summary>masspole * length (derived).</summary>
    public double PolemassLength => _polemassLength;

    private void UpdateDerived()
    {
        _totalMass = _masspole + _masscart;
        _polemassLength = _masspole * _length;
    }

    private void UpdateObservationSpace()
    {
        float xHigh = (float)(_xThreshold * 2), thHigh = (float)(_thetaThreshold * 2);
        _observationSpace = new Box(
            new[] { -xHigh, float.NegativeInfinity, -thHigh, float.NegativeInfinity },
            new[] { xHigh, float.PositiveInfinity, thHigh, float.PositiveInfinity });
    }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _x = Uniform(-0.05, 0.05);
        _xDot = Uniform(-0.05, 0.05);
        _theta = Uniform(-0.05, 0.05);
        _thetaDot = Uniform(-0.05, 0.05);
        WriteObs(obs);
        return null;
    }

    private double Uniform(double low, double high) => low + (high - low) * Rng.NextDouble();

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double force = action[0] == 1f ? _forceMag : -_forceMag;
        var (sin, cos) = Math.SinCos(_theta);

        // Florian (2007), "Correct equations for the dynamics of the cart-pole system", with the pole's
        // friction and the cart's friction left out, as in Gymnasium.
        double temp = (force + _polemassLength * _thetaDot * _thetaDot * sin) / _totalMass;
        double thetaAcc = (_gravity * sin - cos * temp) / (_length * (4.0 / 3.0 - _masspole * cos * cos / _totalMass));
        double xAcc = temp - _polemassLength * thetaAcc * cos / _totalMass;

        if (!_semiImplicit)
        {
            _x += _tau * _xDot;
            _xDot += _tau * xAcc;
            _theta += _tau * _thetaDot;
            _thetaDot += _tau * thetaAcc;
        }
        else
        {
            _xDot += _tau * xAcc;
            _x += _tau * _xDot;
            _thetaDot += _tau * thetaAcc;
            _theta += _tau * _thetaDot;
        }

        bool terminated = _x < -_xThreshold || _x > _xThreshold || _theta < -_thetaThreshold || _theta > _thetaThreshold;
        double reward = _suttonBarto ? (terminated ? -1.0 : 0.0) : 1.0;
        WriteObs(obs);
        return new StepResult(reward, terminated, false);
    }

    private void WriteObs(Span<float> obs)
    {
        obs[3] = (float)_thetaDot; // bounds check once
        obs[0] = (float)_x;
        obs[1] = (float)_xDot;
        obs[2] = (float)_theta;
    }

    /// <summary>The float64 state [x, x_dot, theta, theta_dot].</summary>
    internal (double X, double XDot, double Theta, double ThetaDot) State
    {
        get => (_x, _xDot, _theta, _thetaDot);
        set => (_x, _xDot, _theta, _thetaDot) = value;
    }
}
