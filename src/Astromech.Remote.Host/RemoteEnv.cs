using Astromech.Envs;
using Astromech.Envs.Spaces;
using P = Astromech.Remote.Protocol;

namespace Astromech.Remote.Host;

/// <summary>
/// An ordinary <see cref="IEnv"/> whose env lives in another process: one session (one copy) on a remote env server.
/// Its spaces come from the handshake. Every call has the address's deadline; any failure throws
/// <see cref="RemoteEnvException"/> naming the server and the problem (unreachable, stalled, wrong shape, refused).
/// </summary>
public sealed class RemoteEnv : IEnv
{
    private readonly RemoteSession _session;
    private readonly P.StepRequest _step;
    private readonly int _obsSize;
    private bool _needsReset = true;

    public RemoteEnv(RemoteAddress address) : this(new RemoteSession(address, 1)) { }

    internal RemoteEnv(RemoteSession session)
    {
        _session = session;
        _step = new P.StepRequest { Session = session.Id };
        _obsSize = session.ObservationSpace.FlatSize;
    }

    /// <summary>Connects with a chosen protocol version (tests of the version check).</summary>
    internal static RemoteEnv Connect(RemoteAddress address, uint protocolVersion) => new(new RemoteSession(address, 1, protocolVersion));

    public RemoteAddress Address => _session.Address;
    public Space ObservationSpace => _session.ObservationSpace;
    public Space ActionSpace => _session.ActionSpace;
    public EnvSpec? Spec { get; set; }

    /// <summary>The env's name on the server (e.g. its registry id).</summary>
    public string RemoteEnvId => _session.Handshake.EnvId;

    public IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        _needsReset = true;
        var reply = _session.Reset(seed);
        for (int i = 0; i < _obsSize; i++) obs[i] = reply.Observations[i];
        _needsReset = false;
        return null;
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (_needsReset)
            throw new InvalidOperationException($"remote env {Address}: Step called before Reset or after the episode ended (terminated or truncated); call Reset first.");
        if (!ActionSpace.Contains(action))
            throw new ArgumentException($"remote env {Address}: action {Space.Format(action)} is not in the action space {ActionSpace}");
        _step.Action.Clear();
        for (int i = 0; i < action.Length; i++) _step.Action.Add(action[i]);
        P.StepReply reply;
        try { reply = _session.Step(_step); }
        catch { _needsReset = true; throw; }
        for (int i = 0; i < _obsSize; i++) obs[i] = reply.Observation[i];
        if (reply.Terminated || reply.Truncated) _needsReset = true;
        var info = reply.HasSuccess ? (reply.Success ? EpisodeSuccess.Succeeded : EpisodeSuccess.Failed) : null;
        return new StepResult(reply.Reward, reply.Terminated, reply.Truncated, info);
    }

    public void Dispose() => _session.Dispose();
}
