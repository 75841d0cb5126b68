using System.Text.Json.Nodes;

namespace Astromech.Cli.Tests;

/// <summary>One run per --out folder: a live run's lock refuses a second naming its pid, a folder holding a run is
/// replaced only with --overwrite, and temp files of killed checkpoint writes are removed when a run starts there.</summary>
public class RunFolderTests
{
    private static string[] Train(string dir, string steps, params string[] extra) => new[]
    {
        "train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", steps, "--out", dir, "--no-progress", "--torch-threads", "1",
        "--eval-episodes", "1", "--set", "learning_starts=200", "--set", "buffer_size=3000",
    }.Concat(extra).ToArray();

    [Fact]
    public void ASecondRunIntoALiveRunsFolderIsRefusedNamingTheHolder_AndAFinishedOneNeedsOverwrite()
    {
        string dir = Directory.CreateTempSubdirectory("astromech-folder-").FullName;
        string ckpt = Path.Combine(dir, "checkpoint.ckpt");
        using (var first = CliProcess.Start(Train(dir, "10M", "--checkpoint-interval", "300")))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!File.Exists(ckpt))
            {
                Assert.False(first.Process.HasExited, first.Output);
                Assert.True(DateTime.UtcNow < deadline, "no checkpoint:\n" + first.Output);
                Thread.Sleep(50);
            }
            foreach (var extra in new[] { Array.Empty<string>(), new[] { "--overwrite" }, new[] { "--resume", ckpt } })
            {
                var (code, _, err) = CliRunner.Run(Train(dir, "400", extra));
                Assert.Equal(2, code);
                Assert.Contains($"is in use by another run (pid {first.Process.Id},", err);
            }
            first.Process.Kill(); // SIGKILL: the OS releases the lock
            first.Process.WaitForExit();
        }
        byte[] before = File.ReadAllBytes(ckpt);
        var refused = CliRunner.Run(Train(dir, "400"));
        Assert.Equal(2, refused.Code);
        Assert.Contains("holds a run already", refused.Err);
        Assert.Contains("--overwrite", refused.Err);
        Assert.Equal(before, File.ReadAllBytes(ckpt));

        // A temp file as a checkpoint write killed mid-way leaves it, and a stale best checkpoint of the old run.
        string temp = Path.Combine(dir, $".checkpoint.ckpt.{int.MaxValue - 7}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temp, new byte[1000]);
        File.WriteAllBytes(Path.Combine(dir, "checkpoint.best.ckpt"), before);
        var (okCode, _, okErr) = CliRunner.Run(Train(dir, "400", "--overwrite"));
        Assert.True(okCode == 0, okErr);
        Assert.False(File.Exists(temp), "the stale temp file is still there");
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.best.ckpt")), "the replaced run's best checkpoint was kept");
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        Assert.Equal(400, (long)summary["env_steps"]!);
        Assert.Equal((int)summary["episodes"]!, File.ReadAllLines(Path.Combine(dir, "episodes.csv")).Length - 1);
    }
}
