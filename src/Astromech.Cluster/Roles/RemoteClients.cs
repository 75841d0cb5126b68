using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cluster.Roles;

/// <summary>Thrown when a role answers a request with a <see cref="RoleError"/> or not at all.</summary>
public class RoleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The role did not answer in time, or no node with the role is up: an outage, not a refusal.</summary>
public sealed class RoleUnavailableException(string message, Exception? inner = null) : RoleException(message, inner);

/// <summary>
/// Messages must fit one remoting frame (<see cref="ClusterConfig.MaxFrameBytes"/>); a bigger one would be dropped
/// by the transport and its request would time out again and again. Checked before sending (and by roles before
/// replying), with an error that names the sizes and what to lower.
/// </summary>
public static class WireLimit
{
    public static void EnsureFits(IAstromechMessage m)
    {
        long size = (long)m.WireSize + 1;
        if (size > ClusterConfig.MaxMessageBytes)
            throw new RoleException($"a {m.GetType().Name} message of {size:N0} bytes is larger than the cluster's {ClusterConfig.MaxMessageBytes:N0}-byte message limit " +
                "(16 MiB frames); lower what it carries (batch_size, flush_size, n_steps × num_envs, or sequence_length) or the observation size");
    }
}

internal static class Ask
{
    public static T Call<T>(ICanTell target, IAstromechMessage request, TimeSpan timeout) where T : IAstromechMessage
    {
        WireLimit.EnsureFits(request);
        object reply;
        // Akka's Ask needs an actor ref or a selection (it takes the provider from them): resolve a role target first.
        var to = target is Nodes.RoleTarget role ? role.Resolve() : target;
        try { reply = to.Ask(request, timeout).GetAwaiter().GetResult(); }
        catch (AskTimeoutException e) { throw new RoleUnavailableException($"{Describe(target)} did not answer {request.GetType().Name} within {timeout.TotalSeconds:F0} s", e); }
        return reply switch
        {
            T t => t,
            RoleError err => throw new RoleException(err.Message),
            _ => throw new RoleException($"{Describe(target)} answered {request.GetType().Name} with {reply?.GetType().Name ?? "null"}"),
        };
    }

    private static string Describe(ICanTell t) => t is IActorRef r ? r.Path.ToString() : t.ToString() ?? "role";
}

/// <summary>
/// What a remote replay client lost to outages (<see cref="ReplayOutageStats"/>), kept the same way for every
/// replay kind: calls not answered in time, priority updates that never arrived, and restarts of the replay's
/// process, seen as a new shard incarnation in a stats reply and booked with the items the table held at the
/// previous look (also written to stderr).
/// </summary>
internal sealed class ReplayOutageBook(string replay, string items)
{
    private long _failed, _restarts, _lost, _priorityLost, _incarnation, _lastSize;

    public ReplayOutageStats Stats => new(Interlocked.Read(ref _failed), Interlocked.Read(ref _restarts), Interlocked.Read(ref _lost), Interlocked.Read(ref _priorityLost));
    public void Failed() => Interlocked.Increment(ref _failed);
    public void PrioritiesLost(int n) => Interlocked.Add(ref _priorityLost, n);

    /// <summary>One request/reply; with <paramref name="tolerateOutages"/> an unanswered call is booked and returns false instead of throwing.</summary>
    public bool Try<T>(ICanTell target, IAstromechMessage request, TimeSpan timeout, bool tolerateOutages, out T reply) where T : IAstromechMessage
    {
        try { reply = Ask.Call<T>(target, request, timeout); return true; }
        catch (RoleUnavailableException) when (tolerateOutages)
        {
            Failed();
            reply = default!;
            return false;
        }
    }

    private ReplayShardStats _last;

    /// <summary>The shard's counters, one request/reply (checking its incarnation); the last known ones when it does not answer.</summary>
    public ReplayShardStats Look(ICanTell target, TimeSpan timeout, bool tolerateOutages)
    {
        if (!Try<ReplayStatsReply>(target, new GetReplayStats(), timeout, tolerateOutages, out var s)) return _last;
        Saw(s);
        return _last = new ReplayShardStats(s.Size, s.Capacity, s.Inserted, s.Sampled, s.PriorityUpdates, s.StalePriorityUpdates);
    }

