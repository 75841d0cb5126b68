using Akka.Actor;
using Akka.Cluster;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;

namespace Astromech.Cluster.Nodes;

/// <summary>A node could not join: no seed answered, or the run refused it (its spec differs).</summary>
public sealed class ClusterJoinException(string message) : Exception(message);

/// <summary>
/// One process's membership in an Astromech cluster, whatever its role: an actor system with the cluster
/// provider, a <see cref="RunMembershipActor"/> at <c>/user/run</c> holding this node's <see cref="RunSpec"/>,
/// and lookups of the other roles' actors by role (<see cref="Locate"/>). Joining goes through the seeds'
/// membership actors first: a node whose spec differs is refused before it becomes a member.
/// </summary>
public sealed class ClusterNode : IDisposable
{
    private ClusterNode(ActorSystem system, string role, RunSpec spec)
    {
        System = system;
        Role = role;
        Spec = spec;
        system.ActorOf(RunMembershipActor.Props(spec), RunMembershipActor.Name);
    }

    public ActorSystem System { get; }
    public string Role { get; }
    public RunSpec Spec { get; }
    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);
    /// <summary>This node's address (with the bound port when started on port 0).</summary>
    public Address Address => Cluster.SelfAddress;

    /// <summary>
    /// Starts a node with <paramref name="role"/>. Without seeds it is the first node: a cluster of its own
    /// (Astromech starts the replay node first; see <see cref="ClusterConfig"/>). With seeds it asks them, in
    /// order, to check its spec, joins through them, and waits until it is Up.
    /// </summary>
    public static ClusterNode Start(string role, RunSpec spec, string host, int port, IReadOnlyList<string> seeds, TimeSpan joinTimeout,
        SeedDiscovery? discovery = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (discovery is not null && seeds.Count > 0) throw new ArgumentException("give seeds or a discovery method, not both");
        IReadOnlyList<Address> seedAddresses = seeds.Select(s => Address.Parse(ReplayNode.SeedAddress(s))).ToList();
        var system = ClusterConfig.StartSystem(new[] { role }, host, port, extraHocon: discovery?.Hocon());
        try
        {
            var node = new ClusterNode(system, role, spec);
            if (discovery is not null)
            {
                seedAddresses = discovery.Resolve(system, node.Address, role, joinTimeout);
                seeds = seedAddresses.Select(a => a.ToString()).ToList();
            }
            if (seedAddresses.Count == 0) node.Cluster.Join(node.Address);
            else
            {
                node.CheckSpecWithSeeds(seedAddresses, joinTimeout);
                node.Cluster.JoinSeedNodes(seedAddresses);
            }
            if (!node.WaitUntilUp(joinTimeout))
                throw new ClusterJoinException($"{role} node: could not join the cluster through {string.Join(", ", seeds)} within {joinTimeout.TotalSeconds:F0} s");
            return node;
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    /// <summary>
    /// The start every role shares: starts a node with <paramref name="role"/> (as <see cref="Start(string, RunSpec, string, int, IReadOnlyList{string}, TimeSpan)"/>),
    /// waits until every role in <paramref name="needs"/> is up, and builds the role's pieces on it with
    /// <paramref name="build"/>; if any step fails the node leaves the cluster before the exception goes on.
    /// </summary>
    public static T Start<T>(string role, RunSpec spec, NodeOptions options, IReadOnlyList<string> needs, Func<ClusterNode, T> build)
    {
        var node = Start(role, spec, options.Host, options.Port, options.Seeds, options.JoinTimeout, options.Discovery);
        try
        {
            foreach (var need in needs)
                if (!node.WaitForRole(need, options.JoinTimeout))
                    throw new ClusterJoinException($"{role} node: no {need} node is up in the cluster after {options.JoinTimeout.TotalSeconds:F0} s (start it first: astromech node --role {need}); members seen: {node.DescribeMembers()}");
            return build(node);
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    private void CheckSpecWithSeeds(IReadOnlyList<Address> seeds, TimeSpan timeout)
    {
        var request = new JoinRequest(Role, Address.ToString(), Spec.ToJson());
        var deadline = DateTime.UtcNow + timeout;
        var failures = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            foreach (var seed in seeds)
            {
                var sel = System.ActorSelection(new RootActorPath(seed) / "user" / RunMembershipActor.Name);
                try
                {
                    var reply = sel.Ask<JoinReply>(request, TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
                    if (!reply.Accepted) throw new ClusterJoinException($"{Role} node refused by the cluster at {seed}: {reply.Reason}");
                    return;
                }
                catch (AskTimeoutException) { failures.Add(seed.ToString()); }
            }
            Thread.Sleep(500);
        }
        throw new ClusterJoinException(
            $"{Role} node: no seed node answered within {timeout.TotalSeconds:F0} s ({string.Join(", ", seeds)}): unreachable, not started yet, or not an astromech node");
    }

    /// <summary>Waits until this node is Up; false when <paramref name="timeout"/> passes first.</summary>
    public bool WaitUntilUp(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Cluster.SelfMember.Status != MemberStatus.Up)
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(50);
        }
        return true;
    }

    /// <summary>The oldest Up member with <paramref name="role"/>, or null.</summary>
    public Member? MemberWithRole(string role) =>
        Cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(role) && !Cluster.State.Unreachable.Contains(m))
            .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();

    /// <summary>The members this node sees, with status and roles (for error messages).</summary>
    public string DescribeMembers() =>
        string.Join(", ", Cluster.State.Members.Select(m => $"{m.Address} {m.Status} [{string.Join(",", m.Roles)}]{(Cluster.State.Unreachable.Contains(m) ? " unreachable" : "")}"));

    /// <summary>Waits until some member has <paramref name="role"/>; false on timeout.</summary>
    public bool WaitForRole(string role, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (MemberWithRole(role) is null)
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(100);
        }
        return true;
    }

    /// <summary>
    /// A target that always names actor <paramref name="name"/> on the current member with <paramref name="role"/>:
    /// after that process restarts (a new incarnation at the same or another address) messages reach the new one.
    /// </summary>
    public RoleTarget Locate(string role, string name) => new(this, role, name);

    public void Dispose()
    {
        try { Cluster.LeaveAsync().Wait(TimeSpan.FromSeconds(10)); } catch (Exception e) when (e is AggregateException or TaskCanceledException) { }
        System.Terminate().Wait(TimeSpan.FromSeconds(20));
    }
}

/// <summary>An actor found by role and name; resolved again on every send, so it follows restarts of its node.</summary>
public sealed class RoleTarget(ClusterNode node, string role, string name) : ICanTell
{
    public string Role => role;
    public string Name => name;

    /// <summary>The actor on the current member with the role; <see cref="RoleUnavailableException"/> when none is up.</summary>
    public ActorSelection Resolve()
    {
        var m = node.MemberWithRole(role) ?? throw new RoleUnavailableException($"no {role} node is up in the cluster");
        return node.System.ActorSelection(new RootActorPath(m.Address) / "user" / name);
    }

    public void Tell(object message, IActorRef sender) => Resolve().Tell(message, sender);

    public override string ToString() => $"{role}:/user/{name}";
}
