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
    private readonly string _metricsPath;
    private readonly string? _episodesPath;
    private readonly char[] _buffer = new char[64];
    private readonly Dictionary<string, string> _escapedNames = new();

    /// <param name="metricsPath">The scalar CSV (usually metrics.csv).</param>
    /// <param name="episodesPath">The episode CSV (usually episodes.csv), or null for none.</param>
    /// <param name="append">Continue existing files instead of replacing them.</param>
    public CsvMetricsSink(string metricsPath, string? episodesPath, bool append = false)
    {
        _metricsPath = Path.GetFullPath(metricsPath);
        _episodesPath = episodesPath is null ? null : Path.GetFullPath(episodesPath);
        _metrics = Open(metricsPath, MetricsHeader, append);
        try { _episodes = episodesPath is null ? null : Open(episodesPath, EpisodesHeader, append); }
        catch { _metrics.Dispose(); throw; }
    }

    private static StreamWriter Open(string path, string header, bool append)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        bool continuing = append && File.Exists(path) && new FileInfo(path).Length > 0;
        if (continuing) CutTornLine(path);
        var fs = new FileStream(path, continuing ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 14);
        var w = new StreamWriter(fs, new UTF8Encoding(false), 1 << 14) { NewLine = "\n" };
        if (!continuing) w.WriteLine(header);
        return w;
    }

    /// <summary>Drops a last line without its newline (a write cut off by a crash), so appended rows start on a line of their own.</summary>
    internal static void CutTornLine(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        long end = fs.Length;
        if (end == 0) return;
        var buf = new byte[4096];
        long pos = end;
        while (pos > 0)
        {
            int n = (int)Math.Min(buf.Length, pos);
            fs.Position = pos - n;
            fs.ReadExactly(buf, 0, n);
            int nl = Array.LastIndexOf(buf, (byte)'\n', n - 1);
            if (nl >= 0) { long keep = pos - n + nl + 1; if (keep != end) fs.SetLength(keep); return; }
            pos -= n;
        }
        fs.SetLength(0);
    }

    public IEnumerable<(string Path, long Bytes)> Extents()
    {
        yield return (_metricsPath, _metrics.BaseStream.Position);
        if (_episodes is not null) yield return (_episodesPath!, _episodes.BaseStream.Position);
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
