using Astromech.Envs.Spaces;

namespace Astromech.Envs.ClassicControl;

/// <summary>
/// MountainCarContinuous-v0 as in Gymnasium 1.x: the mountain car with a continuous push a in [-1, 1].
/// velocity += a * power - 0.0025 * cos(3 * position), clipped to ±0.07; position += velocity, clipped to
/// [-1.2, 0.6]; hitting the left wall while moving left stops the car. Gymnasium keeps this env's state in
/// float32 between steps, and so does this one. Observation [position, velocity] (float32).
/// Terminates when position &gt;= 0.45 and velocity &gt;= goal_velocity; reward -0.1 a^2 per step plus 100 on
/// reaching the goal. Reset: position uniform in [-0.6, -0.4], velocity 0.
/// </summary>
public sealed class MountainCarContinuous : Env
{
    private const double MinAction = -1.0, MaxAction = 1.0;
    private const double MinPosition = -1.2, MaxPosition = 0.6, MaxSpeed = 0.07;
    private const double Gravity = 0.0025; // a literal in Gymnasium's step, not an attribute
    private static readonly Box Actions = new(-1f, 1f, new[] { 1 });
    private static readonly Box Observations = new(
        new[] { (float)MinPosition, (float)-MaxSpeed }, new[] { (float)MaxPosition, (float)MaxSpeed });

    private double _power = 0.0015, _goalPosition = 0.45, _goalVelocity;
    private double _position, _velocity;

    public override Space ObservationSpace => Observations;
    public override Space ActionSpace => Actions;

    [EnvArg("power", Help = "acceleration per unit of action")]
    public double Power { get => _power; set => _power = ParamCheck.Finite(value, "power"); }

    [EnvArg("goal_position", Help = "position at or beyond which the episode can terminate")]
    public double GoalPosition { get => _goalPosition; set => _goalPosition = ParamCheck.Finite(value, "goal_position"); }

    [EnvArg("goal_velocity", Help = "minimum velocity at the goal for the episode to terminate")]
    public double GoalVelocity { get => _goalVelocity; set => _goalVelocity = ParamCheck.Finite(value, "goal_velocity"); }

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _position = -0.6 + (-0.4 - -0.6) * Rng.NextDouble(); // uniform in [-0.6, -0.4)
        _velocity = 0;
        WriteObs(obs);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double a = action[0];
        double force = Math.Min(Math.Max(a, MinAction), MaxAction);

        double velocity = _velocity + force * _power - Gravity * Math.Cos(3 * _position);
        if (velocity > MaxSpeed) velocity = MaxSpeed;
        if (velocity < -MaxSpeed) velocity = -MaxSpeed;
        double position = _position + velocity;
        if (position > MaxPosition) position = MaxPosition;
        if (position < MinPosition) position = MinPosition;
        if (position == MinPosition && velocity < 0) velocity = 0;

        bool terminated = position >= _goalPosition && velocity >= _goalVelocity;
        double reward = (terminated ? 100.0 : 0.0) - a * a * 0.1;

        // Gymnasium stores the new state as float32; the next step starts from the rounded values.
        _position = (float)position;
        _velocity = (float)velocity;
        WriteObs(obs);
        return new StepResult(reward, terminated, false);
    }

    private void WriteObs(Span<float> obs)
    {
        obs[1] = (float)_velocity;
        obs[0] = (float)_position;
    }

    /// <summary>The state [position, velocity] (float32-valued after any step).</summary>
    internal (double Position, double Velocity) State
    {
        get => (_position, _velocity);
        set => (_position, _velocity) = value;
    }
}
