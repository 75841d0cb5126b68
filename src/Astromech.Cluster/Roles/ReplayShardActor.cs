using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Replay;

namespace Astromech.Cluster.Roles;

/// <summary>
/// The replay role: hosts one <see cref="ReplayShard"/> (the same table, rate limiter and priority rules the
/// embedded runner calls directly) and turns insert / sample / update-priorities / stats messages into its
/// calls. One message at a time, so the shard's lock is never contended here. Malformed requests (rows of the
/// wrong shape, non-finite priorities) are answered with a <see cref="RoleError"/> naming the problem.
/// </summary>
public sealed class ReplayShardActor : ReceiveActor
{
    private readonly ReplayShard _shard;
    private ReplayBatch _batch;
    /// <summary>Differs between any two starts of a shard (a client seeing it change knows the table was lost).</summary>
    public long Incarnation { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    public ReplayShardActor(ReplayShard shard)
    {
        _shard = shard;
        _batch = new ReplayBatch(1, shard.ObsSize, shard.ActSize);
        Receive<InsertTransitions>(m => Reply(() => Insert(m)));
        Receive<SampleRequest>(m => Reply(() => Sample(m)));
        Receive<UpdatePriorities>(m => Reply(() => new PrioritiesUpdated(_shard.UpdatePriorities(m.Indices, m.Keys, m.TdErrors))));
        Receive<GetReplayStats>(_ => Reply(() =>
        {
            var s = _shard.Stats;
            return new ReplayStatsReply(s.Size, s.Capacity, s.Inserted, s.Sampled, s.PriorityUpdates, s.StalePriorityUpdates, Incarnation);
        }));
    }

    public static Props Props(ReplayShard shard) => Akka.Actor.Props.Create(() => new ReplayShardActor(shard));

    private void Reply(Func<IAstromechMessage> handle)
    {
        IAstromechMessage answer;
        try { answer = handle(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { answer = new RoleError($"replay: {e.Message}"); }
        Sender.Tell(answer);
    }

    private InsertResult Insert(InsertTransitions m)
    {
        var block = new TransitionBlock(m.ObsSize, m.ActSize, m.Obs, m.Actions, m.Rewards, m.Discounts, m.NextObs);
        bool ok = _shard.TryInsert(block, m.Priorities);
        return new InsertResult(ok, _shard.Stats.Inserted);
    }

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
