using System.Buffers.Binary;
using Astromech.Training.Plotting;

namespace Astromech.Tests.Training;

public class GroupedBarPlotTests
{
    [Fact]
    public void Save_WritesPngWithRequestedSize_SkippingNonFiniteBars()
    {
        using var dir = new TempDir();
        var path = dir.File("bars.png");
        GroupedBarPlot.Save(path, "ΔQ staleness", "ΔQ", new[] { "first step", "last step" }, new (string, IReadOnlyList<double>)[]
        {
            ("zero", new[] { 0.5, 0.03 }),
            ("stored", new[] { 0.1, double.NaN }),
        }, width: 640, height: 400);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal((640, 400), (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temp file left behind
    }

    [Fact]
    public void SeriesWithTheWrongNumberOfValuesIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => GroupedBarPlot.Render("t", "y", new[] { "a", "b" },
            new (string, IReadOnlyList<double>)[] { ("s", new[] { 1.0 }) }));
        Assert.Contains("'s'", e.Message);
    }
}
