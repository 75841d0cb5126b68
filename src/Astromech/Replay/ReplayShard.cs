using Astromech.Envs;
using Astromech.Training.Checkpoints;

namespace Astromech.Replay;

/// <summary>Counters of a replay shard, for logs and summary.json; items are transitions (<see cref="ReplayShard"/>) or sequences (<see cref="SequenceReplayShard"/>).</summary>
public readonly record struct ReplayShardStats(int Size, int Capacity, long Inserted, long Sampled, long PriorityUpdates, long StalePriorityUpdates);

/// <summary>
/// The replay as actors and the learner see it, wherever it lives: actors insert blocks of transitions with
/// their initial priorities, the learner samples batches and writes priorities back. In one process this is a
/// <see cref="ReplayShard"/>; in a cluster, a client that sends the same calls as messages to a shard hosted on
/// another node. The Try methods return false when the rate limiter (or a too-small replay) says wait; the
/// caller retries later, so a waiting actor or learner never blocks a thread inside the replay.
/// </summary>
public interface IReplayClient
{
    /// <summary>Inserts every row of <paramref name="block"/> with priority |δ| from <paramref name="priorities"/>
    /// (one per row; empty: the replay's maximum priority). All or nothing: false inserts none.</summary>
    bool TryInsert(TransitionBlock block, ReadOnlySpan<float> priorities);

    /// <summary>Samples <paramref name="batchSize"/> rows into <paramref name="into"/> with importance exponent β; false when not allowed yet.</summary>
    bool TrySample(int batchSize, double beta, ReplayBatch into);

    /// <summary>Priority |δ| for sampled rows (indices and keys from the batch); rows overwritten since are skipped. Returns rows applied.</summary>
    int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<float> tdErrors);

    ReplayShardStats Stats { get; }
}

/// <summary>
/// What a replay reached over a network lost to outages, so a run reports it instead of hiding it: calls that
/// failed (no answer in time; the caller retried or skipped them), restarts of the replay's process seen
/// (each one empties the table), the items (transitions, or sequences for R2D2) the table held at the last look before each restart, and
/// priority updates that never arrived.
/// </summary>
public readonly record struct ReplayOutageStats(long FailedCalls, long Restarts, long ItemsLost, long PriorityUpdatesLost);

/// <summary>A replay client that survives outages of its replay and books them.</summary>
public interface IReportsReplayOutages
{
    ReplayOutageStats Outages { get; }
}

/// <summary>
/// One replay table (uniform or prioritized <see cref="TransitionReplay"/>) behind the <see cref="IReplayClient"/>
/// calls, safe to call from any thread (one lock), with a <see cref="SampleToInsertRateLimiter"/> and its own
/// sampling RNG. The embedded Ape-X runner calls it directly; the cluster's replay-shard actor hosts one and
/// turns messages into these calls.
/// </summary>
public sealed class ReplayShard : IReplayClient
{
    private readonly object _gate = new();
    private readonly TransitionReplay _replay;
    private readonly Rng _rng;
    private int[] _slots = new int[64];
    private long[] _keys = new long[64];
    private long _sampled, _priorityUpdates, _stale;

    public ReplayShard(TransitionReplay replay, SampleToInsertRateLimiter limiter, int seed)
    {
        _replay = replay ?? throw new ArgumentNullException(nameof(replay));
        Limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));
        _rng = new Rng(seed);
    }

    public SampleToInsertRateLimiter Limiter { get; }
    public int ObsSize => _replay.ObservationSize;
    public int ActSize => _replay.ActionSize;
    /// <summary>The hosted table (read it only while no one else calls the shard, e.g. in a paused run).</summary>
    public TransitionReplay Replay => _replay;

    public ReplayShardStats Stats
    {
        get
        {
            lock (_gate) return new ReplayShardStats(_replay.Count, _replay.Capacity, _replay.TotalAdded, _sampled, _priorityUpdates, _stale);
        }
    }

    public bool TryInsert(TransitionBlock block, ReadOnlySpan<float> priorities)
    {
        ArgumentNullException.ThrowIfNull(block);
        int n = block.Count;
        if (priorities.Length != 0 && priorities.Length != n)
            throw new ArgumentException($"one initial priority per inserted row: {n} rows, {priorities.Length} priorities");
        if (block.ObsSize != _replay.ObservationSize || block.ActSize != _replay.ActionSize)
            throw new ArgumentException($"replay rows hold {_replay.ObservationSize} observation and {_replay.ActionSize} action floats; the block has {block.ObsSize} and {block.ActSize}");
        lock (_gate)
        {
            if (!Limiter.CanInsert(_replay.TotalAdded, _sampled, n)) return false;
            if (_slots.Length < n) { _slots = new int[n]; _keys = new long[n]; }
            long firstKey = _replay.TotalAdded;
            block.CopyTo(_replay, _slots);
            if (priorities.Length == n && n > 0)
            {
                for (int r = 0; r < n; r++) _keys[r] = firstKey + r;
                // Keyed: a block larger than the table overwrote its own first rows, whose priorities are skipped.
                _replay.UpdatePriorities(_slots.AsSpan(0, n), _keys.AsSpan(0, n), priorities);
            }
            return true;
        }
    }

    public bool TrySample(int batchSize, double beta, ReplayBatch into)
    {
        lock (_gate)
        {
            if (_replay.Count == 0 || !Limiter.CanSample(_replay.TotalAdded, _sampled, batchSize)) return false;
            _replay.Sample(batchSize, _rng, beta, into);
            _sampled += batchSize;
            return true;
        }
    }

    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<float> tdErrors)
    {
        lock (_gate)
        {
            int applied = _replay.UpdatePriorities(indices, keys, tdErrors);
            _priorityUpdates += applied;
            _stale += indices.Length - applied;
            return applied;
        }
    }

    /// <summary>Saves the table, the sample counter and the sampling RNG under <paramref name="prefix"/>.</summary>
    public void Save(Checkpoint c, string prefix)
    {
        lock (_gate)
        {
            using var ms = new MemoryStream();
            _replay.Save(ms);
            c.SetBytes($"{prefix}/table", ms.ToArray());
            c.SetJson($"{prefix}/counters", new System.Text.Json.Nodes.JsonObject
            {
                ["sampled"] = _sampled, ["priority_updates"] = _priorityUpdates, ["stale_priority_updates"] = _stale,
            });
            c.SetRng($"{prefix}/rng", _rng);
        }
    }

    public void Load(Checkpoint c, string prefix)
    {
        lock (_gate)
        {
            using (var ms = new MemoryStream(c.GetBytes($"{prefix}/table"))) _replay.Load(ms);
            var counters = c.GetJsonNode($"{prefix}/counters");
            _sampled = (long)counters["sampled"]!;
            _priorityUpdates = (long)counters["priority_updates"]!;
            _stale = (long)counters["stale_priority_updates"]!;
            c.RestoreRng($"{prefix}/rng", _rng);
        }
    }
}
