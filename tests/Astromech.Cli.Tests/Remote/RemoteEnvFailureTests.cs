using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Remote.Host;

namespace Astromech.Cli.Tests.Remote;

/// <summary>A remote env that goes wrong fails with a <see cref="RemoteEnvException"/> whose message names the server and the problem.</summary>
public class RemoteEnvFailureTests
{
    static RemoteEnvFailureTests() => RemoteEnvs.Register();

    [Fact]
    public void AServerThatVanishesMidEpisodeIsNamedUnreachable()
    {
        var (server, port) = RemoteServers.ServeCli();
        using (server)
        {
            using var env = new RemoteEnv(new RemoteAddress("127.0.0.1", port, 10));
            env.Reset(seed: 0);
            env.Step(0);
            server.Process.Kill();
            server.Process.WaitForExit();
            var e = Assert.Throws<RemoteEnvException>(() => env.Step(1));
            Assert.Contains($"remote env 127.0.0.1:{port} is unreachable during step", e.Message);
            // The step did not happen: the env wants a reset rather than pretending the episode goes on.
            Assert.Throws<InvalidOperationException>(() => env.Step(1));
        }
    }

    [Fact]
    public void NothingListeningFailsWhenTheIdIsResolved()
    {
        int port = RemoteServers.FreePort();
        var e = Assert.Throws<RemoteEnvException>(() => EnvRegistry.Spec($"remote:127.0.0.1:{port}"));
        Assert.Contains($"remote env 127.0.0.1:{port} is unreachable during handshake", e.Message);
    }

    [Theory]
    [InlineData("remote:localhost", "expected remote:HOST:PORT")]
    [InlineData("remote:localhost:0", "expected remote:HOST:PORT")]
    [InlineData("remote:localhost:99999", "expected remote:HOST:PORT")]
    [InlineData("remote:localhost:5000?deadline=3", "unknown option 'deadline=3'")]
    [InlineData("remote:localhost:5000?timeout=-1", "timeout '-1' must be a number of seconds > 0")]
    public void AMalformedRemoteIdNamesTheForm(string id, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => EnvRegistry.Spec(id));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AStalledServerHitsTheDeadline()
    {
        var (server, port) = RemoteServers.ServePython("--stall-at-step", "3");
        using (server)
        {
            using var env = EnvRegistry.Make($"remote:127.0.0.1:{port}?timeout=1");
            env.Reset(seed: 0);
            env.Step(0);
            env.Step(1);
            var e = Assert.Throws<RemoteEnvException>(() => env.Step(0));
            Assert.Contains($"remote env 127.0.0.1:{port} did not answer step within 1 s: the server stalled", e.Message);
        }
    }

    [Fact]
    public void AWrongObservationShapeIsNamed()
    {
        var (server, port) = RemoteServers.ServePython("--bad-shape-at-step", "2");
        using (server)
        {
            using var env = new RemoteEnv(new RemoteAddress("127.0.0.1", port, 10));
            env.Reset(seed: 0);
            env.Step(0);
            var e = Assert.Throws<RemoteEnvException>(() => env.Step(0));
            Assert.Contains($"remote env 127.0.0.1:{port} sent a wrong observation shape in its step reply: 3 observation floats, but its observation space Box(", e.Message);
            Assert.Contains("needs 4", e.Message);
        }
    }

    [Fact]
    public void ProtocolVersionMismatchesAreNamedOnBothSides()
    {
        var (server, port) = RemoteServers.ServeCli();
        using (server)
        {
            var e = Assert.Throws<RemoteEnvException>(() => RemoteEnv.Connect(new RemoteAddress("127.0.0.1", port, 10), 99));
            Assert.Contains("protocol version mismatch: the client speaks version 99, this server speaks version 1", e.Message);
        }
        var (py, pyPort) = RemoteServers.ServePython("--protocol-version", "2");
        using (py)
        {
            var e = Assert.Throws<RemoteEnvException>(() => new RemoteEnv(new RemoteAddress("127.0.0.1", pyPort, 10)));
            Assert.Contains($"remote env 127.0.0.1:{pyPort} speaks protocol version 2, this client speaks version 1", e.Message);
        }
    }

    [Fact]
    public void ServerSideRefusalsCarryTheEnvsMessage()
    {
        using var server = RemoteEnvServer.StartRegistryEnv("CartPole-v1");
        var address = new RemoteAddress("127.0.0.1", server.Port, 10);
        using var env = new RemoteEnv(address);
        // An action outside the space is refused locally, as every IEnv does, naming it.
        env.Reset(seed: 0);
        var bad = Assert.Throws<ArgumentException>(() => env.Step(2));
        Assert.Contains("action 2 is not in the action space Discrete(2)", bad.Message);
        // A session the server no longer knows (closed, or the server restarted) is NOT_FOUND with its id.
        var session = new RemoteSession(address, 1);
        session.Dispose();
        var gone = Assert.Throws<RemoteEnvException>(() => session.Reset(0));
        Assert.Contains($"no open session '{session.Id}'", gone.Message);
    }
}
