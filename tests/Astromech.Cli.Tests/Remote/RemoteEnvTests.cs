using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Vector;
using Astromech.Remote.Host;

namespace Astromech.Cli.Tests.Remote;

/// <summary>
/// Remote envs (docs/remote-envs.md): a C# env served by another process (<c>astromech env serve</c>) and a pure-Python
/// CartPole served by python3-grpcio give, under fixed seeds and actions, exactly the trajectories of the in-process
/// CartPole-v1, one step per call and batched.
/// </summary>
public class RemoteEnvTests
{
    static RemoteEnvTests() => RemoteEnvs.Register();

    /// <summary>Steps both envs with the same actions (drawn from <paramref name="actionSeed"/>) over several episodes and asserts every observation bit, reward and flag agree.</summary>
    internal static int AssertSameTrajectories(IEnv expected, IEnv actual, int seed, int actionSeed, int episodes)
    {
        var rng = new Rng(actionSeed);
        var eo = new float[expected.ObservationSpace.FlatSize];
        var ao = new float[actual.ObservationSpace.FlatSize];
        int steps = 0;
        for (int ep = 0; ep < episodes; ep++)
        {
            int? s = ep == 0 ? seed : null; // later episodes continue each env's own RNG stream, unseeded
            expected.Reset(eo, s);
            actual.Reset(ao, s);
            Assert.Equal(eo, ao);
            for (int t = 0; ; t++, steps++)
            {
                int a = rng.Next(2);
                var er = expected.Step(a, eo);
                var ar = actual.Step(a, ao);
                Assert.True(eo.AsSpan().SequenceEqual(ao), $"episode {ep} step {t}: observation {string.Join(",", ao)} != {string.Join(",", eo)}");
                Assert.Equal(er.Reward, ar.Reward);
                Assert.Equal(er.Terminated, ar.Terminated);
                Assert.Equal(er.Truncated, ar.Truncated);
                if (er.Done) break;
            }
        }
        return steps;
    }

    internal static void AssertSameVectorTrajectories(IVectorEnv expected, IVectorEnv actual, int seed, int actionSeed, int vectorSteps)
    {
        int n = expected.NumEnvs;
        var rng = new Rng(actionSeed);
        var actions = new float[n];
        expected.Reset(seed);
        actual.Reset(seed);
        Assert.Equal(expected.Observations, actual.Observations);
        int finished = 0;
        for (int t = 0; t < vectorSteps; t++)
        {
            for (int i = 0; i < n; i++) actions[i] = rng.Next(2);
            expected.Step(actions);
            actual.Step(actions);
            Assert.Equal(expected.Observations, actual.Observations);
            Assert.Equal(expected.Rewards, actual.Rewards);
            Assert.Equal(expected.Terminated, actual.Terminated);
            Assert.Equal(expected.Truncated, actual.Truncated);
            int os = expected.SingleObservationSpace.FlatSize;
            for (int i = 0; i < n; i++)
                if (expected.Terminated[i] || expected.Truncated[i])
                {
                    finished++;
                    Assert.Equal(expected.FinalObservations.AsSpan(i * os, os).ToArray(), actual.FinalObservations.AsSpan(i * os, os).ToArray());
                }
        }
        Assert.True(finished > 0, "no copy finished an episode, so autoreset went untested");
    }

    [Fact]
    public void CliServedCartPoleMatchesTheInProcessOneStepByStepAndBatched()
    {
        var (server, port) = RemoteServers.ServeCli();
        using (server)
        {
            var address = new RemoteAddress("127.0.0.1", port, 20);
            using (var local = EnvRegistry.Make("CartPole-v1"))
            using (var remote = new RemoteEnv(address))
            {
                Assert.Equal(local.ObservationSpace.ToString(), remote.ObservationSpace.ToString());
                Assert.Equal(local.ActionSpace.ToString(), remote.ActionSpace.ToString());
                Assert.Equal("CartPole-v1", remote.RemoteEnvId);
                int steps = AssertSameTrajectories(local, remote, seed: 3, actionSeed: 7, episodes: 6);
                Assert.True(steps > 60, $"only {steps} steps compared");
            }

            using (var local = new SyncVectorEnv(() => EnvRegistry.Make("CartPole-v1"), 4))
            using (var remote = new RemoteVectorEnv(address, 4))
                AssertSameVectorTrajectories(local, remote, seed: 11, actionSeed: 5, vectorSteps: 150);

            // Through the registry, as every command and algorithm reaches it: the spec carries the served env's threshold.
            string id = $"remote:127.0.0.1:{port}";
            Assert.Equal(475.0, EnvRegistry.Spec(id).RewardThreshold);
            using (var local = EnvRegistry.Make("CartPole-v1"))
            using (var remote = EnvRegistry.Make(id))
                AssertSameTrajectories(local, remote, seed: 21, actionSeed: 8, episodes: 2);
        }
    }

