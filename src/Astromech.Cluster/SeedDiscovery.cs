using Akka.Actor;
using Akka.Discovery;

namespace Astromech.Cluster;

/// <summary>
/// Finds a joining node's seeds with Akka.Discovery instead of a fixed --seeds list: the addresses of the nodes
/// of <see cref="Service"/>, looked up with discovery method <see cref="Method"/>. On Kubernetes that is
/// <c>kubernetes-api</c>: the pods labelled <c>app=SERVICE</c> in the pod's namespace, at their container port
/// named <see cref="PortName"/> (give the remoting port that name); <c>config</c> reads fixed endpoints from the
/// configuration (<see cref="ConfigEndpoints"/>), which is how it is tested here without a Kubernetes API server.
/// </summary>
public sealed record SeedDiscovery(string Method, string Service, string? PortName = SeedDiscovery.DefaultPortName, IReadOnlyList<string>? ConfigEndpoints = null)
{
    public const string DefaultPortName = "akka-remote";
    public static readonly string[] Methods = { "kubernetes-api", "config" };

    /// <summary>
    /// Parses the CLI form <c>kubernetes-api:SERVICE[:PORT_NAME]</c> (the port name defaults to
    /// <see cref="DefaultPortName"/>) or <c>config:SERVICE=HOST:PORT[,HOST:PORT...]</c>.
    /// </summary>
    public static SeedDiscovery Parse(string text)
    {
        int colon = text.IndexOf(':');
        string method = colon < 0 ? text : text[..colon], rest = colon < 0 ? "" : text[(colon + 1)..];
        switch (method)
        {
            case "kubernetes-api":
            {
                var parts = rest.Split(':');
                if (parts[0].Length == 0 || parts.Length > 2 || parts.Length == 2 && parts[1].Length == 0)
                    throw new ArgumentException($"discovery '{text}' is not kubernetes-api:SERVICE[:PORT_NAME]");
                return new SeedDiscovery(method, parts[0], parts.Length == 2 ? parts[1] : DefaultPortName);
            }
            case "config":
            {
                int eq = rest.IndexOf('=');
                var endpoints = eq < 0 ? Array.Empty<string>() : rest[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (eq <= 0 || endpoints.Length == 0) throw new ArgumentException($"discovery '{text}' is not config:SERVICE=HOST:PORT[,HOST:PORT...]");
                return new SeedDiscovery(method, rest[..eq], null, endpoints);
            }
            default:
                throw new ArgumentException($"unknown discovery method '{method}'; methods: {string.Join(", ", Methods)}");
        }
    }

    /// <summary>The configuration the method needs (added to the node's).</summary>
    internal string Hocon()
    {
        var Q = ClusterConfig.Quote;
        return Method == "config"
            ? $"akka.discovery.config.services {{ {Q(Service)} {{ endpoints = [{string.Join(", ", (ConfigEndpoints ?? Array.Empty<string>()).Select(Q))}] }} }}"
            : "akka.discovery.kubernetes-api.pod-label-selector = \"app={0}\"";
    }

    /// <summary>
    /// Looks the service up until it names at least one node other than <paramref name="self"/>, and returns
    /// their addresses; <see cref="Nodes.ClusterJoinException"/> when <paramref name="timeout"/> passes first.
    /// </summary>
    public IReadOnlyList<Address> Resolve(ActorSystem system, Address self, string role, TimeSpan timeout)
    {
        if (Method == "kubernetes-api")
            system.Settings.InjectTopLevelFallback(Akka.Discovery.KubernetesApi.KubernetesDiscovery.DefaultConfiguration());
        var discovery = Discovery.Get(system).LoadServiceDiscovery(Method);
        var deadline = DateTime.UtcNow + timeout;
        string last = "nothing";
        while (true)
        {
            try
            {
                var resolved = discovery.Lookup(new Lookup(Service, PortName, PortName is null ? null : "tcp"), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                var found = new List<Address>();
                int portless = 0;
                foreach (var t in resolved.Addresses)
                {
                    if (t.Port is not int port) { portless++; continue; } // e.g. a pod of the label whose remoting port has another name
                    var a = new Address("akka.tcp", ClusterConfig.SystemName, t.Host, port);
                    if (!IsSelf(a, self)) found.Add(a);
                }
                if (found.Count > 0) return found;
                last = resolved.Addresses.Count == 0 ? "no nodes"
                    : portless > 0 ? $"{portless} node(s) without a port named '{PortName}'; name the remoting container port so"
                    : "only this node";
            }
            catch (Exception e) when (e is not Nodes.ClusterJoinException) { last = e.GetBaseException().Message; }
            if (DateTime.UtcNow > deadline)
                throw new Nodes.ClusterJoinException($"{role} node: discovery ({Method}) found no '{Service}' node to join within {timeout.TotalSeconds:F0} s (last lookup: {last})");
            Thread.Sleep(1000);
        }
    }

    /// <summary>Whether a discovered address is this node: the same port and host, comparing IP addresses when the names differ (discovery returns pod IPs).</summary>
    private static bool IsSelf(Address found, Address self)
    {
        if (found.Port != self.Port) return false;
        if (string.Equals(found.Host, self.Host, StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            var mine = System.Net.Dns.GetHostAddresses(self.Host!);
            return System.Net.Dns.GetHostAddresses(found.Host!).Any(ip => mine.Contains(ip));
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    public override string ToString() => Method == "config" ? $"config:{Service}" : $"{Method}:{Service}:{PortName}";
}
