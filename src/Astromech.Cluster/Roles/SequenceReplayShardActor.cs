using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Replay;

namespace Astromech.Cluster.Roles;

/// <summary>
/// R2D2's replay role: hosts a <see cref="SequenceReplayShard"/> (sequence replay with stored recurrent states,
/// mixed max/mean priorities, sample-to-insert rate limiter) and turns insert / sample / priority / stats
/// messages into its calls, one at a time. Malformed sequences are answered with a <see cref="RoleError"/>;
/// inserts the rate limiter holds back wait in the same fair queue as Ape-X's (<see cref="ReplayRoleActor{TInsert}"/>).
/// </summary>
public sealed class SequenceReplayShardActor : ReplayRoleActor<InsertSequences>
{
    private readonly SequenceReplayShard _shard;
    private readonly List<SequenceItem> _items = new();

    public SequenceReplayShardActor(SequenceReplayShard shard, TimeSpan? maxInsertWait, long incarnation) : base("sequence replay", maxInsertWait, incarnation)
    {
        _shard = shard;
        var r = shard.Replay;
        Receive<SampleSequences>(m => ReplyToSample(() =>
        {
            if (m.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {m.BatchSize}");
            // A fresh batch each time: the reply references its arrays, and remoting serializes it after this returns.
            var batch = new SequenceBatch(m.BatchSize, r.Length, r.ObsSize, r.StateSize);
            return _shard.TrySample(m.Beta, batch) ? SampledSequences.Of(batch) : SampledSequences.Refusal();
        }));
        Receive<UpdateSequencePriorities>(m => Reply(() => new PrioritiesUpdated(_shard.UpdatePriorities(m.Indices, m.Keys, m.Priorities))));
    }

    public static Props Props(SequenceReplayShard shard, TimeSpan? maxInsertWait = null)
    {
        long incarnation = NewIncarnation();
        return Akka.Actor.Props.Create(() => new SequenceReplayShardActor(shard, maxInsertWait, incarnation));
    }

    protected override bool TryInsert(InsertSequences m)
    {
        var p = m.Pack;
        var r = _shard.Replay;
        if (p.Count < 0 || p.Count > 100_000) throw new ArgumentException($"a pack of {p.Count} sequences");
        while (_items.Count < p.Count) _items.Add(new SequenceItem(r.Length, r.ObsSize, r.StateSize));
        for (int i = 0; i < p.Count; i++) p.CopyTo(i, _items[i]);
        return _shard.TryInsert(_items.GetRange(0, p.Count));
    }

    protected override ReplayShardStats ShardStats => _shard.Stats;
}
