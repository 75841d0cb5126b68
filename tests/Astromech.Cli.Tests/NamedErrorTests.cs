using System.Net;
using System.Net.Sockets;

namespace Astromech.Cli.Tests;

/// <summary>Impossible values refused in one line naming the option or key, before anything starts (issue 20, item 6).</summary>
public class NamedErrorTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("astromech-named-").FullName;

    private static string OneLineError(params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, err);
        return lines[0];
    }

    [Fact]
    public void AReplayCapacityNoArrayCanHoldIsRefusedNamingTheKey()
    {
        // 1e9 is inside buffer_size's range, but 1e9 × 3 observation floats is past .NET's largest array.
        string err = OneLineError("train", "--algo", "sac", "--env", "Pendulum-v1", "--steps", "10", "--out", Path.Combine(TempDir(), "o"), "--set", "buffer_size=1000000000");
        Assert.Contains("buffer_size", err);
        Assert.DoesNotContain("OverflowException", err);
    }

    [Fact]
    public void ASequenceReplayThisMachineCannotHoldIsRefusedNamingTheKey()
    {
        // R2D2 allocates sequences as they arrive: 1e9 sequences of 80 CartPole steps would fail with an
        // OutOfMemoryException long after the start; it is refused before training instead.
        string err = OneLineError("train", "--algo", "r2d2", "--env", "CartPole-v1", "--steps", "10", "--out", Path.Combine(TempDir(), "o"), "--set", "replay.capacity=1000000000");
        Assert.Contains("replay.capacity", err);
        Assert.Contains("GB", err);
    }

    [Fact]
    public void TorchThreadsHasAnUpperBound()
    {
        string err = OneLineError("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "10", "--out", Path.Combine(TempDir(), "o"), "--torch-threads", "100000");
        Assert.Contains("--torch-threads: 100000 is above the maximum", err);
    }

    [Fact]
    public void ANodePortInUseIsOneLine()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            string err = OneLineError("node", "--role", "replay", "--algo", "apex", "--env", "CartPole-v1", "--port", port.ToString());
            Assert.Contains($"--port {port}: the port is in use", err);
        }
        finally { listener.Stop(); }
    }

    [Fact]
    public void AConfigFileForAnotherAlgorithmIsRefusedEvenWhenItsKeysFit()
    {
        string dir = TempDir();
        string file = Path.Combine(dir, "ppo.json");
        // learning_rate and batch_size are DQN keys too: bound silently before.
        File.WriteAllText(file, """{ "algo": "ppo", "env": "CartPole-v1", "learning_rate": 0.0003, "batch_size": 64 }""");
        string err = OneLineError("train", "--algo", "dqn", "--config", file, "--steps", "10", "--out", Path.Combine(dir, "o"));
        Assert.Contains("is written for algorithm 'ppo', but --algo is 'dqn'", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "o")));
    }

    [Fact]
    public void OutNamingAFileSaysSoNamingTheOption()
    {
        string file = Path.Combine(TempDir(), "a-file");
        File.WriteAllText(file, "x");
        string err = OneLineError("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "10", "--out", file);
        Assert.Contains($"--out {file}: that is a file", err);
    }
}
