namespace Astromech.Training.Logging;

/// <summary>A destination for metrics: a CSV file, a TensorBoard event file, anything else. Called under the logger's lock.</summary>
public interface IMetricsSink : IDisposable
{
    /// <summary>One scalar. <paramref name="wallSeconds"/> is the time since the logger started.</summary>
    void WriteScalar(string name, double value, long step, double wallSeconds);

    /// <summary>One finished episode (the logger also sends its return and length through <see cref="WriteScalar"/>).</summary>
    void WriteEpisode(long step, long episode, double episodeReturn, int length) { }

    void Flush();

    /// <summary>The files this sink writes and how many bytes of each are on disk after <see cref="Flush"/>: what a checkpoint
    /// records, so a resumed run can cut each log back to the point the checkpoint reached. Sinks without files return none.</summary>
    IEnumerable<(string Path, long Bytes)> Extents() => Array.Empty<(string, long)>();
}
