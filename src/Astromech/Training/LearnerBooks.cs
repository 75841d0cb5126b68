using System.Diagnostics;

namespace Astromech.Training;

/// <summary>
/// Policy lag of what a distributed learner trained on or its actors put into replay: learner updates between
/// the parameters an item was acted with and the learner's count. Written by the learner thread and by the
/// threads that book remote actors' reports at once, hence the interlocked sums.
/// </summary>
public sealed class PolicyLagBook
{
    private long _sum, _count, _max;

    /// <summary>Mean lag over every item booked (NaN before the first).</summary>
    public double Mean => Interlocked.Read(ref _count) == 0 ? double.NaN : (double)Interlocked.Read(ref _sum) / Interlocked.Read(ref _count);
    public long Max => Interlocked.Read(ref _max);

    /// <summary>Books <paramref name="count"/> items whose lags add up to <paramref name="lagSum"/>, the largest of them <paramref name="maxLag"/>.</summary>
    public void Add(long count, long lagSum, long maxLag)
    {
        Interlocked.Add(ref _sum, lagSum);
        Interlocked.Add(ref _count, count);
        long cur;
        while (maxLag > (cur = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, maxLag, cur) != cur) { }
    }

    /// <summary>
    /// Books <paramref name="count"/> items (one actor report's blocks or sequences) acted with parameter versions
    /// adding up to <paramref name="versionSum"/>, against a learner at <paramref name="learnerUpdates"/>. A report
    /// carries only the sum, so its mean lag stands in for its largest; a learner resumed from an older checkpoint
    /// than its actors' parameters books no negative lag.
    /// </summary>
    public void AddVersions(long count, long versionSum, long learnerUpdates)
    {
        if (count <= 0) return;
        long lagSum = Math.Max(0, count * learnerUpdates - versionSum);
        Add(count, lagSum, lagSum / count);
    }
}

/// <summary>
/// Learner updates per second of learner-thread time, counted from the current start only (a resumed run's rate is
/// not diluted by the checkpoint's updates). One learner thread times itself with it.
/// </summary>
public sealed class LearnerClock
{
    private long _ticks, _updates;

    /// <summary>Updates timed since the last <see cref="Restart"/>.</summary>
    public long UpdatesThisStart => _updates;
    public double UpdatesPerSecond => _ticks == 0 ? double.NaN : _updates / ((double)_ticks / Stopwatch.Frequency);

    public void Restart()
    {
        _ticks = 0;
        _updates = 0;
    }

    /// <summary>An update that began at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) is done.</summary>
    public void Updated(long startTimestamp)
    {
        _ticks += Stopwatch.GetTimestamp() - startTimestamp;
        _updates++;
    }
}
