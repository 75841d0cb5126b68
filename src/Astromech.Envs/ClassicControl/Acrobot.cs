using Astromech.Envs.Spaces;

namespace Astromech.Envs.ClassicControl;

/// <summary>
/// Acrobot-v1 as in Gymnasium 1.x (Sutton 1996; Sutton and Barto's book): two links hanging from a fixed pivot,
/// torque -1, 0 or +1 (actions 0, 1, 2) on the joint between them. The state [theta1, theta2, dtheta1, dtheta2]
/// is integrated over <c>dt</c> with one classical Runge-Kutta step using the book's dynamics (or the NIPS paper's),
/// then the angles are wrapped into [-pi, pi] and the velocities bounded by ±4pi and ±9pi.
/// Observation [cos t1, sin t1, cos t2, sin t2, dt1, dt2] (float32). The episode terminates when the free end
/// rises above the bar, -cos(t1) - cos(t1 + t2) &gt; 1; reward -1 per step and 0 on the terminating step.
/// </summary>
public sealed class Acrobot : Env
{
    private static readonly Discrete Actions = new(3);
    private const double G = 9.8; // fixed in Gymnasium's dynamics, not an attribute

    private double _dt = 0.2;
    private double _l1 = 1.0, _l2 = 1.0, _m1 = 1.0, _m2 = 1.0, _lc1 = 0.5, _lc2 = 0.5, _moi = 1.0;
    private double _maxVel1 = 4 * Math.PI, _maxVel2 = 9 * Math.PI;
    private double _torqueNoiseMax;
    private bool _nips;
    private Box _observationSpace = null!;

    private double _t1, _t2, _dt1, _dt2;

    public Acrobot() => UpdateObservationSpace();

    public override Space ObservationSpace => _observationSpace;
    public override Space ActionSpace => Actions;

    [EnvArg("dt", Help = "integration time step (s)")]
    public double Dt { get => _dt; set => _dt = ParamCheck.Positive(value, "dt"); }

    [EnvArg("link_length_1", Help = "length of link 1 (m)")]
    public double LinkLength1 { get => _l1; set => _l1 = ParamCheck.Positive(value, "link_length_1"); }

    [EnvArg("link_length_2", Help = "length of link 2 (m); used only for drawing, as in Gymnasium")]
    public double LinkLength2 { get => _l2; set => _l2 = ParamCheck.Positive(value, "link_length_2"); }

    [EnvArg("link_mass_1", Help = "mass of link 1 (kg)")]
    public double LinkMass1 { get => _m1; set => _m1 = ParamCheck.Positive(value, "link_mass_1"); }

    [EnvArg("link_mass_2", Help = "mass of link 2 (kg)")]
    public double LinkMass2 { get => _m2; set => _m2 = ParamCheck.Positive(value, "link_mass_2"); }

    [EnvArg("link_com_pos_1", Help = "position of link 1's centre of mass from its joint (m)")]
    public double LinkComPos1 { get => _lc1; set => _lc1 = ParamCheck.Positive(value, "link_com_pos_1"); }

    [EnvArg("link_com_pos_2", Help = "position of link 2's centre of mass from its joint (m)")]
    public double LinkComPos2 { get => _lc2; set => _lc2 = ParamCheck.Positive(value, "link_com_pos_2"); }

    [EnvArg("link_moi", Help = "moment of inertia of each link")]
    public double LinkMoi { get => _moi; set => _moi = ParamCheck.Positive(value, "link_moi"); }

    [EnvArg("max_vel_1", Help = "bound on |dtheta1| (rad/s); also the observation bound")]
    public double MaxVel1 { get => _maxVel1; set { _maxVel1 = ParamCheck.Positive(value, "max_vel_1"); UpdateObservationSpace(); } }

    [EnvArg("max_vel_2", Help = "bound on |dtheta2| (rad/s); also the observation bound")]
    public double MaxVel2 { get => _maxVel2; set { _maxVel2 = ParamCheck.Positive(value, "max_vel_2"); UpdateObservationSpace(); } }

    [EnvArg("torque_noise_max", Help = "uniform noise in [-x, x] added to the torque")]
    public double TorqueNoiseMax { get => _torqueNoiseMax; set => _torqueNoiseMax = ParamCheck.NonNegative(value, "torque_noise_max"); }

    [EnvArg("book_or_nips", Help = "\"book\" (default) or \"nips\" dynamics")]
    public string BookOrNips
    {
        get => _nips ? "nips" : "book";
        set => _nips = value switch
        {
            "book" => false,
            "nips" => true,
            _ => throw new ArgumentException($"book_or_nips must be \"book\" or \"nips\", not \"{value}\"", nameof(value)),
        };
    }