    /// <summary>Books a restart when the shard's incarnation changed since the last stats reply.</summary>
    private void Saw(ReplayStatsReply s)
    {
        long before = Interlocked.Exchange(ref _incarnation, s.Incarnation);
        long lastSize = Interlocked.Exchange(ref _lastSize, s.Size);
        if (before == 0 || before == s.Incarnation) return;
        Interlocked.Increment(ref _restarts);
        Interlocked.Add(ref _lost, lastSize);
        Console.Error.WriteLine($"warning: the {replay} restarted (incarnation {before:x} → {s.Incarnation:x}); its table is gone: {lastSize} {items} held at the last look were lost");
    }
}

/// <summary>
/// <see cref="IReplayClient"/> over the cluster: each call is one request/reply with a
/// <see cref="ReplayShardActor"/> (blocking the calling thread, as the embedded shard's lock does). The Ape-X
/// actor and learner loops take it in place of the in-process <see cref="ReplayShard"/>.
/// <para>With <c>tolerateOutages</c> (cluster nodes), a call the replay does not answer in time is an outage,
/// not a failure: an insert or sample returns false (the loops retry), a priority update is dropped and
/// counted, and stats return the last known values. A changed shard incarnation means the replay's process
/// restarted and its table is gone: counted with the transitions it held at the last look, and written to
/// standard error. Refusals (<see cref="RoleError"/>: wrong shapes) still throw.</para>
/// </summary>
public sealed class RemoteReplayClient(ICanTell shard, TimeSpan timeout, bool tolerateOutages = false) : IReplayClient, IReportsReplayOutages
{
    private readonly Queue<Task<object>> _prefetch = new();
    private (int Size, double Beta) _prefetchFor;

    /// <summary>
    /// Pipelining for a learner: sample requests for the next batches (<see cref="PrefetchDepth"/>) travel while
    /// the learner computes its update, and priority updates are sent without waiting for the answer (a lost one
    /// is still counted). A batch may then be drawn before the previous batches' priorities land: up to
    /// PrefetchDepth updates of staleness, as in Ape-X's asynchronous learner. During an outage every request in
    /// flight counts as a failed call. Off by default (each call is one blocking round trip).
    /// </summary>
    public bool Pipelined { get; init; }

    /// <summary>
    /// Sample requests kept in flight when <see cref="Pipelined"/> (default 2): with one, a reply delayed by a
    /// busy replay process (or a refusal, which the learner retries) leaves the learner waiting a full round trip.
    /// Each extra one lets a batch be drawn one more update before the newest priorities land.
    /// </summary>
    public int PrefetchDepth { get; init; } = 2;

    private readonly ReplayOutageBook _book = new("replay shard", "transitions");

    public ReplayOutageStats Outages => _book.Stats;

    private bool Try<T>(IAstromechMessage request, out T reply) where T : IAstromechMessage =>
        _book.Try(shard, request, timeout, tolerateOutages, out reply);

    public bool TryInsert(TransitionBlock block, ReadOnlySpan<float> priorities)
    {
        int n = block.Count, o = block.ObsSize, a = block.ActSize;
        var msg = new InsertTransitions(o, a, block.Obs[..(n * o)], block.Actions[..(n * a)], block.Rewards[..n], block.Discounts[..n],
            block.NextObs[..(n * o)], priorities.ToArray());
        return Try<InsertResult>(msg, out var r) && r.Accepted;
    }

