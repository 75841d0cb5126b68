using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Replay;

namespace Astromech.Cluster.Roles;

/// <summary>
/// The replay role: hosts one <see cref="ReplayShard"/> (the same table, rate limiter and priority rules the
/// embedded runner calls directly) and turns insert / sample / update-priorities / stats messages into its
/// calls. One message at a time, so the shard's lock is never contended here. Malformed requests (rows of the
/// wrong shape, non-finite priorities) are answered with a <see cref="RoleError"/> naming the problem.
/// <para>Fair inserts across processes: an insert the rate limiter holds back is not refused at once but waits
/// here, first come first served, and goes in as soon as samples make room (checked after every sample and on a
/// 50 ms tick); only one that waited <see cref="DefaultMaxInsertWait"/> (or the given wait) is refused (the actor sends it again). With
/// immediate refusals, whichever actor process happened to retry first got in, and one actor could be starved
/// for seconds.</para>
/// </summary>
public sealed class ReplayShardActor : ReceiveActor
{
    private readonly ReplayShard _shard;
    private ReplayBatch _batch;
    /// <summary>Differs between any two starts of a shard (a client seeing it change knows the table was lost).</summary>
    public long Incarnation { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>How long a held-back insert may wait for room before it is refused, by default.</summary>
    public static readonly TimeSpan DefaultMaxInsertWait = TimeSpan.FromMilliseconds(500);
    private readonly TimeSpan _maxInsertWait;
    private const int MaxWaitingInserts = 256;
    private readonly Queue<(InsertTransitions Msg, IActorRef Sender, DateTime Since)> _waiting = new();
    private ICancelable? _tick;

    private sealed class Tick { public static readonly Tick Instance = new(); }

    public ReplayShardActor(ReplayShard shard, TimeSpan? maxInsertWait = null)
    {
        _shard = shard;
        _maxInsertWait = maxInsertWait ?? DefaultMaxInsertWait;
        _batch = new ReplayBatch(1, shard.ObsSize, shard.ActSize);
        Receive<InsertTransitions>(m =>
        {
            if (_waiting.Count == 0) { Reply(() => Insert(m, out bool ok) is var r && (ok || _waiting.Count >= MaxWaitingInserts) ? r : Wait(m)); return; }
            if (_waiting.Count >= MaxWaitingInserts) { Sender.Tell(new InsertResult(false, _shard.Stats.Inserted)); return; }
            _waiting.Enqueue((m, Sender, DateTime.UtcNow)); // behind the ones already waiting
        });
        Receive<SampleRequest>(m =>
        {
            Reply(() => Sample(m));
            Drain();
        });
        Receive<Tick>(_ => Drain());
        Receive<UpdatePriorities>(m => Reply(() => new PrioritiesUpdated(_shard.UpdatePriorities(m.Indices, m.Keys, m.TdErrors))));
        Receive<GetReplayStats>(_ => Reply(() =>
        {
            var s = _shard.Stats;
            return new ReplayStatsReply(s.Size, s.Capacity, s.Inserted, s.Sampled, s.PriorityUpdates, s.StalePriorityUpdates, Incarnation);
        }));
    }

    public static Props Props(ReplayShard shard, TimeSpan? maxInsertWait = null) => Akka.Actor.Props.Create(() => new ReplayShardActor(shard, maxInsertWait));

    private void Reply(Func<IAstromechMessage> handle)
    {
        IAstromechMessage answer;
        try
        {
            answer = handle();
            if (answer is not NoReply) WireLimit.EnsureFits(answer);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or RoleException) { answer = new RoleError($"replay: {e.Message}"); }
        if (answer is not NoReply) Sender.Tell(answer);
    }

    /// <summary>"Answer later": the request waits in the insert queue.</summary>
    private sealed class NoReply : IAstromechMessage
    {
        public static readonly NoReply Instance = new();
        public int WireSize => 0;
        public void Write(ref Serialization.WireWriter w) { }
    }

    private InsertResult Insert(InsertTransitions m, out bool ok)
    {
        var block = new TransitionBlock(m.ObsSize, m.ActSize, m.Obs, m.Actions, m.Rewards, m.Discounts, m.NextObs);
        ok = _shard.TryInsert(block, m.Priorities);
        return new InsertResult(ok, _shard.Stats.Inserted);
    }

    /// <summary>Holds a refused insert (no reply yet); <see cref="Drain"/> answers it.</summary>
    private IAstromechMessage Wait(InsertTransitions m)
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
                var r = Insert(m, out bool ok);
                if (!ok && DateTime.UtcNow - since < _maxInsertWait) return; // the head still waits, and so does everyone behind it
                answer = r;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { answer = new RoleError($"replay: {e.Message}"); }
            _waiting.Dequeue();
            sender.Tell(answer);
        }
    }

    protected override void PreStart() =>
        _tick = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50), Self, Tick.Instance, ActorRefs.NoSender);

    protected override void PostStop() => _tick?.Cancel();

    private SampledBatch Sample(SampleRequest m)
    {
        if (m.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {m.BatchSize}");
        if (_batch.Capacity < m.BatchSize) _batch = new ReplayBatch(m.BatchSize, _shard.ObsSize, _shard.ActSize);
        if (!_shard.TrySample(m.BatchSize, m.Beta, _batch)) return SampledBatch.Refusal(_shard.ObsSize, _shard.ActSize);
        int b = m.BatchSize, o = _shard.ObsSize, a = _shard.ActSize;
        return new SampledBatch(false, o, a, _batch.HasWeights, _batch.Indices[..b], _batch.Keys[..b], _batch.Obs[..(b * o)], _batch.Actions[..(b * a)],
            _batch.Rewards[..b], _batch.Discounts[..b], _batch.NextObs[..(b * o)], _batch.Weights[..b]);
    }
}