    private void UpdateObservationSpace()
    {
        float v1 = (float)_maxVel1, v2 = (float)_maxVel2;
        _observationSpace = new Box(new[] { -1f, -1f, -1f, -1f, -v1, -v2 }, new[] { 1f, 1f, 1f, 1f, v1, v2 });
    }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        // Gymnasium draws the initial state in float64 and stores it as float32.
        _t1 = (float)Uniform(-0.1, 0.1);
        _t2 = (float)Uniform(-0.1, 0.1);
        _dt1 = (float)Uniform(-0.1, 0.1);
        _dt2 = (float)Uniform(-0.1, 0.1);
        WriteObs(obs);
        return null;
    }

    private double Uniform(double low, double high) => low + (high - low) * Rng.NextDouble();

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double torque = (int)action[0] - 1; // actions 0, 1, 2 -> torque -1, 0, +1
        if (_torqueNoiseMax > 0) torque += Uniform(-_torqueNoiseMax, _torqueNoiseMax);

        // One classical RK4 step over [0, dt]; the torque is held constant.
        double h = _dt, h2 = h / 2.0;
        double y0 = _t1, y1 = _t2, y2 = _dt1, y3 = _dt2;
        Derivs(y0, y1, y2, y3, torque, out double a0, out double a1, out double a2, out double a3);
        Derivs(y0 + h2 * a0, y1 + h2 * a1, y2 + h2 * a2, y3 + h2 * a3, torque, out double b0, out double b1, out double b2, out double b3);
        Derivs(y0 + h2 * b0, y1 + h2 * b1, y2 + h2 * b2, y3 + h2 * b3, torque, out double c0, out double c1, out double c2, out double c3);
        Derivs(y0 + h * c0, y1 + h * c1, y2 + h * c2, y3 + h * c3, torque, out double d0, out double d1, out double d2, out double d3);
        double k = h / 6.0;
        y0 += k * (a0 + 2 * b0 + 2 * c0 + d0);
        y1 += k * (a1 + 2 * b1 + 2 * c1 + d1);
        y2 += k * (a2 + 2 * b2 + 2 * c2 + d2);
        y3 += k * (a3 + 2 * b3 + 2 * c3 + d3);

        _t1 = Wrap(y0, -Math.PI, Math.PI);
        _t2 = Wrap(y1, -Math.PI, Math.PI);
        _dt1 = Math.Min(Math.Max(y2, -_maxVel1), _maxVel1);
        _dt2 = Math.Min(Math.Max(y3, -_maxVel2), _maxVel2);

        bool terminated = -Math.Cos(_t1) - Math.Cos(_t2 + _t1) > 1.0;
        WriteObs(obs);
        return new StepResult(terminated ? 0.0 : -1.0, terminated, false);
    }

    /// <summary>Time derivative of the state under the given torque on the second joint.</summary>
    private void Derivs(double theta1, double theta2, double dtheta1, double dtheta2, double torque,
        out double dTheta1, out double dTheta2, out double ddTheta1, out double ddTheta2)
    {
        double m1 = _m1, m2 = _m2, l1 = _l1, lc1 = _lc1, lc2 = _lc2, i1 = _moi, i2 = _moi;
        double cos2 = Math.Cos(theta2), sin2 = Math.Sin(theta2);
        double d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos2) + i1 + i2;
        double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos2) + i2;
        double phi2 = m2 * lc2 * G * Math.Cos(theta1 + theta2 - Math.PI / 2.0);
        double phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin2
                      - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2
                      + (m1 * lc1 + m2 * l1) * G * Math.Cos(theta1 - Math.PI / 2)
                      + phi2;
        double acc2 = _nips
            ? (torque + d2 / d1 * phi1 - phi2) / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1)
            : (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin2 - phi2) / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
        dTheta1 = dtheta1;
        dTheta2 = dtheta2;
        ddTheta1 = -(d2 * acc2 + phi1) / d1;
        ddTheta2 = acc2;
    }

    /// <summary>Shifts x by whole periods (max - min) until min &lt;= x &lt;= max, as Gymnasium's wrap().</summary>
    private static double Wrap(double x, double min, double max)
    {
        if (!double.IsFinite(x)) return x; // the loops below would never end
        double period = max - min;
        while (x > max) x -= period;
        while (x < min) x += period;
        return x;
    }

    private void WriteObs(Span<float> obs)
    {
        obs[5] = (float)_dt2;
        obs[0] = (float)Math.Cos(_t1);
        obs[1] = (float)Math.Sin(_t1);
        obs[2] = (float)Math.Cos(_t2);
        obs[3] = (float)Math.Sin(_t2);
        obs[4] = (float)_dt1;
    }

    /// <summary>The float64 state [theta1, theta2, dtheta1, dtheta2].</summary>
    internal (double Theta1, double Theta2, double DTheta1, double DTheta2) State
    {
        get => (_t1, _t2, _dt1, _dt2);
        set => (_t1, _t2, _dt1, _dt2) = value;
    }
}