    public bool TrySample(int batchSize, double beta, ReplayBatch into)
    {
        if (batchSize > into.Capacity) throw new ArgumentException($"batch of {batchSize} does not fit a ReplayBatch of {into.Capacity}");
        SampledBatch r;
        if (Pipelined)
        {
            if (_prefetchFor != (batchSize, beta)) _prefetch.Clear(); // requests for another batch shape: their answers are dropped
            _prefetchFor = (batchSize, beta);
            while (_prefetch.Count < Math.Max(1, PrefetchDepth)) _prefetch.Enqueue(AskAsync(new SampleRequest(batchSize, beta)));
            bool answered = Await(_prefetch.Dequeue(), out r);
            _prefetch.Enqueue(AskAsync(new SampleRequest(batchSize, beta))); // keeps the depth while this batch trains
            if (!answered || r.Refused) return false;
        }
        else if (!Try(new SampleRequest(batchSize, beta), out r) || r.Refused) return false;
        if (r.ObsSize != into.ObsSize || r.ActSize != into.ActSize)
            throw new RoleException($"replay shard holds rows of {r.ObsSize} observation and {r.ActSize} action floats; this learner expects {into.ObsSize} and {into.ActSize}");
        if (r.Rows != batchSize) throw new RoleException($"replay shard sent {r.Rows} rows for a batch of {batchSize}");
        into.Size = batchSize;
        into.HasWeights = r.HasWeights;
        r.Indices.CopyTo(into.Indices, 0); r.Keys.CopyTo(into.Keys, 0); r.Obs.CopyTo(into.Obs, 0); r.Actions.CopyTo(into.Actions, 0);
        r.Rewards.CopyTo(into.Rewards, 0); r.Discounts.CopyTo(into.Discounts, 0); r.NextObs.CopyTo(into.NextObs, 0); r.Weights.CopyTo(into.Weights, 0);
        return true;
    }

    private Task<object> AskAsync(IAstromechMessage request)
    {
        WireLimit.EnsureFits(request);
        try { return (shard is Nodes.RoleTarget role ? role.Resolve() : shard).Ask(request, timeout); }
        catch (RoleUnavailableException e) { return Task.FromException<object>(e); }
    }

    /// <summary>The answer of a pipelined request, with <see cref="Try{T}"/>'s outage rules.</summary>
    private bool Await<T>(Task<object> pending, out T reply) where T : IAstromechMessage
    {
        object answer;
        try { answer = pending.GetAwaiter().GetResult(); }
        catch (Exception e) when (e is AskTimeoutException or RoleUnavailableException)
        {
            if (!tolerateOutages) throw new RoleUnavailableException($"{shard} did not answer a {typeof(T).Name} request within {timeout.TotalSeconds:F0} s", e);
            _book.Failed();
            reply = default!;
            return false;
        }
        reply = answer switch
        {
            T t => t,
            RoleError err => throw new RoleException(err.Message),
            _ => throw new RoleException($"{shard} answered with {answer?.GetType().Name ?? "null"} where {typeof(T).Name} was expected"),
        };
        return true;
    }

    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<float> tdErrors)
    {
        if (Pipelined)
        {
            int n = indices.Length;
            AskAsync(new UpdatePriorities(indices.ToArray(), keys.ToArray(), tdErrors.ToArray())).ContinueWith(t =>
            {
                if (t.IsFaulted || t.Result is not PrioritiesUpdated) { _book.PrioritiesLost(n); _book.Failed(); }
            }, TaskContinuationOptions.ExecuteSynchronously);
            return n; // sent; the shard skips rows overwritten since they were sampled
        }
        if (Try<PrioritiesUpdated>(new UpdatePriorities(indices.ToArray(), keys.ToArray(), tdErrors.ToArray()), out var r)) return r.Applied;
        _book.PrioritiesLost(indices.Length);
        return 0;
    }

    public ReplayShardStats Stats => _book.Look(shard, timeout, tolerateOutages);
}

/// <summary>
/// <see cref="IParameterSource"/> and <see cref="IParameterPublisher"/> over the cluster, talking to a
/// <see cref="ParameterSourceActor"/>. With <c>tolerateOutages</c>, a pull the source does not answer returns
/// null (keep acting with the parameters at hand) and a publish that is not answered is counted and skipped
/// (the learner publishes again after its next publish_interval updates).
/// </summary>
public sealed class RemoteParameterSource(ICanTell source, TimeSpan timeout, bool tolerateOutages = false) : IParameterSource, IParameterPublisher
{
    private long _failed;
    /// <summary>Pulls and publishes that got no answer in time.</summary>
    public long FailedCalls => Interlocked.Read(ref _failed);

    public ParameterSet? GetNewer(long haveVersion)
    {
        try
        {
            var r = Ask.Call<ParametersReply>(source, new GetParameters(haveVersion), timeout);
            return r.UpToDate ? null : new ParameterSet(r.Version, r.Values);
        }
        catch (RoleUnavailableException) when (tolerateOutages) { Interlocked.Increment(ref _failed); return null; }
    }

