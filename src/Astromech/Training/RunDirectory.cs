using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Training.Logging;

namespace Astromech.Training;

/// <summary>
/// The output folder of one training run and the names of what goes in it:
/// <code>
/// metrics.csv  episodes.csv  tb/events.out.tfevents.*  checkpoint.ckpt  checkpoint.best.ckpt
/// curve.png  summary.json  config.json
/// </code>
/// </summary>
public sealed class RunDirectory
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Root { get; }
    public string MetricsCsv => Path.Combine(Root, "metrics.csv");
    public string EpisodesCsv => Path.Combine(Root, "episodes.csv");
    public string TensorBoardDir => Path.Combine(Root, "tb");
    public string Checkpoint => Path.Combine(Root, "checkpoint.ckpt");
    public string BestCheckpoint => Path.Combine(Root, "checkpoint.best.ckpt");
    public string CurvePng => Path.Combine(Root, "curve.png");
    public string SummaryJson => Path.Combine(Root, "summary.json");
    public string ConfigJson => Path.Combine(Root, "config.json");

    /// <summary>Uses <paramref name="root"/> as the run folder, creating it (and its parents) if missing.</summary>
    public RunDirectory(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>
    /// A new folder under <paramref name="parent"/> named <c>&lt;name&gt;-yyyyMMdd-HHmmss</c> (UTC), with a
    /// <c>-2</c>, <c>-3</c>, … suffix if that exists already. Characters unsafe in file names become '_'.
    /// </summary>
    public static RunDirectory CreateUnique(string parent, string name, DateTime? utcNow = null)
    {
        string safe = string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        string stem = $"{safe}-{(utcNow ?? DateTime.UtcNow).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        Directory.CreateDirectory(parent);
        for (int i = 1; ; i++)
        {
            string candidate = Path.Combine(parent, i == 1 ? stem : $"{stem}-{i}");
            if (!Directory.Exists(candidate) && !File.Exists(candidate)) return new RunDirectory(candidate);
        }
    }

    /// <summary>A logger writing metrics.csv, episodes.csv and (optionally) a TensorBoard event file under tb/.</summary>
    /// <param name="append">Continue existing CSV files (resuming a run).</param>
    public MetricsLogger CreateLogger(bool tensorBoard = true, bool append = false)
    {
        var sinks = new List<IMetricsSink> { new CsvMetricsSink(MetricsCsv, EpisodesCsv, append) };
        try { if (tensorBoard) sinks.Add(new TensorBoardSink(TensorBoardDir)); }
        catch { sinks[0].Dispose(); throw; }
        return new MetricsLogger(sinks);
    }

    /// <summary>Writes indented JSON atomically (temp file, fsync, rename).</summary>
    public static void WriteJsonAtomic(string path, JsonNode node) =>
        AtomicFile.WriteAllText(path, node.ToJsonString(Indented) + "\n");

    /// <summary>Serializes <paramref name="value"/> with System.Text.Json (indented) and writes it atomically.</summary>
    public static void WriteJsonAtomic<T>(string path, T value, JsonSerializerOptions? options = null) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, options ?? Indented) + "\n");

    public override string ToString() => Root;
}
