using System.Diagnostics;

namespace Astromech.Training.Logging;

/// <summary>
/// The one object agents log through. Fans scalars and episodes out to its sinks, keeps the episode history
/// (for the learning curve), the last 100 returns (for the progress line), eval results and the latest value of each
/// metric. Thread-safe; a call costs a lock and the sinks' formatting, with no allocation once a name has been seen.
/// </summary>
public sealed class MetricsLogger : IDisposable
{
    private readonly object _gate = new();
    private readonly List<IMetricsSink> _sinks;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _autoFlushTicks;
    private long _lastFlushTicks;
    private readonly Dictionary<string, double> _latest = new();
    private readonly List<(long Step, double Return)> _episodes = new();
    private readonly List<(long Step, double MeanReturn)> _evals = new();
    private readonly double[] _recent = new double[RecentWindow];
    private int _recentCount, _recentNext;
    private double _recentSum;
    private long _episodeCount;
    private bool _disposed;

    /// <summary>How many returns <see cref="MeanRecentReturn"/> averages.</summary>
    public const int RecentWindow = 100;

    /// <param name="sinks">The destinations; the logger owns them and disposes them.</param>
    /// <param name="autoFlushInterval">Flush the sinks at most this long after a write (default 10 s); <see cref="TimeSpan.Zero"/> flushes on every call.</param>
    public MetricsLogger(IEnumerable<IMetricsSink> sinks, TimeSpan? autoFlushInterval = null)
    {
        _sinks = sinks.ToList();
        _autoFlushTicks = (long)((autoFlushInterval ?? TimeSpan.FromSeconds(10)).TotalSeconds * Stopwatch.Frequency);
    }

    public MetricsLogger(params IMetricsSink[] sinks) : this((IEnumerable<IMetricsSink>)sinks) { }

    /// <summary>Seconds since the logger was created.</summary>
    public double WallSeconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Episodes recorded through <see cref="LogEpisode"/> (including <see cref="EpisodeOffset"/>).</summary>
    public long EpisodeCount { get { lock (_gate) return _episodeCount; } }

    /// <summary>Mean return of the last <see cref="RecentWindow"/> episodes; NaN before the first.</summary>
    public double MeanRecentReturn { get { lock (_gate) return _recentCount == 0 ? double.NaN : _recentSum / _recentCount; } }

    /// <summary>A copy of all episodes recorded in this process, for plotting.</summary>
    public IReadOnlyList<(long Step, double Return)> Episodes { get { lock (_gate) return _episodes.ToArray(); } }

    /// <summary>A copy of the evaluation results recorded through <see cref="LogEval"/>.</summary>
    public IReadOnlyList<(long Step, double MeanReturn)> Evals { get { lock (_gate) return _evals.ToArray(); } }

    /// <summary>Sets the episode counter when resuming a run, so episode numbers continue.</summary>
    public long EpisodeOffset { set { lock (_gate) _episodeCount = value; } }

    /// <summary>Records one scalar.</summary>
    public void Log(string name, double value, long step)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            WriteScalarLocked(name, value, step, WallSeconds);
            MaybeFlushLocked();
        }
    }

    /// <summary>
    /// Records one finished episode: a row of episodes.csv, and the scalars <see cref="MetricNames.EpisodeReturn"/> and
    /// <see cref="MetricNames.EpisodeLength"/> (so agents should not log those two themselves).
    /// </summary>
    public void LogEpisode(long step, double episodeReturn, int length)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            long episode = ++_episodeCount;
            double wall = WallSeconds;
            _episodes.Add((step, episodeReturn));
            if (_recentCount == RecentWindow) _recentSum -= _recent[_recentNext]; else _recentCount++;
            _recent[_recentNext] = episodeReturn;
            _recentSum += episodeReturn;
            _recentNext = (_recentNext + 1) % RecentWindow;
            if (_recentNext == 0) _recentSum = Sum(_recent, _recentCount); // curb rounding drift once per window
            foreach (var sink in _sinks) sink.WriteEpisode(step, episode, episodeReturn, length);
            WriteScalarLocked(MetricNames.EpisodeReturn, episodeReturn, step, wall);
            WriteScalarLocked(MetricNames.EpisodeLength, length, step, wall);
            MaybeFlushLocked();
        }
    }

    /// <summary>Records an evaluation: <see cref="MetricNames.EvalMeanReturn"/> (and the std when given), kept for the plot.</summary>
    public void LogEval(long step, double meanReturn, double? stdReturn = null)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            double wall = WallSeconds;
            _evals.Add((step, meanReturn));
            WriteScalarLocked(MetricNames.EvalMeanReturn, meanReturn, step, wall);
            if (stdReturn is double std) WriteScalarLocked(MetricNames.EvalStdReturn, std, step, wall);
            MaybeFlushLocked();
        }
    }

    /// <summary>The last value logged under <paramref name="name"/>.</summary>
    public bool TryGetLatest(string name, out double value)
    {
        lock (_gate) return _latest.TryGetValue(name, out value);
    }

    /// <summary>A copy of the last value of every metric, for summary.json.</summary>
    public IReadOnlyDictionary<string, double> Latest { get { lock (_gate) return new Dictionary<string, double>(_latest); } }

    public void Flush()
    {
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var sink in _sinks) sink.Flush();
            _lastFlushTicks = _clock.ElapsedTicks;
        }
    }

    /// <summary>Flushes every sink and returns how far each of its files reached (full path, bytes on disk).</summary>
    public IReadOnlyList<(string Path, long Bytes)> FlushAndMeasure()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var extents = new List<(string, long)>();
            foreach (var sink in _sinks)
            {
                sink.Flush();
                extents.AddRange(sink.Extents());
            }
            _lastFlushTicks = _clock.ElapsedTicks;
            return extents;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            List<Exception>? errors = null;
            foreach (var sink in _sinks)
            {
                try { sink.Flush(); sink.Dispose(); }
                catch (Exception e) { (errors ??= new()).Add(e); }
            }
            _disposed = true;
            if (errors is not null) throw new AggregateException("closing metrics sinks failed", errors);
        }
    }

    private void WriteScalarLocked(string name, double value, long step, double wall)
    {
        ref double slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_latest, name, out _);
        slot = value;
        foreach (var sink in _sinks) sink.WriteScalar(name, value, step, wall);
    }

    private void MaybeFlushLocked()
    {
        long now = _clock.ElapsedTicks;
        if (now - _lastFlushTicks < _autoFlushTicks) return;
        foreach (var sink in _sinks) sink.Flush();
        _lastFlushTicks = now;
    }

    private static double Sum(double[] values, int count)
    {
        double s = 0;
        for (int i = 0; i < count; i++) s += values[i];
        return s;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
