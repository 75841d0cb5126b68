namespace Astromech.Tests;

/// <summary>Paths in the repository checkout the tests run from (presets under configs/).</summary>
internal static class RepoPaths
{
    /// <summary>The directory holding Astromech.slnx, found upward from the test binaries.</summary>
    public static string Root()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Astromech.slnx"))) d = d.Parent;
        return d?.FullName ?? throw new DirectoryNotFoundException("repository root (Astromech.slnx) not found above " + AppContext.BaseDirectory);
    }
}
