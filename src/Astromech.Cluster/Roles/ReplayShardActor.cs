using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Replay;

namespace Astromech.Cluster.Roles;

/// <summary>
/// The replay role: hosts one <see cref="ReplayShard"/> (the same table, rate limiter and priority rules the
/// embedded runner calls directly) and turns insert / sample / update-priorities / stats messages into its
/// calls. One message at a time, so the shard's lock is never contended here. Malformed requests (rows of the
/// wrong shape, non-finite priorities) are answered with a <see cref="RoleError"/> naming the problem; inserts
/// the rate limiter holds back wait in a fair queue (<see cref="ReplayRoleActor{TInsert}"/>).
/// </summary>
public sealed class ReplayShardActor : ReplayRoleActor<InsertTransitions>
{
    private readonly ReplayShard _shard;
    private ReplayBatch _batch;

    public ReplayShardActor(ReplayShard shard, TimeSpan? maxInsertWait, long incarnation) : base("replay", maxInsertWait, incarnation)
    {
        _shard = shard;
        _batch = new ReplayBatch(1, shard.ObsSize, shard.ActSize);
        Receive<SampleRequest>(m => ReplyToSample(() => Sample(m)));
        Receive<UpdatePriorities>(m => Reply(() => new PrioritiesUpdated(_shard.UpdatePriorities(m.Indices, m.Keys, m.TdErrors))));
    }

    public static Props Props(ReplayShard shard, TimeSpan? maxInsertWait = null)
    {
        long incarnation = NewIncarnation();
        return Akka.Actor.Props.Create(() => new ReplayShardActor(shard, maxInsertWait, incarnation));
    }

    protected override bool TryInsert(InsertTransitions m) =>
        _shard.TryInsert(new TransitionBlock(m.ObsSize, m.ActSize, m.Obs, m.Actions, m.Rewards, m.Discounts, m.NextObs), m.Priorities);

    protected override ReplayShardStats ShardStats => _shard.Stats;

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
