using Astromech.Envs.Spaces;

namespace Astromech.Envs.ClassicControl;

/// <summary>
/// MountainCar-v0 as in Gymnasium 1.x (Moore 1990): a car in a valley, actions 0 (push left), 1 (no push),
/// 2 (push right). velocity += (a - 1) * force - cos(3 * position) * gravity, clipped to ±0.07; position += velocity,
/// clipped to [-1.2, 0.6]; hitting the left wall while moving left stops the car (inelastic).
/// Observation [position, velocity] (float32). Terminates when position &gt;= 0.5 and velocity &gt;= goal_velocity;
/// reward -1 per step. Reset: position uniform in [-0.6, -0.4], velocity 0.
/// </summary>
public sealed class MountainCar : Env
{
    private const double MinPosition = -1.2, MaxPosition = 0.6, MaxSpeed = 0.07;
    private static readonly Discrete Actions = new(3);
    private static readonly Box Observations = new(
        new[] { (float)MinPosition, (float)-MaxSpeed }, new[] { (float)MaxPosition, (float)MaxSpeed });

    private double _force = 0.001, _gravity = 0.0025, _goalPosition = 0.5, _goalVelocity;
    private double _position, _velocity;

    public override Space ObservationSpace => Observations;
    public override Space ActionSpace => Actions;

    [EnvArg("force", Help = "acceleration of a push")]
    public double Force { get => _force; set => _force = ParamCheck.Finite(value, "force"); }

    [EnvArg("gravity", Help = "scale of the slope's pull, cos(3 x) * gravity")]
    public double Gravity { get => _gravity; set => _gravity = ParamCheck.Finite(value, "gravity"); }

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
        int a = (int)action[0];
        double velocity = _velocity + (a - 1) * _force + Math.Cos(3 * _position) * -_gravity;
        velocity = Math.Clamp(velocity, -MaxSpeed, MaxSpeed);
        double position = Math.Clamp(_position + velocity, MinPosition, MaxPosition);
        if (position == MinPosition && velocity < 0) velocity = 0;
        _position = position;
        _velocity = velocity;

        bool terminated = position >= _goalPosition && velocity >= _goalVelocity;
        WriteObs(obs);
        return new StepResult(-1.0, terminated, false);
    }

    private void WriteObs(Span<float> obs)
    {
        obs[1] = (float)_velocity;
        obs[0] = (float)_position;
    }

    /// <summary>The float64 state [position, velocity].</summary>
    internal (double Position, double Velocity) State
    {
        get => (_position, _velocity);
        set => (_position, _velocity) = value;
    }
}
