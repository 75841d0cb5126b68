using System.Globalization;
using System.Text;

namespace Astromech.Training.Logging;

/// <summary>
/// Writes scalars to a long-format CSV (<c>step,wall_seconds,name,value</c>: new metric names can appear at any time)
/// and episodes to a second CSV (<c>step,episode,return,length</c>). Numbers use the invariant culture and round-trip
/// formatting. With <c>append</c>, an existing file is continued (for resumed runs) and no second header is written.
/// </summary>
public sealed class CsvMetricsSink : IMetricsSink
{
    public const string MetricsHeader = "step,wall_seconds,name,value";
    public const string EpisodesHeader = "step,episode,return,length";

    private readonly StreamWriter _metrics;
    private readonly StreamWriter? _episodes;
    private readonly char[] _buffer = new char[64];
    private readonly Dictionary<string, string> _escapedNames = new();

    /// <param name="metricsPath">The scalar CSV (usually metrics.csv).</param>
    /// <param name="episodesPath">The episode CSV (usually episodes.csv), or null for none.</param>
    /// <param name="append">Continue existing files instead of replacing them.</param>
    public CsvMetricsSink(string metricsPath, string? episodesPath, bool append = false)
    {
        _metrics = Open(metricsPath, MetricsHeader, append);
        try { _episodes = episodesPath is null ? null : Open(episodesPath, EpisodesHeader, append); }
        catch { _metrics.Dispose(); throw; }
    }

    private static StreamWriter Open(string path, string header, bool append)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        bool continuing = append && File.Exists(path) && new FileInfo(path).Length > 0;
        var fs = new FileStream(path, continuing ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 14);
        var w = new StreamWriter(fs, new UTF8Encoding(false), 1 << 14) { NewLine = "\n" };
        if (!continuing) w.WriteLine(header);
        return w;
    }

    public void WriteScalar(string name, double value, long step, double wallSeconds)
    {
        WriteNumber(_metrics, step);
        _metrics.Write(',');
        WriteNumber(_metrics, Math.Round(wallSeconds, 3));
        _metrics.Write(',');
        _metrics.Write(Escape(name));
        _metrics.Write(',');
        WriteNumber(_metrics, value);
        _metrics.Write('\n');
    }

    public void WriteEpisode(long step, long episode, double episodeReturn, int length)
    {
        if (_episodes is null) return;
        WriteNumber(_episodes, step);
        _episodes.Write(',');
        WriteNumber(_episodes, episode);
        _episodes.Write(',');
        WriteNumber(_episodes, episodeReturn);
        _episodes.Write(',');
        WriteNumber(_episodes, length);
        _episodes.Write('\n');
    }

    private void WriteNumber<T>(StreamWriter w, T value) where T : ISpanFormattable
    {
        if (value.TryFormat(_buffer, out int n, default, CultureInfo.InvariantCulture))
            w.Write(_buffer, 0, n);
        else
            w.Write(value.ToString(null, CultureInfo.InvariantCulture));
    }

    private string Escape(string name)
    {
        if (_escapedNames.TryGetValue(name, out var escaped)) return escaped;
        escaped = name.AsSpan().IndexOfAny(",\"\r\n") < 0 ? name : "\"" + name.Replace("\"", "\"\"") + "\"";
        _escapedNames[name] = escaped;
        return escaped;
    }

    public void Flush()
    {
        _metrics.Flush();
        _episodes?.Flush();
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _episodes?.Dispose();
    }
}