    /// <summary>
    /// Publishes without waiting for the source's answer (a learner's loop need not wait for it), one at a time:
    /// a publish while the previous one is still on its way is skipped (counted in <see cref="Skipped"/>), so a
    /// learner that updates faster than the link carries its parameters cannot flood the connection (which the
    /// failure detector's heartbeats share). Unanswered ones are counted.
    /// </summary>
    public bool Pipelined { get; init; }
    private int _inFlight;
    private long _skipped;
    /// <summary>Pipelined publishes skipped because the previous one was still in flight.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public void Publish(long version, float[] values, bool restart = false)
    {
        if (restart)
        {
            // A (re)starting learner must replace whatever is served: try until the source answers (bounded).
            for (int attempt = 1; ; attempt++)
            {
                try { Ask.Call<ParametersPublished>(source, new PublishParameters(version, values, true), timeout); return; }
                catch (RoleUnavailableException e) when (attempt < 6)
                {
                    Interlocked.Increment(ref _failed);
                    Console.Error.WriteLine($"warning: publishing the learner's starting parameters failed (attempt {attempt}): {e.Message}");
                }
            }
        }
        if (Pipelined)
        {
            if (Interlocked.CompareExchange(ref _inFlight, 1, 0) != 0) { Interlocked.Increment(ref _skipped); return; }
            Task<object> sent;
            try { sent = (source is Nodes.RoleTarget role ? role.Resolve() : source).Ask(new PublishParameters(version, values, restart), timeout); }
            catch (RoleUnavailableException) { Interlocked.Increment(ref _failed); Interlocked.Exchange(ref _inFlight, 0); return; }
            sent.ContinueWith(t =>
            {
                if (t.IsFaulted || t.Result is not ParametersPublished) Interlocked.Increment(ref _failed);
                Interlocked.Exchange(ref _inFlight, 0);
            }, TaskContinuationOptions.ExecuteSynchronously);
            return;
        }
        try { Ask.Call<ParametersPublished>(source, new PublishParameters(version, values, restart), timeout); }
        catch (RoleUnavailableException) when (tolerateOutages) { Interlocked.Increment(ref _failed); }
    }
}

/// <summary>
/// <see cref="ISequenceReplayClient"/> over the cluster, talking to a <see cref="SequenceReplayShardActor"/>
/// with the same outage rules as <see cref="RemoteReplayClient"/> (with <c>tolerateOutages</c>: unanswered
/// inserts and samples return false, lost priority updates are counted, a new shard incarnation is reported
/// with the sequences it held at the last look).
/// </summary>
public sealed class RemoteSequenceReplayClient(ICanTell shard, TimeSpan timeout, bool tolerateOutages = false) : ISequenceReplayClient, IReportsReplayOutages
{
    private readonly ReplayOutageBook _book = new("sequence replay", "sequences");

    public ReplayOutageStats Outages => _book.Stats;

    private bool Try<T>(IAstromechMessage request, out T reply) where T : IAstromechMessage =>
        _book.Try(shard, request, timeout, tolerateOutages, out reply);

    public bool TryInsert(IReadOnlyList<SequenceItem> items)
    {
        if (items.Count == 0) return true;
        var first = items[0];
        return Try<InsertResult>(new InsertSequences(SequencePack.From(items, first.Length, first.ObsSize, first.StateSize)), out var r) && r.Accepted;
    }

    public bool TrySample(double beta, SequenceBatch into)
    {
        if (!Try<SampledSequences>(new SampleSequences(into.BatchSize, beta), out var r) || r.Refused) return false;
        r.CopyTo(into);
        return true;
    }

    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<double> priorities)
    {
        if (Try<PrioritiesUpdated>(new UpdateSequencePriorities(indices.ToArray(), keys.ToArray(), priorities.ToArray()), out var r)) return r.Applied;
        _book.PrioritiesLost(indices.Length);
        return 0;
    }

    public ReplayShardStats Stats => _book.Look(shard, timeout, tolerateOutages);
}
