using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Training.Logging;

namespace Astromech.Training;

/// <summary>
/// The output folder of one training run and the names of what goes in it:
/// <code>
/// metrics.csv  episodes.csv  tb/events.out.tfevents.*  checkpoint.ckpt  checkpoint.best.ckpt
/// curve.png  summary.json  config.json  .lock  .lock.pid
/// </code>
/// One run at a time holds a folder (<see cref="Lock"/>).
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
    public string LockFile => Path.Combine(Root, ".lock");
    private string LockOwnerFile => Path.Combine(Root, ".lock.pid");

    /// <summary>The files a run writes (what <see cref="Clear"/> removes, and what tells a folder holds a run).</summary>
    private IEnumerable<string> RunFiles => new[] { Checkpoint, BestCheckpoint, SummaryJson, CurvePng, MetricsCsv, EpisodesCsv, ConfigJson };

    /// <summary>True when the folder holds a checkpoint or a summary: a run, finished or stopped, that a new one would replace.</summary>
    public bool HoldsRun => File.Exists(Checkpoint) || File.Exists(SummaryJson);

    /// <summary>
    /// Takes the folder for this process: an exclusive advisory lock on <c>.lock</c> (flock, through a FileStream opened
    /// with <see cref="FileShare.None"/>), which the OS drops when the process dies however it dies. A folder another
    /// live process holds is refused naming that process. Dispose the result to release it. (Setting
    /// DOTNET_SYSTEM_IO_DISABLEFILELOCKING turns .NET's file locks, and so this check, off.)
    /// </summary>
    public IDisposable Lock()
    {
        FileStream fs;
        try { fs = new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string holder;
            try { holder = File.ReadAllText(LockOwnerFile).Trim(); } catch (IOException) { holder = "an unknown process"; }
            if (holder.Length == 0) holder = "an unknown process";
            throw new IOException($"run folder '{Root}' is in use by another run ({holder}); wait for it to end or give another --out");
        }
        try
        {
            AtomicFile.WriteAllText(LockOwnerFile, $"pid {Environment.ProcessId}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n");
            return fs;
        }
        catch { fs.Dispose(); throw; }
    }

    /// <summary>Removes what a run writes here (checkpoints, logs, TensorBoard files, curve, summary), for a run that
    /// replaces it. Other files in the folder are left alone.</summary>
    public void Clear()
    {
        foreach (var f in RunFiles) File.Delete(f);
        if (Directory.Exists(TensorBoardDir))
            foreach (var f in Directory.GetFiles(TensorBoardDir, "events.out.tfevents.*")) File.Delete(f);
    }

    /// <summary>
    /// Cuts each log back to the bytes a checkpoint recorded for it (paths relative to this folder), and removes
    /// TensorBoard event files the checkpoint does not know (written after it), so appended rows continue exactly where
    /// the checkpoint's history ends. Logs the checkpoint does not name keep their content, less a torn last line.
    /// </summary>
    public void CutLogsTo(IReadOnlyDictionary<string, long> extents)
    {
        foreach (var (rel, bytes) in extents)
        {
            string path = Path.GetFullPath(Path.Combine(Root, rel));
            if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path)) continue;
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            if (fs.Length > bytes) fs.SetLength(bytes);
        }
        if (Directory.Exists(TensorBoardDir))
            foreach (var f in Directory.GetFiles(TensorBoardDir, "events.out.tfevents.*"))
                if (!extents.ContainsKey(Path.GetRelativePath(Root, f))) File.Delete(f);
    }

    /// <summary>The path of <paramref name="fullPath"/> relative to this folder, as a checkpoint records it.</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath);

    /// <summary>Uses <paramref name="root"/> as the run folder, creating it (and its parents) if missing.</summary>
    public RunDirectory(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        if (File.Exists(Root)) throw new IOException($"--out {root}: that is a file; --out names the run's folder");
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
