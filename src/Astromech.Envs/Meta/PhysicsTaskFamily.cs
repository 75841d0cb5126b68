using System.Globalization;
using Astromech.Envs.Registry;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Meta;

/// <summary>One physical parameter of a <see cref="PhysicsTaskFamily"/>: an env arg drawn uniformly from [Low, High] per task.</summary>
public sealed record PhysicsParameter(string EnvArg, double Low, double High);

/// <summary>
/// A task family over any env's physical parameters (its <see cref="EnvArgAttribute"/> properties): a task is one value per
/// parameter, drawn uniformly from its range, and setting it sets the env args (so it applies from the next reset on).
/// Used for CartPole and Pendulum with masses and lengths drawn per task (domain randomization with memory, RL²-style).
/// </summary>
public sealed class PhysicsTaskFamily : Wrapper, ITaskFamily
{
    private readonly PhysicsParameter[] _parameters;
    private double[]? _task;
    private readonly Rng _own = new(0);

    public PhysicsTaskFamily(IEnv inner, params PhysicsParameter[] parameters) : base(inner)
    {
        if (parameters.Length == 0) throw new ArgumentException("a physics task family needs at least one parameter", nameof(parameters));
        var known = EnvArgs.Describe(inner).Select(d => d.Name).ToHashSet();
        foreach (var p in parameters)
        {
            if (!known.Contains(p.EnvArg))
                throw new ArgumentException($"'{p.EnvArg}' is not an env arg of {inner.Spec?.Id ?? inner.GetType().Name}; its env args: {string.Join(", ", known.Order())}", nameof(parameters));
            if (!(p.Low <= p.High)) throw new ArgumentException($"the range of '{p.EnvArg}' is empty: [{p.Low}, {p.High}]", nameof(parameters));
        }
        _parameters = parameters;
    }

    public IReadOnlyList<PhysicsParameter> Parameters => _parameters;
    public int TaskSize => _parameters.Length;
    public bool ResampleTaskOnReset { get; set; }
    public double[]? CurrentTask => (double[]?)_task?.Clone();

    public double[] SampleTask(Random rng) => _parameters.Select(p => p.Low + (p.High - p.Low) * rng.NextDouble()).ToArray();

    public void SetTask(ReadOnlySpan<double> task)
    {
        if (task.Length != _parameters.Length)
            throw new ArgumentException($"this physics family's tasks have {_parameters.Length} numbers ({string.Join(", ", _parameters.Select(p => p.EnvArg))}), got {task.Length}", nameof(task));
        var args = new Dictionary<string, string>();
        for (int i = 0; i < task.Length; i++)
        {
            var p = _parameters[i];
            if (!(task[i] >= p.Low && task[i] <= p.High))
                throw new ArgumentOutOfRangeException(nameof(task), task[i], $"'{p.EnvArg}' must lie in [{p.Low}, {p.High}]");
            args[p.EnvArg] = task[i].ToString("R", CultureInfo.InvariantCulture);
        }
        EnvArgs.Apply(Inner, args);
        _task = task.ToArray();
    }

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        if (seed is int s) _own.Seed(s);
        if (ResampleTaskOnReset || _task is null) SetTask(SampleTask(_own));
        return Inner.Reset(obs, seed);
    }
}
