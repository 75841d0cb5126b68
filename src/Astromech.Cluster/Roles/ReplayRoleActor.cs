using Akka.Actor;
using Astromech.Cluster.Messages;

namespace Astromech.Cluster.Roles;

/// <summary>
/// What every replay role shares, whatever it stores (transitions for Ape-X, sequences for R2D2): one message
/// at a time, malformed requests answered with a <see cref="RoleError"/> naming the problem, an
/// <see cref="Incarnation"/> in every stats reply, and fair inserts across processes.
/// <para>Fair inserts: an insert the rate limiter holds back is not refused at once but waits here, first come
/// first served, and goes in as soon as samples make room (checked after every sample and on a 50 ms tick);
/// only one that waited the maximum wait (<see cref="DefaultMaxInsertWait"/> unless given) is refused, and the
/// actor sends it again. With immediate refusals, whichever actor process happened to retry first got in, and
/// one actor could be starved for seconds.</para>
/// </summary>
public abstract class ReplayRoleActor<TInsert> : ReceiveActor where TInsert : class, IAstromechMessage
{
    /// <summary>How long a held-back insert may wait for room before it is refused, by default.</summary>
    public static readonly TimeSpan DefaultMaxInsertWait = TimeSpan.FromMilliseconds(500);
    private const int MaxWaitingInserts = 256;

    private readonly string _what;
    private readonly TimeSpan _maxInsertWait;
    private readonly Queue<(TInsert Msg, IActorRef Sender, DateTime Since)> _waiting = new();
    private ICancelable? _tick;

    /// <summary>
    /// Differs between any two starts of a shard's process (a client seeing it change knows the table was lost).
    /// Drawn once per Props (<see cref="NewIncarnation"/>), so a supervisor restart of this actor, which keeps the
    /// shard and its table, keeps it too.
    /// </summary>
    public long Incarnation { get; }

    public static long NewIncarnation() => Random.Shared.NextInt64(1, long.MaxValue);

    private sealed class Tick { public static readonly Tick Instance = new(); }

    /// <param name="what">The role's name in error messages ("replay", "sequence replay").</param>
    protected ReplayRoleActor(string what, TimeSpan? maxInsertWait, long incarnation)
    {
        _what = what;
        Incarnation = incarnation;
        _maxInsertWait = maxInsertWait ?? DefaultMaxInsertWait;
        Receive<TInsert>(m =>
        {
            if (_waiting.Count == 0) { Reply(() => TryInsert(m) ? new InsertResult(true, Inserted) : Wait(m)); return; }
            if (_waiting.Count >= MaxWaitingInserts) { Sender.Tell(new InsertResult(false, Inserted)); return; }
            _waiting.Enqueue((m, Sender, DateTime.UtcNow)); // behind the ones already waiting
        });
        Receive<Tick>(_ => Drain());
        Receive<GetReplayStats>(_ => Reply(() =>
        {
            var s = ShardStats;
            return new ReplayStatsReply(s.Size, s.Capacity, s.Inserted, s.Sampled, s.PriorityUpdates, s.StalePriorityUpdates, Incarnation);
        }));
    }

    /// <summary>Inserts the request's items; false when the rate limiter holds them back. Throws <see cref="ArgumentException"/> for a malformed one.</summary>
    protected abstract bool TryInsert(TInsert m);
    /// <summary>The hosted shard's counters (answered to stats requests; its insert count with every insert).</summary>
    protected abstract Replay.ReplayShardStats ShardStats { get; }
    private long Inserted => ShardStats.Inserted;

    /// <summary>Answers a sample request, then lets waiting inserts into the room the sample made.</summary>
    protected void ReplyToSample(Func<IAstromechMessage> sample)
    {
        Reply(sample);
        Drain();
    }

    /// <summary>Answers the sender with <paramref name="handle"/>'s result, or a <see cref="RoleError"/> naming what was wrong with the request.</summary>
    protected void Reply(Func<IAstromechMessage> handle)
    {
        IAstromechMessage answer;
        try
        {
            answer = handle();
            if (answer is not NoReply) WireLimit.EnsureFits(answer);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or RoleException) { answer = new RoleError($"{_what}: {e.Message}"); }
        if (answer is not NoReply) Sender.Tell(answer);
    }

    /// <summary>"Answer later": the request waits in the insert queue.</summary>
    private sealed class NoReply : IAstromechMessage
    {
        public static readonly NoReply Instance = new();
        public int WireSize => 0;
        public void Write(ref Serialization.WireWriter w) { }
    }

    /// <summary>Holds a refused insert (no reply yet); <see cref="Drain"/> answers it.</summary>
    private IAstromechMessage Wait(TInsert m)
    {
        _waiting.Enqueue((m, Sender, DateTime.UtcNow));
        return NoReply.Instance;
    }

    /// <summary>Answers waiting inserts in order: in while the limiter allows, refused once they waited too long.</summary>
    private void Drain()
    {
        while (_waiting.Count > 0)
        {
            var (m, sender, since) = _waiting.Peek();
            IAstromechMessage answer;
            try
            {
                bool ok = TryInsert(m);
                if (!ok && DateTime.UtcNow - since < _maxInsertWait) return; // the head still waits, and so does everyone behind it
                answer = new InsertResult(ok, Inserted);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or RoleException) { answer = new RoleError($"{_what}: {e.Message}"); }
            _waiting.Dequeue();
            sender.Tell(answer);
        }
    }

    protected override void PreStart() =>
        _tick = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50), Self, Tick.Instance, ActorRefs.NoSender);

    protected override void PostStop() => _tick?.Cancel();
}
