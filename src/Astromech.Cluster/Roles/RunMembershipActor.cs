using Akka.Actor;
using Astromech.Cluster.Messages;

namespace Astromech.Cluster.Roles;

/// <summary>
/// Every node hosts one at <c>/user/run</c> with its own <see cref="RunSpec"/>. A node about to join asks a
/// seed's with a <see cref="JoinRequest"/>; a node whose spec differs in anything (env, shapes, any config
/// key) is refused with each difference named, before it becomes a member, so it never touches the run.
/// </summary>
public sealed class RunMembershipActor : ReceiveActor
{
    public const string Name = "run";

    public RunMembershipActor(RunSpec spec)
    {
        Receive<JoinRequest>(m =>
        {
            List<string> diffs;
            try { diffs = spec.Differences(RunSpec.FromJson(m.SpecJson)); }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or NullReferenceException or System.Text.Json.JsonException)
            {
                diffs = new List<string> { $"its run spec could not be read ({e.Message})" };
            }
            Sender.Tell(diffs.Count == 0
                ? new JoinReply(true, "")
                : new JoinReply(false, $"node '{m.Node}' (role {m.Role}) does not match the run: " + string.Join("; ", diffs)));
        });
    }

    public static Props Props(RunSpec spec) => Akka.Actor.Props.Create(() => new RunMembershipActor(spec));
}
