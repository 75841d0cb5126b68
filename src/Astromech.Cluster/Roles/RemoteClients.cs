using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cluster.Roles;

/// <summary>Thrown when a role answers a request with a <see cref="RoleError"/> or not at all.</summary>
public sealed class RoleException(string message, Exception? inner = null) : Exception(message, inner);

internal static class Ask
{
    public static T Call<T>(IActorRef target, IAstromechMessage request, TimeSpan timeout) where T : IAstromechMessage
    {
        object reply;
        try { reply = target.Ask(request, timeout).GetAwaiter().GetResult(); }
        catch (AskTimeoutException e) { throw new RoleException($"{target.Path} did not answer {request.GetType().Name} within {timeout.TotalSeconds:F0} s", e); }
        return reply switch
        {
            T t => t,
            RoleError err => throw new RoleException(err.Message),
            _ => throw new RoleException($"{target.Path} answered {request.GetType().Name} with {reply?.GetType().Name ?? "null"}"),
        };
    }
}

/// <summary>
/// <see cref="IReplayClient"/> over the cluster: each call is one request/reply with a
/// <see cref="ReplayShardActor"/> (blocking the calling thread, as the embedded shard's lock does). The Ape-X
/// actor and learner loops take it in place of the in-process <see cref="ReplayShard"/>.
/// </summary>
public sealed class RemoteReplayClient(IActorRef shard, TimeSpan timeout) : IReplayClient
{
    public bool TryInsert(TransitionBlock block, ReadOnlySpan<float> priorities)
    {
        int n = block.Count, o = block.ObsSize, a = block.ActSize;
        var msg = new InsertTransitions(o, a, block.Obs[..(n * o)], block.Actions[..(n * a)], block.Rewards[..n], block.Discounts[..n],
            block.NextObs[..(n * o)], priorities.ToArray());
        return Ask.Call<InsertResult>(shard, msg, timeout).Accepted;
    }

    public bool TrySample(int batchSize, double beta, ReplayBatch into)
    {
        if (batchSize > into.Capacity) throw new ArgumentException($"batch of {batchSize} does not fit a ReplayBatch of {into.Capacity}");
        var r = Ask.Call<SampledBatch>(shard, new SampleRequest(batchSize, beta), timeout);
        if (r.Refused) return false;
        if (r.ObsSize != into.ObsSize || r.ActSize != into.ActSize)
            throw new RoleException($"replay shard holds rows of {r.ObsSize} observation and {r.ActSize} action floats; this learner expects {into.ObsSize} and {into.ActSize}");
        if (r.Rows != batchSize) throw new RoleException($"replay shard sent {r.Rows} rows for a batch of {batchSize}");
        into.Size = batchSize;
        into.HasWeights = r.HasWeights;
        r.Indices.CopyTo(into.Indices, 0); r.Keys.CopyTo(into.Keys, 0); r.Obs.CopyTo(into.Obs, 0); r.Actions.CopyTo(into.Actions, 0);
        r.Rewards.CopyTo(into.Rewards, 0); r.Discounts.CopyTo(into.Discounts, 0); r.NextObs.CopyTo(into.NextObs, 0); r.Weights.CopyTo(into.Weights, 0);
        return true;
    }

    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<float> tdErrors) =>
        Ask.Call<PrioritiesUpdated>(shard, new UpdatePriorities(indices.ToArray(), keys.ToArray(), tdErrors.ToArray()), timeout).Applied;

    public ReplayShardStats Stats
    {
        get
        {
            var s = Ask.Call<ReplayStatsReply>(shard, new GetReplayStats(), timeout);
            return new ReplayShardStats(s.Size, s.Capacity, s.Inserted, s.Sampled, s.PriorityUpdates, s.StalePriorityUpdates);
        }
    }
}

/// <summary><see cref="IParameterSource"/> and <see cref="IParameterPublisher"/> over the cluster, talking to a <see cref="ParameterSourceActor"/>.</summary>
public sealed class RemoteParameterSource(IActorRef source, TimeSpan timeout) : IParameterSource, IParameterPublisher
{
    public ParameterSet? GetNewer(long haveVersion)
    {
        var r = Ask.Call<ParametersReply>(source, new GetParameters(haveVersion), timeout);
        return r.UpToDate ? null : new ParameterSet(r.Version, r.Values);
    }

    public void Publish(long version, float[] values) => Ask.Call<ParametersPublished>(source, new PublishParameters(version, values), timeout);
}
