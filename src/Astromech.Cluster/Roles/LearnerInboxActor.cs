using Akka.Actor;
using Astromech.Cluster.Messages;

namespace Astromech.Cluster.Roles;

/// <summary>What a learner does with actor reports (<see cref="Nodes.LearnerNode"/> counts them into its run).</summary>
public interface IActorReportSink
{
    /// <summary>Counts <paramref name="report"/>; returns whether it was counted (false: the run has not started yet, resend).</summary>
    bool Accept(ActorReport report);
    /// <summary>True once actors should stop: the run's budget is spent or the learner is done.</summary>
    bool StopActors { get; }
    long LearnerUpdates { get; }
}

/// <summary>
/// The learner's mailbox for actor reports, at <c>/user/learner</c>. Reports are deduplicated by
/// (actor, sequence): an actor resends a report until it is acknowledged, and a resent one is acknowledged
/// without being counted twice.
/// </summary>
public sealed class LearnerInboxActor : ReceiveActor
{
    public const string Name = "learner";
    private readonly Dictionary<string, long> _lastSequence = new();

    public LearnerInboxActor(IActorReportSink sink)
    {
        Receive<ActorReport>(m =>
        {
            long last = _lastSequence.GetValueOrDefault(m.Actor, 0);
            bool counted = m.Sequence <= last || sink.Accept(m);
            if (counted && m.Sequence > last) _lastSequence[m.Actor] = m.Sequence;
            Sender.Tell(new ActorReportAck(counted ? m.Sequence : -1, sink.StopActors, sink.LearnerUpdates));
        });
    }

    public static Props Props(IActorReportSink sink) => Akka.Actor.Props.Create(() => new LearnerInboxActor(sink));
}
