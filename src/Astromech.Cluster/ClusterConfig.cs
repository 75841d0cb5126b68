using Akka.Actor;
using Akka.Configuration;
using Astromech.Cluster.Serialization;

namespace Astromech.Cluster;

/// <summary>
/// The Akka configuration of an Astromech node, from the facts measured in CLUSTER.md: cluster provider over
/// DotNetty TCP, frames up to <c>maxFrameBytes</c> (the default 128,000 bytes fails 1–4 MiB weight messages),
/// a heartbeat pause of 5 s (big frames share the connection with heartbeats), the split-brain resolver
/// keeping the oldest node's side, with down-if-alone (see below), and every
/// <see cref="Messages.IAstromechMessage"/> bound to the <see cref="AstromechSerializer"/>.
/// </summary>
/// <remarks>
/// Split-brain strategy: CLUSTER.md suggested keep-majority with role = learner, so the learner's side
/// always survives a partition. But when the learner process dies, every other node is then on the side
/// without the learner and downs itself, and the run cannot resume with a restarted learner. Astromech's
/// clusters start with the replay node as the seed, so it is the oldest member: keep-oldest keeps the
/// replay's side when a learner or actor dies, and down-if-alone downs the replay when it alone is
/// unreachable, so learner and actors survive it and reconnect to its restarted process.
/// </remarks>
public static class ClusterConfig
{
    public const string SystemName = "astromech";
    /// <summary>The remoting frame size every node is configured with.</summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;
    /// <summary>The largest Astromech message that fits a frame with room for Akka's envelope.</summary>
    public const int MaxMessageBytes = MaxFrameBytes - 64 * 1024;
    public static readonly string[] Roles = { "learner", "replay", "actor" };

    public static Config Build(IEnumerable<string> roles, string host = "127.0.0.1", int port = 0, IEnumerable<string>? seedNodes = null,
        int maxFrameBytes = MaxFrameBytes, string? extraHocon = null)
    {
        var roleList = roles.ToList();
        foreach (var r in roleList)
            if (!Roles.Contains(r)) throw new ArgumentException($"unknown cluster role '{r}'; roles: {string.Join(", ", Roles)}");
        if (port < 0 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "a TCP port lies in [0, 65535] (0: any free port)");
        string seeds = string.Join(", ", (seedNodes ?? Array.Empty<string>()).Select(s => Quote(s)));
        string serializer = $"\"{typeof(AstromechSerializer).AssemblyQualifiedNameShort()}\"";
        string marker = $"\"{typeof(Messages.IAstromechMessage).AssemblyQualifiedNameShort()}\"";
        string hocon = $$"""
            akka {
              loglevel = WARNING
              stdout-loglevel = WARNING
              actor {
                provider = cluster
                serializers { astromech = {{serializer}} }
                serialization-bindings { {{marker}} = astromech }
              }
              remote {
                dot-netty.tcp {
                  hostname = {{Quote(host)}}
                  port = {{port}}
                  maximum-frame-size = {{maxFrameBytes}}b
                  send-buffer-size = {{maxFrameBytes}}b
                  receive-buffer-size = {{maxFrameBytes}}b
                }
                transport-failure-detector.acceptable-heartbeat-pause = 10s
                # Association errors ("Disassociated" when a node leaves at the end of a run) were logged at error
                # level; outages are reported by Astromech's own clients and membership by the cluster.
                log-remote-lifecycle-events = off
              }
              cluster {
                roles = [{{string.Join(", ", roleList.Select(Quote))}}]
                seed-nodes = [{{seeds}}]
                failure-detector.acceptable-heartbeat-pause = 5s
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-oldest
                  stable-after = 5s
                  keep-oldest.down-if-alone = on
                }
                log-info = off
              }
              coordinated-shutdown.terminate-actor-system = on
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """;
        return ConfigurationFactory.ParseString(hocon + "\n" + (extraHocon ?? ""));
    }

    internal static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string AssemblyQualifiedNameShort(this Type t) => $"{t.FullName}, {t.Assembly.GetName().Name}";

    /// <summary>Starts an actor system for <paramref name="roles"/> (it joins <paramref name="seedNodes"/>, if any, by itself).</summary>
    public static ActorSystem StartSystem(IEnumerable<string> roles, string host = "127.0.0.1", int port = 0, IEnumerable<string>? seedNodes = null,
        string? extraHocon = null) =>
        ActorSystem.Create(SystemName, Build(roles, host, port, seedNodes, extraHocon: extraHocon));
}
