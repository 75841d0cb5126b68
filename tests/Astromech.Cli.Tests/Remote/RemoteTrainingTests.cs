using System.Text.Json.Nodes;
using Astromech.Training.Checkpoints;

namespace Astromech.Cli.Tests.Remote;

/// <summary>Training on a remote env: the same run as in-process on the same seed, and a run whose server vanishes keeps its checkpoint and resumes.</summary>
public class RemoteTrainingTests
{
    private static string[] PpoArgs(string env, string dir, long steps) => new[]
    {
        "train", "--algo", "ppo", "--env", env, "--config", Path.Combine(RemoteServers.RepoRoot(), "configs", "ppo", "CartPole-v1.json"),
        "--steps", steps.ToString(), "--seed", "1", "--out", dir, "--no-progress", "--torch-threads", "1", "--eval-episodes", "2",
        "--checkpoint-interval", "1024",
    };

    [Fact]
    public void PpoOnTheServedCartPoleIsTheSameRunAsInProcess()
    {
        var (server, port) = RemoteServers.ServeCli();
        using (server)
        {
            string remoteDir = Directory.CreateTempSubdirectory("astromech-remote-ppo-").FullName;
            string localDir = Directory.CreateTempSubdirectory("astromech-local-ppo-").FullName;
            var r = CliRunner.Run(PpoArgs($"remote:127.0.0.1:{port}", remoteDir, 2048));
            Assert.True(r.Code == 0, r.Out + r.Err);
            var l = CliRunner.Run(PpoArgs("CartPole-v1", localDir, 2048));
            Assert.True(l.Code == 0, l.Out + l.Err);
            var remoteEpisodes = File.ReadAllLines(Path.Combine(remoteDir, "episodes.csv"));
            Assert.True(remoteEpisodes.Length > 20, $"only {remoteEpisodes.Length - 1} episodes");
            Assert.Equal(File.ReadAllLines(Path.Combine(localDir, "episodes.csv")), remoteEpisodes);
            double Eval(string dir) => (double)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!["eval_mean_return"]!;
            Assert.Equal(Eval(localDir), Eval(remoteDir));
        }
    }

    private static long CheckpointSteps(string path) => (long)CheckpointFile.Read(path).GetJsonNode("trainer/meta")["env_steps"]!;

    [Fact]
    public void ARunWhoseServerVanishesKeepsItsCheckpointAndResumesWhenTheServerIsBack()
    {
        const long steps = 6144;
        int port = RemoteServers.FreePort();
        string env = $"remote:127.0.0.1:{port}?timeout=10";
        string dir = Directory.CreateTempSubdirectory("astromech-remote-vanish-").FullName;
        string ckpt = Path.Combine(dir, "checkpoint.ckpt");
        var (server, _) = RemoteServers.ServeCli(port: port);
        using (server)
        using (var run = CliProcess.Start(PpoArgs(env, dir, steps)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!File.Exists(ckpt))
            {
                Assert.False(run.Process.HasExited, $"the run ended before its first checkpoint:\n{run.Output}");
                Assert.True(DateTime.UtcNow < deadline, $"no checkpoint:\n{run.Output}");
                Thread.Sleep(20);
            }
            server.Process.Kill();
            server.Process.WaitForExit();
            int code = run.WaitForExit();
            Assert.True(code != 0, $"the run went on without its server:\n{run.Output}");
            Assert.Contains($"remote env 127.0.0.1:{port} is unreachable", run.Output);
        }
        long at = CheckpointSteps(ckpt); // the checkpoint the failed run left loads
        Assert.InRange(at, 1, steps - 1);

        var (back, _) = RemoteServers.ServeCli(port: port);
        using (back)
        {
            var resumed = CliRunner.Run(PpoArgs(env, dir, steps).Concat(new[] { "--resume", ckpt }).ToArray());
            Assert.True(resumed.Code == 0, resumed.Out + resumed.Err);
        }
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!;
        Assert.Equal(steps, (long)summary["env_steps"]!);
    }
}
