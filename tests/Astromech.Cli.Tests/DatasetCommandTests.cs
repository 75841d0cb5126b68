using System.Text.Json.Nodes;
using Astromech.Datasets;

namespace Astromech.Cli.Tests;

/// <summary>A short SAC run on Pendulum-v1, trained once for the dataset command tests.</summary>
public sealed class PendulumSacRun : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "astromech-dscli-" + Guid.NewGuid().ToString("N"));
    public string Checkpoint => Path.Combine(Dir, "run", "checkpoint.ckpt");

    public PendulumSacRun()
    {
        var (code, _, err) = CliRunner.Run("train", "--algo", "sac", "--env", "Pendulum-v1", "--steps", "400", "--seed", "3",
            "--out", Path.Combine(Dir, "run"), "--no-progress", "--eval-episodes", "1",
            "--set", "learning_starts=100", "--set", "buffer_size=1000", "--set", "batch_size=32", "--set", "net_arch=[32, 32]");
        if (code != 0) throw new InvalidOperationException("training the test SAC run failed: " + err);
    }

    public string File(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

public class DatasetCommandTests : IClassFixture<PendulumSacRun>
{
    private readonly PendulumSacRun _run;
    public DatasetCommandTests(PendulumSacRun run) => _run = run;

    private static JsonObject Json(string stdout) => JsonNode.Parse(stdout.Trim().Split('\n')[^1])!.AsObject();

    [Fact]
    public void RecordFromCheckpointWritesEpisodesThatInfoReports()
    {
        string file = _run.File("medium.hdf5");
        var (code, output, err) = CliRunner.Run("dataset", "record", "--checkpoint", _run.Checkpoint, "--episodes", "2", "--noise", "0.1", "--seed", "4", "--out", file);
        Assert.True(code == 0, err);
        Assert.Equal(400, (int)Json(output)["steps"]!);
        var (icode, info, ierr) = CliRunner.Run("dataset", "info", file, "--env", "Pendulum-v1");
        Assert.True(icode == 0, ierr);
        var o = JsonNode.Parse(info)!.AsObject();
        Assert.Equal(2, (int)o["episodes"]!);
        Assert.Equal(400, (int)o["steps"]!);
        Assert.Equal(2, (int)o["timeouts"]!);
        Assert.Equal("Pendulum-v1", (string)o["env"]!);
        Assert.StartsWith("sac at 400 env steps", (string)o["policy"]!);
        Assert.Null(o["d4rl_normalized_score_mean"]); // D4RL has no reference returns for Pendulum
        var d = DatasetFile.Read(file);
        Assert.All(d.Actions, a => Assert.InRange(a, -2f, 2f));
        Assert.InRange((double)o["return_mean"]!, (double)o["return_min"]!, (double)o["return_max"]!);
        Assert.Equal(d.EpisodeReturns().Average(), (double)o["return_mean"]!, 6);

        // One seed, one dataset; without noise the recording differs.
        string again = _run.File("medium-again.hdf5"), clean = _run.File("clean.hdf5");
        Assert.Equal(0, CliRunner.Run("dataset", "record", "--checkpoint", _run.Checkpoint, "--episodes", "2", "--noise", "0.1", "--seed", "4", "--out", again).Code);
        Assert.Equal(0, CliRunner.Run("dataset", "record", "--checkpoint", _run.Checkpoint, "--episodes", "2", "--seed", "4", "--out", clean).Code);
        Assert.Equal(d.Actions, DatasetFile.Read(again).Actions);
        Assert.NotEqual(d.Actions, DatasetFile.Read(clean).Actions);
    }

    [Fact]
    public void FromReplayExportsEveryTrainingStep()
    {
        string file = _run.File("medium-replay.hdf5");
        var (code, _, err) = CliRunner.Run("dataset", "record", "--from-replay", _run.Checkpoint, "--out", file);
        Assert.True(code == 0, err);
        var d = DatasetFile.Read(file);
        Assert.Equal(400, d.Count);             // 400 training steps, buffer 1000: nothing overwritten
        Assert.Equal(2, d.Episodes().Count);    // two 200-step episodes, recovered from the replay's next observations
        Assert.True(d.Timeouts[199] && d.Timeouts[399]);
        Assert.All(d.Actions, a => Assert.InRange(a, -2f, 2f));
        // The training run's own episode returns (episodes.csv) are the exported episodes' returns.
        var csv = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(_run.Checkpoint)!, "episodes.csv"));
        int col = Array.IndexOf(csv[0].Split(','), "return");
        var trainReturns = csv.Skip(1).Select(l => double.Parse(l.Split(',')[col], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(trainReturns.Length, d.EpisodeReturns().Length);
        for (int e = 0; e < trainReturns.Length; e++) Assert.Equal(trainReturns[e], d.EpisodeReturns()[e], 2);
    }

    [Fact]
    public void RandomMuJoCoRecordingInMinariConvertsToD4rlWithTheSameRows()
    {
        string minari = _run.File("ip-random"), d4rl = _run.File("ip-random.hdf5");
        var (code, _, err) = CliRunner.Run("dataset", "record", "--policy", "random", "--env", "InvertedPendulum-v5", "--episodes", "3", "--layout", "minari", "--out", minari);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(minari, "data", "main_data.hdf5")));
        var (ccode, _, cerr) = CliRunner.Run("dataset", "convert", minari, d4rl, "--layout", "d4rl");
        Assert.True(ccode == 0, cerr);
        var a = DatasetFile.Read(minari);
        var b = DatasetFile.Read(d4rl);
        Assert.Equal(DatasetLayout.D4rl, DatasetFile.DetectLayout(d4rl));
        Assert.Equal(a.Observations, b.Observations);
        Assert.Equal(a.Actions, b.Actions);
        Assert.Equal(a.Infos["qpos"], b.Infos["qpos"]);
        Assert.Equal(3, b.Episodes().Count);
    }

    [Fact]
    public void ConcatJoinsMediumAndExpertRows()
    {
        string a = _run.File("c-a.hdf5"), b = _run.File("c-b.hdf5"), both = _run.File("c-ab.hdf5");
        Assert.Equal(0, CliRunner.Run("dataset", "record", "--policy", "random", "--env", "Pendulum-v1", "--episodes", "1", "--out", a).Code);
        Assert.Equal(0, CliRunner.Run("dataset", "record", "--checkpoint", _run.Checkpoint, "--episodes", "2", "--out", b).Code);
        var (code, output, err) = CliRunner.Run("dataset", "concat", a, b, "--out", both);
        Assert.True(code == 0, err);
        Assert.Equal(600, (int)Json(output)["steps"]!);
        var d = DatasetFile.Read(both);
        Assert.Equal(DatasetFile.Read(a).Observations.Concat(DatasetFile.Read(b).Observations), d.Observations);
        Assert.Contains("random + sac", d.Metadata["policy"]);
    }

    [Fact]
    public void FailedRecordLeavesNoFileAndKeepsAnOldOne()
    {
        string file = _run.File("fail.hdf5");
        // A Pendulum checkpoint on MountainCarContinuous: 2 observation floats where the networks take 3.
        var (code, _, err) = CliRunner.Run("dataset", "record", "--checkpoint", _run.Checkpoint, "--env", "MountainCarContinuous-v0", "--episodes", "1", "--out", file);
        Assert.NotEqual(0, code);
        Assert.StartsWith("error:", err);
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(_run.Dir, "*.tmp"));

        Assert.Equal(0, CliRunner.Run("dataset", "record", "--policy", "random", "--env", "Pendulum-v1", "--episodes", "1", "--out", file).Code);
        var before = File.ReadAllBytes(file);
        var (code2, _, err2) = CliRunner.Run("dataset", "record", "--policy", "random", "--env", "Pendulum-v1", "--episodes", "1", "--epsilon", "2", "--out", file);
        Assert.NotEqual(0, code2);
        Assert.Contains("--epsilon", err2);
        Assert.Equal(before, File.ReadAllBytes(file));
    }

    [Fact]
    public void InfoAgainstAnotherEnvNamesTheMismatch()
    {
        string file = _run.File("info-mismatch.hdf5");
        Assert.Equal(0, CliRunner.Run("dataset", "record", "--policy", "random", "--env", "Pendulum-v1", "--episodes", "1", "--out", file).Code);
        var (code, _, err) = CliRunner.Run("dataset", "info", file, "--env", "MountainCarContinuous-v0");
        Assert.Equal(2, code);
        Assert.Contains(file, err);
        Assert.Contains("3 floats per row", err);
        var (code2, _, err2) = CliRunner.Run("dataset", "info", _run.Checkpoint);
        Assert.Equal(2, code2);
        Assert.Contains("not an HDF5 file", err2);
    }

    [Theory]
    [InlineData(new[] { "dataset", "record", "--policy", "random", "--env", "Pendulum-v1", "--episodes", "1", "--layout", "csv", "--out", "x.hdf5" }, "--layout")]
    [InlineData(new[] { "dataset", "record", "--policy", "expert", "--env", "Pendulum-v1", "--episodes", "1", "--out", "x.hdf5" }, "--policy")]
    [InlineData(new[] { "dataset", "record", "--env", "Pendulum-v1", "--episodes", "1", "--out", "x.hdf5" }, "exactly one of")]
    [InlineData(new[] { "dataset", "convert", "a.hdf5", "b.hdf5" }, "--layout")]
    [InlineData(new[] { "dataset", "frobnicate" }, "record, info, convert")]
    public void BadDatasetArgumentsAreOneClearLine(string[] args, string mustMention)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(mustMention, err);
    }
}
