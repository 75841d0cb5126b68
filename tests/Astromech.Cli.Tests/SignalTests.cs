using System.Text.Json.Nodes;
using Astromech.Training.Checkpoints;

namespace Astromech.Cli.Tests;

/// <summary>
/// SIGINT and SIGTERM sent to a real <c>astromech</c> process: the first ends the command in order (checkpoint, flushed
/// logs, curve, summary, exit 3), a second one aborts at once (128 + signal).
/// </summary>
public class SignalTests
{
    private const int SigInt = 2, SigTerm = 15, SigStop = 19, SigCont = 18;

    private static string TempDir() => Directory.CreateTempSubdirectory("astromech-signal-").FullName;

    private static CliProcess StartLongTrain(string dir) => CliProcess.Start("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "10M",
        "--out", dir, "--no-progress", "--torch-threads", "1", "--set", "learning_starts=200", "--set", "buffer_size=5000", "--checkpoint-interval", "0");

    /// <summary>Waits until training is under way.</summary>
    private static void WaitUntilTraining(CliProcess p)
    {
        p.WaitForLine("training dqn on CartPole-v1");
        // The logs are only flushed every 10 s or at a checkpoint, so watch the process, not the files: the stop below
        // must find it mid-run, which 2,000+ steps after start-up it is (10M steps take hours).
        Thread.Sleep(3000);
        Assert.False(p.Process.HasExited, p.Output);
    }

    private static void AssertStoppedRunFiles(string dir, string output)
    {
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        Assert.True((bool)summary["stopped"]!);
        long steps = (long)summary["env_steps"]!;
        Assert.InRange(steps, 1, 10_000_000 - 1);
        var ckpt = CheckpointFile.Read(Path.Combine(dir, "checkpoint.ckpt"));
        Assert.Equal(steps, (long)ckpt.GetJsonNode("trainer/meta")["env_steps"]!);
        // The CSV was flushed: one row per episode the summary counts, after the header.
        int rows = File.ReadAllLines(Path.Combine(dir, "episodes.csv")).Length - 1;
        Assert.True(rows > 0, "episodes.csv holds no rows");
        Assert.Equal((int)summary["episodes"]!, rows);
        Assert.True(new FileInfo(Path.Combine(dir, "curve.png")).Length > 0);
        Assert.Contains(Path.Combine(dir, "checkpoint.ckpt"), output);
        Assert.Contains(Path.Combine(dir, "summary.json"), output);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Theory]
    [InlineData(SigInt, "SIGINT")]
    [InlineData(SigTerm, "SIGTERM")]
    public void TrainStopsInOrderWritingCheckpointSummaryCurveAndFlushedLogs(int signal, string name)
    {
        string dir = TempDir();
        using var p = StartLongTrain(dir);
        WaitUntilTraining(p);
        p.Signal(signal);
        Assert.Equal(3, p.WaitForExit());
        Assert.Contains($"stopped by {name}", p.Output);
        AssertStoppedRunFiles(dir, p.Output);

        // The stopped run continues from its checkpoint.
        var (code, _, err) = CliRunner.Run("train", "--algo", "dqn", "--env", "CartPole-v1", "--out", dir, "--no-progress", "--eval-episodes", "1",
            "--set", "learning_starts=200", "--set", "buffer_size=5000", "--resume", Path.Combine(dir, "checkpoint.ckpt"),
            "--steps", (CheckpointFile.Read(Path.Combine(dir, "checkpoint.ckpt")).GetJsonNode("trainer/meta")["env_steps"]!.GetValue<long>() + 300).ToString());
        Assert.True(code == 0, err);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        Assert.False((bool)summary["stopped"]!);
        Assert.Equal((int)summary["episodes"]!, File.ReadAllLines(Path.Combine(dir, "episodes.csv")).Length - 1);
    }

    [Fact]
    public void ASecondSignalAbortsAtOnceWithoutASummary()
    {
        string dir = TempDir();
        using var p = StartLongTrain(dir);
        WaitUntilTraining(p);
        // Both signals pending while the process is stopped, so the second reaches the handler while the first's
        // orderly stop is still ahead of it.
        p.Signal(SigStop);
        p.Signal(SigInt);
        p.Signal(SigTerm);
        p.Signal(SigCont);
        // Which of the two pending signals the kernel delivers first is not ours to choose; the second one decides the code.
        int code = p.WaitForExit();
        Assert.True(code is 128 + SigInt or 128 + SigTerm, $"exit {code}:\n{p.Output}");
        Assert.Contains($"second {(code == 128 + SigInt ? "SIGINT" : "SIGTERM")}: aborting now", p.Output);
        Assert.False(File.Exists(Path.Combine(dir, "summary.json")), "an aborted run wrote a summary");
    }

