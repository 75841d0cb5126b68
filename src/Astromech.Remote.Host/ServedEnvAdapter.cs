using Astromech.Envs;
using P = Astromech.Remote.Protocol;

namespace Astromech.Remote.Host;

/// <summary>Serves an Astromech <see cref="IEnv"/> (any registry env, wrappers included) through <see cref="RemoteEnvService"/>.</summary>
public sealed class ServedEnvAdapter : IServedEnv
{
    private readonly IEnv _env;

    public ServedEnvAdapter(IEnv env)
    {
        _env = env ?? throw new ArgumentNullException(nameof(env));
        ObservationSpace = SpaceMessages.ToMessage(env.ObservationSpace);
        ActionSpace = SpaceMessages.ToMessage(env.ActionSpace);
    }

    public P.Space ObservationSpace { get; }
    public P.Space ActionSpace { get; }

    public void Reset(float[] observation, int? seed, IReadOnlyDictionary<string, string> options)
    {
        if (options.Count > 0)
            throw new ArgumentException($"reset options ({string.Join(", ", options.Keys)}) are not supported by {_env.Spec?.Id ?? _env.GetType().Name}");
        _env.Reset(observation, seed);
    }

    public ServedStep Step(float[] action, float[] observation)
    {
        var r = _env.Step(action, observation);
        return new ServedStep(r.Reward, r.Terminated, r.Truncated, r.Done ? EpisodeSuccess.Of(r.Info) : null);
    }

    public void Dispose() => _env.Dispose();
}
