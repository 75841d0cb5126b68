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
    public void AtomicWriteReplacesTheFileInsteadOfRewritingIt()
    {
        // A reader holding the old file keeps reading the old bytes whole: the new content went to another file that was
        // renamed over it. A plain write in place (truncate, then write) would show that reader the new or a cut content.
        using var tmp = new TempDir();
        string path = tmp.File("summary.json");
        File.WriteAllText(path, "old content, long enough to see a truncation");
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("old content, long enough to see a truncation", new StreamReader(reader).ReadToEnd());
        Assert.Equal("new", File.ReadAllText(path));

        // Plain in-place writing, as a control: the same reader sees the new content, so the check above can fail.
        using var reader2 = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        File.WriteAllText(path, "plain");
        Assert.Equal("plain", new StreamReader(reader2).ReadToEnd());
    }

    [Fact]
    public void AtomicWriteThatFailsMidwayLeavesTheOldFileAndNoTempFile()
    {
        using var tmp = new TempDir();
        string path = tmp.File("checkpoint.ckpt");
        File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[5000]); throw new IOException("disk full"); }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void StaleTempFilesOfOtherProcessesAreRemovedAndOthersKept()
    {
        using var tmp = new TempDir();
        string stale = tmp.File($".checkpoint.ckpt.{int.MaxValue - 1}.{Guid.NewGuid():N}.tmp");
        string mine = tmp.File($".checkpoint.ckpt.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string user = tmp.File(".notes.tmp");
        foreach (var f in new[] { stale, mine, user }) File.WriteAllText(f, "x");
        var removed = AtomicFile.RemoveStaleTemps(tmp.Path);
        Assert.Equal(new[] { Path.GetFileName(stale) }, removed);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(mine) && File.Exists(user));
    }

    [Fact]
    public void LockRefusesASecondHolderUntilReleased()
    {
        using var tmp = new TempDir();
        var run = new RunDirectory(tmp.Path);
        var held = run.Lock();
        var e = Assert.Throws<IOException>(() => run.Lock());
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
        held.Dispose();
        run.Lock().Dispose();
    }

    [Fact]
    public void CutLogsToTruncatesRecordedLogsAndDropsUnknownEventFiles()
    {
        using var tmp = new TempDir();
        var run = new RunDirectory(tmp.Path);
        File.WriteAllText(run.EpisodesCsv, "step,episode,return,length\n10,1,5,10\n20,2,6,10\n30,3,7");
        Directory.CreateDirectory(run.TensorBoardDir);
        string kept = Path.Combine(run.TensorBoardDir, "events.out.tfevents.1.host"), later = Path.Combine(run.TensorBoardDir, "events.out.tfevents.2.host");
        File.WriteAllBytes(kept, new byte[100]);
        File.WriteAllBytes(later, new byte[10]);
        run.CutLogsTo(new Dictionary<string, long> { ["episodes.csv"] = "step,episode,return,length\n10,1,5,10\n".Length, [run.Relative(kept)] = 60 });
        Assert.Equal(new[] { "step,episode,return,length", "10,1,5,10" }, File.ReadAllLines(run.EpisodesCsv));
        Assert.Equal(60, new FileInfo(kept).Length);
        Assert.False(File.Exists(later));
    }

    [Fact]
    public void AppendingToALogCutsATornLastLineFirst()
    {
        using var tmp = new TempDir();
        var run = new RunDirectory(tmp.Path);
        File.WriteAllText(run.EpisodesCsv, "step,episode,return,length\n10,1,5,10\n20,2,6");
        File.WriteAllText(run.MetricsCsv, "step,wall_seconds,name,value\n");
        using (var logger = run.CreateLogger(tensorBoard: false, append: true))
        {
            logger.EpisodeOffset = 1;
            logger.LogEpisode(30, 7, 10);
        }
        Assert.Equal(new[] { "step,episode,return,length", "10,1,5,10", "30,2,7,10" }, File.ReadAllLines(run.EpisodesCsv));
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