    [Fact]
    public void EvalStopsReportingTheEpisodesItFinished()
    {
        string dir = TempDir();
        var (code, _, err) = CliRunner.Run("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "300", "--out", dir, "--no-progress",
            "--eval-episodes", "1", "--set", "learning_starts=100");
        Assert.True(code == 0, err);
        using var p = CliProcess.Start("eval", Path.Combine(dir, "checkpoint.ckpt"), "--episodes", "100000000", "--torch-threads", "1");
        p.WaitForLine("deterministic episodes");
        Thread.Sleep(1500);
        p.Signal(SigTerm);
        Assert.Equal(3, p.WaitForExit());
        var json = JsonNode.Parse(p.Output.Split('\n').Single(l => l.StartsWith('{')))!.AsObject();
        Assert.True((bool)json["stopped"]!);
        Assert.InRange((int)json["episodes"]!, 0, 100_000_000 - 1);
    }

    [Fact]
    public void PbtStopsEveryMemberInOrder()
    {
        string dir = TempDir();
        string config = Path.Combine(dir, "pbt.json");
        File.WriteAllText(config, """
            { "algo": "dqn", "env": "CartPole-v1", "population": 2, "ready_interval": 5000000, "total_steps": 10000000,
              "eval_episodes": 1, "final_eval_episodes": 0, "workers": 1, "seed": 0,
              "hyperparameters": { "learning_rate": { "min": 0.0001, "max": 0.01, "log": true } },
              "agent": { "learning_starts": 200, "buffer_size": 5000 } }
            """);
        string outDir = Path.Combine(dir, "pop");
        using var p = CliProcess.Start("pbt", "--config", config, "--out", outDir, "--no-progress", "--torch-threads", "1");
        p.WaitForLine("pbt: 2 × dqn");
        Thread.Sleep(3000);
        p.Signal(SigTerm);
        Assert.Equal(3, p.WaitForExit());
        Assert.Contains("stopped by SIGTERM", p.Output);
        // Member 0 was training when the signal came; it stopped and wrote its run as train does.
        AssertStoppedRunFiles(Path.Combine(outDir, "member-0"), Path.Combine(outDir, "member-0") + "/checkpoint.ckpt " + Path.Combine(outDir, "member-0") + "/summary.json");
    }

    private static CliProcess StartLongCluster(string dir)
    {
        var p = CliProcess.Start("cluster", "up", "--algo", "impala", "--env", "CartPole-v1", "--actors", "1", "--seed", "3", "--steps", "10M",
            "--out", dir, "--eval-episodes", "1");
        p.WaitForLine("actor process(es)");
        Thread.Sleep(5000); // the actor joins and the learner trains; 10M steps take hours
        Assert.False(p.Process.HasExited, p.Output);
        return p;
    }

    /// <summary>Processes still running whose command line names <paramref name="dir"/> (the cluster's node processes).</summary>
    private static List<int> ProcessesNaming(string dir)
    {
        var found = new List<int>();
        foreach (var d in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try { if (File.ReadAllText(Path.Combine(d, "cmdline")).Contains(dir, StringComparison.Ordinal)) found.Add(pid); }
            catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    [Fact]
    public void ClusterUpStopsItsLearnerInOrderAndASecondSignalKillsEveryNode()
    {
        string dir = TempDir();
        using (var p = StartLongCluster(dir))
        {
            p.Signal(SigTerm);
            Assert.Equal(3, p.WaitForExit());
            Assert.Contains("told to stop", p.Output);
            Assert.True(File.Exists(Path.Combine(dir, "checkpoint.ckpt")), "the stopped learner wrote no checkpoint:\n" + p.Output);
            Assert.True(File.Exists(Path.Combine(dir, "summary.json")), "the stopped learner wrote no summary:\n" + p.Output);
        }

        string dir2 = TempDir();
        using (var p = StartLongCluster(dir2))
        {
            p.Signal(SigInt);
            Thread.Sleep(300); // the first handler has run (signals of one kind do not queue)
            p.Signal(SigInt);
            Assert.Equal(128 + SigInt, p.WaitForExit());
            Assert.Contains("second SIGINT: aborting now", p.Output);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (ProcessesNaming(dir2).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(200);
            Assert.Empty(ProcessesNaming(dir2));
        }
    }
}
