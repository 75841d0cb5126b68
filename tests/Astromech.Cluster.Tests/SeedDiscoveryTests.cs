using Akka.Cluster;
using Astromech.Cluster.Nodes;

namespace Astromech.Cluster.Tests;

/// <summary>Seeds found by Akka.Discovery instead of --seeds (the config method here; kubernetes-api takes the same path).</summary>
[Collection(ClusterCollection.Name)]
public sealed class SeedDiscoveryTests(ThreeNodeCluster cluster)
{
    [Fact]
    public void ANodeFindsItsSeedsThroughDiscoveryAndJoins()
    {
        var learner = Akka.Cluster.Cluster.Get(cluster.Learner).SelfAddress;
        var discovery = SeedDiscovery.Parse($"config:astromech-learner={learner.Host}:{learner.Port}");
        using var node = ApexCluster.StartReplay(ThreeNodeCluster.Config, ThreeNodeCluster.Spec, 0, new NodeOptions { Discovery = discovery, JoinTimeout = TimeSpan.FromSeconds(60) });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Akka.Cluster.Cluster.Get(cluster.Learner).State.Members.Any(m => m.Address == node.Address && m.Status == MemberStatus.Up))
        {
            Assert.True(DateTime.UtcNow < deadline, "the node that found its seed by discovery did not become Up within 60 s");
            Thread.Sleep(50);
        }
    }

    [Fact]
    public void KubernetesDiscoveryOutsideKubernetesFailsClearlyInsteadOfHanging()
    {
        // The kubernetes-api method loads and asks for the API server, which is not here: the node gives up naming the service and why.
        var e = Assert.Throws<ClusterJoinException>(() => ApexCluster.StartReplay(ThreeNodeCluster.Config, ThreeNodeCluster.Spec, 0,
            new NodeOptions { Discovery = SeedDiscovery.Parse("kubernetes-api:astromech-learner"), JoinTimeout = TimeSpan.FromSeconds(3) }));
        Assert.Contains("replay node: discovery (kubernetes-api) found no 'astromech-learner' node to join within 3 s (last lookup: ", e.Message);
    }

    [Fact]
    public void DiscoverySettingsAreParsedAndBadOnesNamed()
    {
        Assert.Equal(new SeedDiscovery("kubernetes-api", "astromech-replay", "akka-remote"), SeedDiscovery.Parse("kubernetes-api:astromech-replay"));
        Assert.Equal("remoting", SeedDiscovery.Parse("kubernetes-api:astromech-replay:remoting").PortName);
        Assert.Equal(new[] { "10.0.0.1:4053", "10.0.0.2:4053" }, SeedDiscovery.Parse("config:replay=10.0.0.1:4053, 10.0.0.2:4053").ConfigEndpoints);
        Assert.Contains("unknown discovery method 'dns'; methods: kubernetes-api, config", Assert.Throws<ArgumentException>(() => SeedDiscovery.Parse("dns:replay")).Message);
        Assert.Contains("is not kubernetes-api:SERVICE[:PORT_NAME]", Assert.Throws<ArgumentException>(() => SeedDiscovery.Parse("kubernetes-api:")).Message);
        Assert.Contains("is not config:SERVICE=HOST:PORT", Assert.Throws<ArgumentException>(() => SeedDiscovery.Parse("config:replay")).Message);
    }
}
