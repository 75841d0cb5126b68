namespace Astromech.Datasets;

/// <summary>
/// A dataset file that cannot be read as what it claims to be: the wrong layout, a missing key, arrays whose shapes
/// disagree, a value that is not finite. The message names the file, and the key and row where there is one; the
/// same facts are in <see cref="Path"/>, <see cref="Key"/> and <see cref="Row"/> for callers that act on them.
/// It is a <see cref="FormatException"/> so the CLI reports it as a plain error (no stack trace).
/// </summary>
public sealed class DatasetFileException : FormatException
{
    public DatasetFileException(string path, string? key, long? row, string problem)
        : base(Compose(path, key, row, problem))
    {
        Path = path;
        Key = key;
        Row = row;
    }

    public string Path { get; }
    /// <summary>The HDF5 key (e.g. <c>observations</c>, <c>episode_3/actions</c>), or null when the problem is the whole file.</summary>
    public string? Key { get; }
    /// <summary>The row (first index) of <see cref="Key"/> in the file, or null when the problem is not one row.</summary>
    public long? Row { get; }

    private static string Compose(string path, string? key, long? row, string problem)
    {
        string where = path;
        if (key is not null) where += $": key '{key}'";
        if (row is not null) where += $" row {row}";
        return $"{where}: {problem}";
    }
}
