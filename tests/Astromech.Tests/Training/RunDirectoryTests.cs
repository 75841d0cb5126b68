using System.Text.Json.Nodes;
using Astromech.Training;

namespace Astromech.Tests.Training;

public class RunDirectoryTests
{
    [Fact]
    public void CreatesFolder_AndNamesFiles()
    {
        using var tmp = new TempDir();
        var run = new RunDirectory(Path.Combine(tmp.Path, "a", "b"));
        Assert.True(Directory.Exists(run.Root));
        Assert.Equal(Path.Combine(run.Root, "metrics.csv"), run.MetricsCsv);
        Assert.Equal(Path.Combine(run.Root, "episodes.csv"), run.EpisodesCsv);
        Assert.Equal(Path.Combine(run.Root, "tb"), run.TensorBoardDir);
        Assert.Equal(Path.Combine(run.Root, "checkpoint.ckpt"), run.Checkpoint);
        Assert.Equal(Path.Combine(run.Root, "checkpoint.best.ckpt"), run.BestCheckpoint);
        Assert.Equal(Path.Combine(run.Root, "curve.png"), run.CurvePng);
        Assert.Equal(Path.Combine(run.Root, "summary.json"), run.SummaryJson);
        Assert.Equal(Path.Combine(run.Root, "config.json"), run.ConfigJson);
    }

    [Fact]
    public void CreateUnique_AddsSuffixWhenTaken()
    {
        using var tmp = new TempDir();
        var t = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var a = RunDirectory.CreateUnique(tmp.Path, "dqn/CartPole-v1", t);
        var b = RunDirectory.CreateUnique(tmp.Path, "dqn/CartPole-v1", t);
        Assert.Equal("dqn_CartPole-v1-20250102-030405", Path.GetFileName(a.Root));
        Assert.Equal("dqn_CartPole-v1-20250102-030405-2", Path.GetFileName(b.Root));
    }

    [Fact]
    public void WriteJsonAtomic_ReplacesWholeFile()
    {
        using var tmp = new TempDir();
        var run = new RunDirectory(tmp.Path);
        RunDirectory.WriteJsonAtomic(run.SummaryJson, new JsonObject { ["mean_return"] = 1.5, ["long_text"] = new string('x', 1000) });
        RunDirectory.WriteJsonAtomic(run.SummaryJson, new { steps = 10 });
        var node = JsonNode.Parse(File.ReadAllText(run.SummaryJson))!;
        Assert.Equal(10, (int)node["steps"]!);
        Assert.Null(node["mean_return"]);
        Assert.Single(Directory.GetFiles(run.Root));
    }

    [Fact]
    public void CreateLogger_WritesCsvAndTensorBoard()
    {
        using var tmp = new TempDir();
        var run = new RunDirectory(tmp.Path);
        using (var logger = run.CreateLogger())
        {
            logger.LogEpisode(10, 5, 10);
            logger.Log("train/loss", 0.1, 10);
        }
        Assert.Equal(4, File.ReadAllLines(run.MetricsCsv).Length);
        Assert.Equal(2, File.ReadAllLines(run.EpisodesCsv).Length);
        var events = TfEventReader.Read(File.ReadAllBytes(Assert.Single(Directory.GetFiles(run.TensorBoardDir))));
        Assert.Equal(4, events.Count);
    }
}
