using System.Globalization;
using Astromech.Training.Logging;

namespace Astromech.Cluster.Nodes;

/// <summary>
/// A node's own metrics, sampled once a second from <c>snapshot</c>: written to
/// <c>DIR/nodes/NAME/metrics.csv</c> and a TensorBoard event file beside it, and printed to the console every
/// <c>consoleEvery</c> samples as one line. The step column is the node's own counter (env steps for an actor,
/// transitions inserted for a replay), so curves of one node line up with each other.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    private readonly Func<(long Step, IReadOnlyDictionary<string, double> Values)> _snapshot;
    private readonly MetricsLogger? _logger;
    private readonly Timer _timer;
    private readonly string _name;
    private readonly int _consoleEvery;
    private readonly object _gate = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _ticks;
    private bool _disposed;

    public NodeMetrics(string name, string? runDir, Func<(long Step, IReadOnlyDictionary<string, double> Values)> snapshot, int consoleEvery = 5)
    {
        _name = name;
        _snapshot = snapshot;
        _consoleEvery = consoleEvery;
        if (runDir is not null)
        {
            string dir = Path.Combine(runDir, "nodes", name);
            Directory.CreateDirectory(dir);
            Dir = dir;
            _logger = new MetricsLogger(new IMetricsSink[] { new CsvMetricsSink(Path.Combine(dir, "metrics.csv"), null, append: true), new TensorBoardSink(Path.Combine(dir, "tb")) },
                TimeSpan.FromSeconds(2));
        }
        _timer = new Timer(_ => Sample(), null, 1000, 1000);
    }

    /// <summary>Where the CSV and TensorBoard files go (null: console only).</summary>
    public string? Dir { get; }

    /// <summary>Takes one sample now (also called by the timer).</summary>
    public void Sample()
    {
        lock (_gate)
        {
            if (_disposed) return;
            var (step, values) = _snapshot();
            if (_logger is not null)
                foreach (var (k, v) in values)
                    if (double.IsFinite(v)) _logger.Log(k, v, step);
            if (_consoleEvery > 0 && ++_ticks % _consoleEvery == 0)
                Console.WriteLine($"[{_name} {_clock.Elapsed.TotalSeconds:F0}s] " + string.Join("  ", values.Select(p => $"{p.Key.Split('/').Last()}={Fmt(p.Value)}")));
        }
    }

    private static string Fmt(double v) => Math.Abs(v) >= 100 || v == Math.Floor(v) ? v.ToString("F0", CultureInfo.InvariantCulture) : v.ToString("G3", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _timer.Dispose();
        Sample();
        lock (_gate)
        {
            _disposed = true;
            _logger?.Dispose();
        }
    }
}
