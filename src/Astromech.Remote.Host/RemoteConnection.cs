using System.Collections.Concurrent;
using System.Globalization;
using Astromech.Envs.Spaces;
using Grpc.Core;
using Grpc.Net.Client;
using P = Astromech.Remote.Protocol;

namespace Astromech.Remote.Host;

/// <summary>A remote env failed: unreachable, stalled, a protocol mismatch, a malformed reply or an error the server reported. The message names which.</summary>
public sealed class RemoteEnvException : Exception
{
    public RemoteEnvException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Where a remote env is and how long a call may take: parsed from <c>remote:HOST:PORT[?timeout=SECONDS]</c>.</summary>
public sealed record RemoteAddress(string Host, int Port, double TimeoutSeconds = RemoteAddress.DefaultTimeoutSeconds)
{
    public const string Prefix = "remote:";
    public const double DefaultTimeoutSeconds = 30;

    public override string ToString() => $"{Host}:{Port}";

    public static RemoteAddress Parse(string id)
    {
        const string form = "expected remote:HOST:PORT or remote:HOST:PORT?timeout=SECONDS, e.g. remote:127.0.0.1:50051";
        if (!id.StartsWith(Prefix, StringComparison.Ordinal)) throw new ArgumentException($"'{id}' is not a remote env id: {form}");
        string rest = id[Prefix.Length..];
        double timeout = DefaultTimeoutSeconds;
        int q = rest.IndexOf('?');
        if (q >= 0)
        {
            foreach (var kv in rest[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = kv.Split('=', 2);
                if (parts.Length != 2 || parts[0] != "timeout")
                    throw new ArgumentException($"remote env id '{id}': unknown option '{kv}' (the only option is timeout=SECONDS)");
                if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out timeout) || !(timeout > 0))
                    throw new ArgumentException($"remote env id '{id}': timeout '{parts[1]}' must be a number of seconds > 0");
            }
            rest = rest[..q];
        }
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is <= 0 or > 65535)
            throw new ArgumentException($"remote env id '{id}': {form}");
        return new RemoteAddress(rest[..colon], port, timeout);
    }
}

/// <summary>
/// One session on a remote env server: the handshake (protocol version, spaces), then calls with a deadline, each
/// failure turned into a <see cref="RemoteEnvException"/> that names the server and what went wrong.
/// </summary>
internal sealed class RemoteSession : IDisposable
{
    private static readonly ConcurrentDictionary<string, GrpcChannel> Channels = new();

    private readonly P.RemoteEnv.RemoteEnvClient _client;
    private bool _closed;

    public RemoteAddress Address { get; }
    public string Id { get; }
    public P.HandshakeReply Handshake { get; }
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int NumEnvs { get; }

    public RemoteSession(RemoteAddress address, int numEnvs, uint protocolVersion = RemoteProtocol.Version)
    {
        Address = address;
        NumEnvs = numEnvs;
        var channel = Channels.GetOrAdd($"{address.Host}:{address.Port}", _ => GrpcChannel.ForAddress($"http://{address.Host}:{address.Port}",
            new GrpcChannelOptions
            {
                MaxReceiveMessageSize = 64 << 20,
                MaxSendMessageSize = 64 << 20,
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(10) },
            }));
        _client = new P.RemoteEnv.RemoteEnvClient(channel);
        Handshake = Call("handshake", d => _client.Handshake(new P.HandshakeRequest
        {
            ProtocolVersion = protocolVersion,
            NumEnvs = (uint)numEnvs,
            Client = "astromech",
        }, deadline: d));
        if (Handshake.ProtocolVersion != protocolVersion)
            throw new RemoteEnvException($"remote env {address} speaks protocol version {Handshake.ProtocolVersion}, this client speaks version {protocolVersion}");
        if (Handshake.ObservationSpace is null) throw new RemoteEnvException($"remote env {address}: the handshake carries no observation space");
        if (Handshake.ActionSpace is null) throw new RemoteEnvException($"remote env {address}: the handshake carries no action space");
        ObservationSpace = SpaceMessages.FromMessage(Handshake.ObservationSpace, $"remote env {address}: the observation space");
        ActionSpace = SpaceMessages.FromMessage(Handshake.ActionSpace, $"remote env {address}: the action space");
        Id = Handshake.Session;
    }

    public P.ResetReply Reset(int? seed)
    {
        var req = new P.ResetRequest { Session = Id, HasSeed = seed.HasValue, Seed = seed ?? 0 };
        var reply = Call("reset", d => _client.Reset(req, deadline: d));
        CheckLength(reply.Observations.Count, NumEnvs * ObservationSpace.FlatSize, "reset", "observation");
        return reply;
    }

    public P.StepReply Step(P.StepRequest req)
    {
        var reply = Call("step", d => _client.Step(req, deadline: d));
        CheckLength(reply.Observation.Count, ObservationSpace.FlatSize, "step", "observation");
        return reply;
    }

    public P.StepBatchReply StepBatch(P.StepBatchRequest req)
    {
        var reply = Call("batched step", d => _client.StepBatch(req, deadline: d));
        CheckLength(reply.Observations.Count, NumEnvs * ObservationSpace.FlatSize, "batched step", "observation");
        CheckLength(reply.FinalObservations.Count, NumEnvs * ObservationSpace.FlatSize, "batched step", "final observation");
        CheckLength(reply.Rewards.Count, NumEnvs, "batched step", "reward");
        CheckLength(reply.Terminated.Count, NumEnvs, "batched step", "terminated flag");
        CheckLength(reply.Truncated.Count, NumEnvs, "batched step", "truncated flag");
        return reply;
    }

    private void CheckLength(int got, int want, string call, string what)
    {
        if (got == want) return;
        string per = NumEnvs == 1 || what is "reward" or "terminated flag" or "truncated flag" ? "" : $" ({NumEnvs} copies)";
        string space = what.EndsWith("observation", StringComparison.Ordinal) ? $", but its observation space {ObservationSpace}{per} needs {want}" : $", but {want} were expected{per}";
        throw new RemoteEnvException($"remote env {Address} sent a wrong observation shape in its {call} reply: {got} {what} floats{space}");
    }

    private T Call<T>(string what, Func<DateTime, T> call)
    {
        try
        {
            return call(DateTime.UtcNow.AddSeconds(Address.TimeoutSeconds));
        }
        catch (RpcException e)
        {
            throw Translate(e, what);
        }
    }

    private RemoteEnvException Translate(RpcException e, string what) => e.StatusCode switch
    {
        StatusCode.Unavailable => new RemoteEnvException(
            $"remote env {Address} is unreachable during {what}: the server is not running or has gone away ({e.Status.Detail})", e),
        StatusCode.DeadlineExceeded => new RemoteEnvException(
            $"remote env {Address} did not answer {what} within {Address.TimeoutSeconds:0.###} s: the server stalled (raise it with remote:HOST:PORT?timeout=SECONDS)", e),
        StatusCode.Cancelled => new RemoteEnvException($"remote env {Address}: {what} was cancelled ({e.Status.Detail})", e),
        _ => new RemoteEnvException($"remote env {Address} refused {what}: {e.Status.Detail} ({e.StatusCode})", e),
    };

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        try { _client.Close(new P.CloseRequest { Session = Id }, deadline: DateTime.UtcNow.AddSeconds(Math.Min(2, Address.TimeoutSeconds))); }
        catch (RpcException) { } // a server that is gone has no session left to close
    }
}
