using Astromech.Envs.Spaces;

namespace Astromech.Envs;

/// <summary>What one step returns besides the observation (written into the caller's buffer).</summary>
public readonly record struct StepResult(double Reward, bool Terminated, bool Truncated, IReadOnlyDictionary<string, object>? Info = null)
{
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// An environment with Gymnasium semantics. Observations and actions are flat float runs (see <see cref="Space"/>);
/// the caller owns the buffers, so stepping allocates nothing.
/// <list type="bullet">
/// <item><c>Reset(obs, seed)</c> starts an episode; with a seed the env's RNG is reseeded first, so equal seeds give equal episodes.</item>
/// <item><c>Step(action, obs)</c> advances one step. After <c>Terminated</c> or <c>Truncated</c> the env must be reset: stepping throws.</item>
/// <item>An action outside <see cref="ActionSpace"/> throws <see cref="ArgumentException"/> naming it.</item>
/// </list>
/// </summary>
public interface IEnv : IDisposable
{
    Space ObservationSpace { get; }
    Space ActionSpace { get; }

    /// <summary>The registry entry this env was made from, or null when built by hand.</summary>
    EnvSpec? Spec { get; set; }

    IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null);

    StepResult Step(ReadOnlySpan<float> action, Span<float> obs);
}

/// <summary>Convenience calls that allocate; use the span overloads in hot loops.</summary>
public static class EnvExtensions
{
    public static float[] Reset(this IEnv env, int? seed = null)
    {
        var obs = new float[env.ObservationSpace.FlatSize];
        env.Reset(obs, seed);
        return obs;
    }

    public static (float[] Obs, StepResult Result) Step(this IEnv env, ReadOnlySpan<float> action)
    {
        var obs = new float[env.ObservationSpace.FlatSize];
        var r = env.Step(action, obs);
        return (obs, r);
    }

    public static StepResult Step(this IEnv env, int action, Span<float> obs)
    {
        Span<float> a = stackalloc float[1];
        a[0] = action;
        return env.Step(a, obs);
    }

    public static (float[] Obs, StepResult Result) Step(this IEnv env, int action)
    {
        var obs = new float[env.ObservationSpace.FlatSize];
        var r = env.Step(action, obs);
        return (obs, r);
    }
}
