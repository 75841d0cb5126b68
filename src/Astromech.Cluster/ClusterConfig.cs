using Akka.Actor;
using Akka.Configuration;
using Astromech.Cluster.Serialization;

namespace Astromech.Cluster;

/// <summary>
/// The Akka configuration of an Astromech node, from the facts measured in CLUSTER.md: cluster provider over
/// DotNetty TCP, frames up to <c>maxFrameBytes</c> (the default 128,000 bytes fails 1–4 MiB weight messages),
/// a heartbeat pause of 5 s (big frames share the connection with heartbeats), the split-brain resolver
/// keeping the majority with the learner role (so the learner's side survives), and every
/// <see cref="Messages.IAstromechMessage"/> bound to the <see cref="AstromechSerializer"/>.
/// </summary>
public static class ClusterConfig
{
    public const string SystemName = "astromech";
    public static readonly string[] Roles = { "learner", "replay", "actor" };

    public static Config Build(IEnumerable<string> roles, string host = "127.0.0.1", int port = 0, IEnumerable<string>? seedNodes = null,
        int maxFrameBytes = 16 * 1024 * 1024)
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
              }
              cluster {
                roles = [{{string.Join(", ", roleList.Select(Quote))}}]
                seed-nodes = [{{seeds}}]
                failure-detector.acceptable-heartbeat-pause = 5s
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = 5s
                  keep-majority.role = "learner"
                }
                log-info = off
              }
              coordinated-shutdown.terminate-actor-system = on
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """;
        return ConfigurationFactory.ParseString(hocon);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string AssemblyQualifiedNameShort(this Type t) => $"{t.FullName}, {t.Assembly.GetName().Name}";

    /// <summary>Starts an actor system for <paramref name="roles"/> (it joins <paramref name="seedNodes"/>, if any, by itself).</summary>
    public static ActorSystem StartSystem(IEnumerable<string> roles, string host = "127.0.0.1", int port = 0, IEnumerable<string>? seedNodes = null) =>
        ActorSystem.Create(SystemName, Build(roles, host, port, seedNodes));
}
