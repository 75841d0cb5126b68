using System.Buffers.Binary;
using Astromech.Training.Plotting;

namespace Astromech.Tests.Training;

public class LearningCurvePlotTests
{
    private static (int Width, int Height) ReadPngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Save_WritesPngWithRequestedSize()
    {
        using var dir = new TempDir();
        var rng = new Random(0);
        var episodes = new List<(long, double)>();
        long step = 0;
        for (int i = 0; i < 600; i++)
        {
            double ret = Math.Min(500, 20 + i * 0.8 + rng.NextDouble() * 80);
            step += (long)ret;
            episodes.Add((step, ret));
        }
        var eval = Enumerable.Range(1, 10).Select(k => ((long)(k * step / 10), Math.Min(500.0, 50.0 * k))).ToList();
        var path = dir.File("curve.png");
        LearningCurvePlot.Save(path, episodes, "DQN on CartPole-v1", threshold: 475, eval: eval);
        Assert.Equal((1000, 600), ReadPngSize(path));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temp file left behind
    }

    [Fact]
    public void Save_HandlesNoEpisodes_AndCustomSize()
    {
        using var dir = new TempDir();
        var path = dir.File("empty.png");
        LearningCurvePlot.Save(path, Array.Empty<(long, double)>(), "nothing yet", width: 400, height: 300);
        Assert.Equal((400, 300), ReadPngSize(path));
    }

    [Fact]
    public void StepLabels_AreCompact()
    {
        Assert.Equal("1.5k", LearningCurvePlot.FormatSteps(1500));
        Assert.Equal("2M", LearningCurvePlot.FormatSteps(2_000_000));
        Assert.Equal("250", LearningCurvePlot.FormatSteps(250));
    }
}
