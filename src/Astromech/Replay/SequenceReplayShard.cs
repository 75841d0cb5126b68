using Astromech.Envs;

namespace Astromech.Replay;

/// <summary>A sequence replay reached by learners and actors that may live elsewhere (R2D2 on a cluster).</summary>
public interface ISequenceReplayClient
{
    /// <summary>Inserts every sequence, or none (false) when the replay holds inserts back; the caller retries.</summary>
    bool TryInsert(IReadOnlyList<SequenceItem> items);
    /// <summary>Fills <paramref name="into"/>; false when sampling is not allowed yet.</summary>
    bool TrySample(double beta, SequenceBatch into);
    int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<double> priorities);
    ReplayShardStats Stats { get; }
}

/// <summary>
/// A <see cref="SequenceReplay"/> behind a sample-to-insert rate limiter and its own sampling RNG, for a replay
/// that learners and actors reach from elsewhere (a cluster's R2D2 replay node): inserts and samples are
/// refused, not blocked, when the limiter says wait, and the caller retries. Safe from any thread (one lock).
/// </summary>
public sealed class SequenceReplayShard : ISequenceReplayClient
{
    private readonly object _gate = new();
    private readonly Rng _rng;
    private long _sampled, _priorityUpdates, _stale;

    public SequenceReplayShard(SequenceReplay replay, SampleToInsertRateLimiter limiter, int seed)
    {
        Replay = replay ?? throw new ArgumentNullException(nameof(replay));
        Limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));
        _rng = new Rng(seed);
    }

    public SequenceReplay Replay { get; }
    public SampleToInsertRateLimiter Limiter { get; }

    /// <summary>Inserts every sequence, or none when the limiter holds inserts back.</summary>
    public bool TryInsert(IReadOnlyList<SequenceItem> items)
    {
        lock (_gate)
        {
            if (!Limiter.CanInsert(Replay.TotalAdded, _sampled, items.Count)) return false;
            foreach (var s in items) Replay.Add(s);
            return true;
        }
    }

    /// <summary>Samples <paramref name="into"/>.BatchSize sequences; false until the limiter allows it.</summary>
    public bool TrySample(double beta, SequenceBatch into)
    {
        lock (_gate)
        {
            if (Replay.Count == 0 || !Limiter.CanSample(Replay.TotalAdded, _sampled, into.BatchSize)) return false;
            Replay.Sample(into.BatchSize, _rng, beta, into);
            _sampled += into.BatchSize;
            return true;
        }
    }

    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<double> priorities)
    {
        lock (_gate)
        {
            int applied = Replay.UpdatePriorities(indices, keys, priorities);
            _priorityUpdates += applied;
            _stale += indices.Length - applied;
            return applied;
        }
    }

    public ReplayShardStats Stats
    {
        get { lock (_gate) return new(Replay.Count, Replay.Capacity, Replay.TotalAdded, _sampled, _priorityUpdates, _stale); }
    }
}
