using Astromech.Envs;
using Astromech.Envs.Registry;

namespace Astromech.Remote.Host;

/// <summary>
/// Makes env ids of the form <c>remote:HOST:PORT[?timeout=SECONDS]</c> resolve in <see cref="EnvRegistry"/>, so that
/// every command and algorithm that takes an env id can train on, evaluate or probe a remote env. Resolving an id
/// handshakes once (it fails at once, naming the address, when nothing serves there) to learn the env's name and
/// reward threshold; every env made from the spec is its own session. The server applies the time limit.
/// </summary>
public static class RemoteEnvs
{
    private static int _registered;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, EnvSpec> Resolved = new();

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        EnvRegistry.RegisterPrefix(RemoteAddress.Prefix, Resolve);
    }

    // A command asks for the spec several times; one handshake answers them all (the spec's envs connect afresh).
    private static EnvSpec Resolve(string id) => Resolved.TryGetValue(id, out var s) ? s : Resolved[id] = Probe(id);

    private static EnvSpec Probe(string id)
    {
        var address = RemoteAddress.Parse(id);
        using var probe = new RemoteSession(address, 1);
        var h = probe.Handshake;
        EnvSpec? spec = null;
        spec = new EnvSpec(id, () => new RemoteEnv(address) { Spec = spec }, null,
            h.HasRewardThreshold ? h.RewardThreshold : null,
            $"remote env '{h.EnvId}' served at {address}: observations {probe.ObservationSpace}, actions {probe.ActionSpace}");
        return spec;
    }
}
