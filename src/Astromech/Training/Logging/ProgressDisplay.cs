using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Astromech.Training.Logging;

/// <summary>
/// A console progress line: steps done/total with a bar, episodes, mean return of the last 100 episodes, steps/s, ETA
/// and any extra fields. On a terminal it rewrites one line with a carriage return (at most every 0.2 s); when output
/// is redirected it prints plain lines every 5 s or every 10% of the run. <see cref="Update(long)"/> is cheap enough
/// to call on every environment step: between renders it reads a clock and compares two numbers.
/// </summary>
public sealed class ProgressDisplay : IDisposable
{
    private const int BarWidth = 24;

    private readonly TextWriter _out;
    private readonly long _total;
    private readonly long _startStep;
    private readonly bool _interactive;
    private readonly long _intervalTicks;
    private readonly long _startTicks = Stopwatch.GetTimestamp();
    private readonly List<(string Name, string Format, double Value)> _fields = new();
    private readonly StringBuilder _line = new(160);
    private readonly object _gate = new();
    private long _nextRenderTicks;
    private long _nextPercentStep;
    private long _step;
    private long _episodes;
    private double _meanReturn = double.NaN;
    private int _lastLength;
    private bool _finished;

    /// <param name="totalSteps">The step count at which the run ends.</param>
    /// <param name="output">Where to write (default: <see cref="Console.Out"/>).</param>
    /// <param name="interactive">Rewrite a single line? Default: when stdout is not redirected (and output is the console).</param>
    /// <param name="startStep">The step the run starts (or resumes) from; rates and the ETA count from here.</param>
    /// <param name="refreshInterval">Minimum time between renders (default 0.2 s on a terminal, 5 s otherwise).</param>
    public ProgressDisplay(long totalSteps, TextWriter? output = null, bool? interactive = null, long startStep = 0,
        TimeSpan? refreshInterval = null)
    {
        _total = Math.Max(1, totalSteps);
        _out = output ?? Console.Out;
        _interactive = interactive ?? (output is null && !Console.IsOutputRedirected);
        _startStep = startStep;
        _step = startStep;
        var interval = refreshInterval ?? (_interactive ? TimeSpan.FromSeconds(0.2) : TimeSpan.FromSeconds(5));
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _nextRenderTicks = _startTicks + _intervalTicks;
        _nextPercentStep = NextPercentBoundary(startStep);
    }

    /// <summary>Whether the display rewrites one line (terminal) rather than printing periodic lines.</summary>
    public bool Interactive => _interactive;

    /// <summary>Reports the current step; renders when due.</summary>
    public void Update(long step)
    {
        _step = step;
        if (!_interactive && step >= _nextPercentStep) { Render(); return; }
        if (Stopwatch.GetTimestamp() >= _nextRenderTicks) Render();
    }

    /// <summary>Reports the current step, episode count and mean recent return; renders when due.</summary>
    public void Update(long step, long episodes, double meanRecentReturn)
    {
        _episodes = episodes;
        _meanReturn = meanRecentReturn;
        Update(step);
    }

    /// <summary>Reports the current step, reading episodes and mean return from <paramref name="logger"/> only when rendering.</summary>
    public void Update(long step, MetricsLogger logger)
    {
        _step = step;
        bool due = (!_interactive && step >= _nextPercentStep) || Stopwatch.GetTimestamp() >= _nextRenderTicks;
        if (!due) return;
        _episodes = logger.EpisodeCount;
        _meanReturn = logger.MeanRecentReturn;
        Render();
    }

    /// <summary>Sets an extra field shown at the end of the line (e.g. "loss", "eps"); shown from the next render.</summary>
    public void SetField(string name, double value, string format = "G4")
    {
        lock (_gate)
        {
            for (int i = 0; i < _fields.Count; i++)
                if (_fields[i].Name == name) { _fields[i] = (name, format, value); return; }
            _fields.Add((name, format, value));
        }
    }

    /// <summary>Renders a final line and ends it with a newline. Later updates are ignored.</summary>
    public void Finish()
    {
        if (_finished) return;
        Render();
        lock (_gate)
        {
            _finished = true;
            if (_interactive) _out.WriteLine();
            _out.Flush();
        }
    }

    public void Dispose() => Finish();

    /// <summary>The text of the line as it would be rendered now (for tests and for a final summary).</summary>
    public string Format()
    {
        lock (_gate) return BuildLine(Stopwatch.GetTimestamp()).ToString();
    }

    private void Render()
    {
        lock (_gate)
        {
            if (_finished) return;
            long now = Stopwatch.GetTimestamp();
            _nextRenderTicks = now + _intervalTicks;
            _nextPercentStep = NextPercentBoundary(_step);
            var line = BuildLine(now);
            if (_interactive)
            {
                int length = line.Length;
                if (length < _lastLength) line.Append(' ', _lastLength - length);
                _out.Write('\r');
                _out.Write(line);
                _lastLength = length;
            }
            else
            {
                _out.WriteLine(line);
            }
            _out.Flush();
        }
    }

    private long NextPercentBoundary(long step)
    {
        long tenth = Math.Max(1, _total / 10);
        return (step / tenth + 1) * tenth;
    }

    private StringBuilder BuildLine(long now)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = _line.Clear();
        double fraction = Math.Clamp((double)_step / _total, 0, 1);
        int filled = (int)(fraction * BarWidth);
        sb.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ");
        sb.Append((fraction * 100).ToString("0.0", ic).PadLeft(5)).Append("% ");
        sb.Append(_step.ToString("N0", ic)).Append('/').Append(_total.ToString("N0", ic));

        sb.Append(" | ep ").Append(_episodes.ToString("N0", ic));
        sb.Append(" | ret100 ").Append(double.IsNaN(_meanReturn) ? "-" : _meanReturn.ToString("0.##", ic));

        double elapsed = (now - _startTicks) / (double)Stopwatch.Frequency;
        long done = _step - _startStep;
        double rate = elapsed > 0 ? done / elapsed : 0;
        sb.Append(" | ").Append(rate.ToString(rate >= 100 ? "N0" : "0.#", ic)).Append(" sps");
        sb.Append(" | ").Append(_step >= _total ? "done " : "ETA ");
        if (_step >= _total) sb.Append(FormatDuration(elapsed));
        else sb.Append(rate > 0 ? FormatDuration((_total - _step) / rate) : "?");

        foreach (var (name, format, value) in _fields)
            sb.Append(" | ").Append(name).Append(' ').Append(value.ToString(format, ic));
        return sb;
    }

    internal static string FormatDuration(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds > 360_000_000) return "?";
        long s = (long)Math.Round(seconds);
        long h = s / 3600, m = s / 60 % 60, sec = s % 60;
        return h > 0 ? $"{h}:{m:00}:{sec:00}" : $"{m}:{sec:00}";
    }
}