    [Fact]
    public void PythonCartPoleOnGrpcioMatchesOurCartPoleForFixedActions()
    {
        var (server, port) = RemoteServers.ServePython();
        using (server)
        {
            var address = new RemoteAddress("127.0.0.1", port, 20);
            using (var local = EnvRegistry.Make("CartPole-v1"))
            using (var remote = new RemoteEnv(address))
            {
                Assert.Equal(local.ObservationSpace.ToString(), remote.ObservationSpace.ToString());
                Assert.Equal("python/CartPole-v1", remote.RemoteEnvId);
                AssertSameTrajectories(local, remote, seed: 5, actionSeed: 9, episodes: 5);
            }
            // A policy that keeps the pole up long enough to reach the 500-step truncation on both sides.
            using (var local = EnvRegistry.Make("CartPole-v1"))
            using (var remote = new RemoteEnv(address))
            {
                var lo = local.Reset(seed: 1);
                var ro = remote.Reset(seed: 1);
                for (int t = 0; ; t++)
                {
                    int a = lo[2] + 0.5f * lo[3] > 0 ? 1 : 0;
                    var (l, lr) = local.Step(a);
                    var (r, rr) = remote.Step(a);
                    Assert.Equal(l, r);
                    Assert.Equal(lr.Terminated, rr.Terminated);
                    Assert.Equal(lr.Truncated, rr.Truncated);
                    lo = l;
                    if (lr.Done) { Assert.True(lr.Truncated && t == 499, $"the balancing policy ended at step {t} (truncated {lr.Truncated})"); break; }
                }
            }
            using (var local = new SyncVectorEnv(() => EnvRegistry.Make("CartPole-v1"), 3))
            using (var remote = new RemoteVectorEnv(address, 3))
                AssertSameVectorTrajectories(local, remote, seed: 40, actionSeed: 2, vectorSteps: 120);
        }
    }

    /// <summary>
    /// The netstandard2.1 service hosted without ASP.NET Core, on Grpc.Core's native server (the way docs/remote-envs.md
    /// suggests for Unity; here on .NET 10, not in Unity's runtime), serves CartPole-v1 and Pendulum-v1 (a Box action)
    /// with the in-process trajectories.
    /// </summary>
    [Fact]
    public void TheServiceHostedOnGrpcCoresNativeServerMatchesInProcess()
    {
        foreach (var id in new[] { "CartPole-v1", "Pendulum-v1" })
        {
            var service = new Astromech.Remote.RemoteEnvService(() => new ServedEnvAdapter(EnvRegistry.Make(id)),
                new Astromech.Remote.RemoteEnvServiceOptions { EnvId = id });
            var server = new Grpc.Core.Server
            {
                Services = { Astromech.Remote.Protocol.RemoteEnv.BindService(service) },
                Ports = { new Grpc.Core.ServerPort("127.0.0.1", 0, Grpc.Core.ServerCredentials.Insecure) },
            };
            server.Start();
            try
            {
                var address = new RemoteAddress("127.0.0.1", server.Ports.First().BoundPort, 20);
                using var local = EnvRegistry.Make(id);
                using var remote = new RemoteEnv(address);
                Assert.Equal(local.ActionSpace.ToString(), remote.ActionSpace.ToString());
                var rng = new Rng(4);
                var a = new float[local.ActionSpace.FlatSize];
                var lo = local.Reset(seed: 12);
                var ro = remote.Reset(seed: 12);
                Assert.Equal(lo, ro);
                for (int t = 0; t < 400; t++)
                {
                    local.ActionSpace.Sample(rng, a);
                    var (l, lr) = local.Step(a);
                    var (r, rr) = remote.Step(a);
                    Assert.Equal(l, r);
                    Assert.Equal(lr.Reward, rr.Reward);
                    Assert.Equal(lr.Done, rr.Done);
                    if (lr.Done) { local.Reset(lo); remote.Reset(ro); Assert.Equal(lo, ro); }
                }
            }
            finally
            {
                server.ShutdownAsync().GetAwaiter().GetResult();
                service.Dispose();
            }
        }
    }
}
