using Akka.Actor;
using Astromech.Cluster.Messages;

namespace Astromech.Cluster.Roles;

/// <summary>What a learner does with actor reports (<see cref="Nodes.LearnerNode"/> counts them into its run).</summary>
public interface IActorReportSink
{
    /// <summary>
    /// Counts <paramref name="report"/> unless it was counted before (the sink keeps the last sequence number per
    /// actor); returns whether it is settled (counted now or before), false when the run has not started (resend).
    /// </summary>
    bool Accept(ActorReport report);
    /// <summary>True once actors should stop: the run's budget is spent or the learner is done.</summary>
    bool StopActors { get; }
    long LearnerUpdates { get; }
}

/// <summary>
/// The learner's mailbox for actor reports, at <c>/user/learner</c>. An actor resends a report until it is
/// acknowledged; the sink counts each (actor, sequence) once, and keeps that book itself, so a restart of this
/// mailbox cannot count a resend twice.
/// </summary>
public sealed class LearnerInboxActor : ReceiveActor
{
    public const string Name = "learner";

    public LearnerInboxActor(IActorReportSink sink)
    {
        Receive<ActorReport>(m =>
        {
            bool settled = sink.Accept(m);
            Sender.Tell(new ActorReportAck(settled ? m.Sequence : -1, sink.StopActors, sink.LearnerUpdates));
        });
    }

    public static Props Props(IActorReportSink sink) => Akka.Actor.Props.Create(() => new LearnerInboxActor(sink));
}
