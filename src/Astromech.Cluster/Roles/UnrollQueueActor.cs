using Akka.Actor;
using Astromech.Agents.Impala;
using Astromech.Cluster.Messages;

namespace Astromech.Cluster.Roles;

/// <summary>
/// IMPALA's unroll queue as a role, at <c>/user/unrolls</c> on the learner node: each <see cref="SubmitUnroll"/>
/// is copied into a pooled rollout buffer and offered to the <see cref="ImpalaAgent"/>'s bounded queue,
/// waiting at most <see cref="OfferMilliseconds"/>. A full queue answers "not accepted" and the actor sends
/// the unroll again shortly: the queue's capacity is the back-pressure, so a slow learner slows its actors.
/// An unroll of the wrong shape is answered with a <see cref="RoleError"/> naming the field.
/// <para>An unroll sent again after its answer was lost (the actor's request timed out while the queue had in
/// fact taken it) is recognised by its submitter and sequence number, answered "accepted" and not queued a
/// second time: the learner would otherwise train on it twice and count its steps twice.</para>
/// </summary>
public sealed class UnrollQueueActor : ReceiveActor
{
    public const string Name = "unrolls";
    public const int OfferMilliseconds = 20;
    // The newest sequence number taken from each submitter (an actor loop's run; a restarted actor is a new submitter).
    private readonly Dictionary<long, long> _taken = new();

    /// <summary>Resent unrolls that were already on the queue, answered without queueing them again.</summary>
    public long Duplicates { get; private set; }

    public UnrollQueueActor(ImpalaAgent agent)
    {
        Receive<SubmitUnroll>(m =>
        {
            if (_taken.TryGetValue(m.Submitter, out long last) && m.Sequence <= last)
            {
                Duplicates++;
                Sender.Tell(new UnrollAccepted(true, agent.QueueSize));
                return;
            }
            var buffer = agent.RentBuffer();
            try
            {
                if (m.Steps != buffer.Steps || m.Envs != buffer.Envs || m.ObsSize != buffer.ObsSize || m.ActionSize != buffer.ActionSize)
                    throw new ArgumentException($"unroll of {m.Steps} steps × {m.Envs} env copies (observation {m.ObsSize}, action {m.ActionSize}); this learner trains on {buffer.Steps} × {buffer.Envs} ({buffer.ObsSize}, {buffer.ActionSize})");
                buffer.Load(m.Obs, m.Actions, m.LogProbs, m.Rewards, m.Discounts, m.Ends, m.FinalObs, m.BootstrapObs);
            }
            catch (ArgumentException e)
            {
                agent.ReturnBuffer(buffer);
                Sender.Tell(new RoleError($"unroll queue: {e.Message}"));
                return;
            }
            bool ok = agent.TryEnqueue(new Unroll(buffer, m.BehaviourVersion, m.Actor), OfferMilliseconds);
            if (ok) _taken[m.Submitter] = m.Sequence;
            else agent.ReturnBuffer(buffer);
            Sender.Tell(new UnrollAccepted(ok, agent.QueueSize));
        });
    }

    public static Props Props(ImpalaAgent agent) => Akka.Actor.Props.Create(() => new UnrollQueueActor(agent));
}
