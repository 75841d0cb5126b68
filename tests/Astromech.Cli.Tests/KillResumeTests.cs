using System.Text.Json.Nodes;
using Astromech.Training.Checkpoints;

namespace Astromech.Cli.Tests;

/// <summary>
/// A DQN run SIGKILLed at random points and resumed from its checkpoint each time: the checkpoint always loads, and at
/// the end the logs hold exactly the episodes the summary counts, whole lines only, with no temp files left behind.
/// (bench/run-robustness.py kill-resume does 20 cycles.)
/// </summary>
public class KillResumeTests
{
    private const long Steps = 12_000;

    private static string[] TrainArgs(string dir, bool resume) => new[]
    {
        "train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", Steps.ToString(), "--out", dir, "--no-progress", "--torch-threads", "1",
        "--checkpoint-interval", "1500", "--eval-episodes", "1", "--set", "learning_starts=200", "--set", "buffer_size=3000",
    }.Concat(resume ? new[] { "--resume", Path.Combine(dir, "checkpoint.ckpt") } : Array.Empty<string>()).ToArray();

    private static long CheckpointSteps(string dir)
    {
        try { return (long)CheckpointFile.Read(Path.Combine(dir, "checkpoint.ckpt")).GetJsonNode("trainer/meta")["env_steps"]!; }
        catch (CheckpointException) when (!File.Exists(Path.Combine(dir, "checkpoint.ckpt"))) { return 0; }
    }

    [Fact]
    public void SigkillAndResumeCyclesKeepTheLogsInStepWithTheCheckpoint()
    {
        string dir = Directory.CreateTempSubdirectory("astromech-killresume-").FullName;
        var random = new Random(20);
        long last = 0;
        for (int cycle = 0; cycle < 4; cycle++)
        {
            using var p = CliProcess.Start(TrainArgs(dir, resume: cycle > 0));
            // Kill once the run has checkpointed past where it started, up to a second after: by then the CSV writers'
            // buffers have spilled rows past the checkpoint onto disk (often a torn one), which the resume must cut.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (CheckpointSteps(dir) <= last)
            {
                Assert.False(p.Process.HasExited, $"cycle {cycle}: the run ended before it was killed:\n{p.Output}");
                Assert.True(DateTime.UtcNow < deadline, $"cycle {cycle}: no new checkpoint:\n{p.Output}");
                Thread.Sleep(20);
            }
            Thread.Sleep(random.Next(300, 1200));
            p.Process.Kill();
            p.Process.WaitForExit();
            long now = CheckpointSteps(dir); // the checkpoint a kill leaves loads
            Assert.True(now > last, $"cycle {cycle}: checkpoint at {now}, not past {last}");
            last = now;
        }
        Assert.True(last < Steps, "the kills came too late to interrupt the run");

        using (var p = CliProcess.Start(TrainArgs(dir, resume: true)))
            Assert.True(p.WaitForExit() == 0, p.Output);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        Assert.Equal(Steps, (long)summary["env_steps"]!);

        var episodes = File.ReadAllLines(Path.Combine(dir, "episodes.csv"));
        Assert.Equal("step,episode,return,length", episodes[0]);
        Assert.Equal((int)summary["episodes"]!, episodes.Length - 1);
        long prevStep = 0;
        for (int i = 1; i < episodes.Length; i++)
        {
            var f = episodes[i].Split(',');
            Assert.True(f.Length == 4, $"torn row {i}: '{episodes[i]}'");
            Assert.Equal(i, int.Parse(f[1]));               // episode numbers run on without gaps or repeats
            Assert.True(long.Parse(f[0]) >= prevStep, $"row {i} steps back");
            prevStep = long.Parse(f[0]);
        }
        var metrics = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(1, metrics.Count(l => l.StartsWith("step,")));
        Assert.All(metrics, l => Assert.Equal(4, l.Split(',').Length));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }
}
