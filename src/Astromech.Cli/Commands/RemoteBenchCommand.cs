using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Vector;
using Astromech.Remote.Host;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech bench remote [--env CartPole-v1] [--address remote:HOST:PORT] [--steps M] [--batch 64]</c>: steps/s of
/// the env in this process and through the remote protocol over loopback, in the same run, one step per call and
/// batched (one call steps --batch copies), with their ratios. Without --address it serves the env itself on
/// 127.0.0.1 (server and client then share this process and its cores); with --address it measures that server
/// (e.g. the Python one) against the in-process --env. Random actions from --seed.
/// </summary>
internal static class RemoteBenchCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "bench remote", new[] { "env", "address", "steps", "batch", "seed" });
        string envId = a.Get("env") ?? "CartPole-v1";
        long steps = a.GetLong("steps", 1) ?? 20_000;
        int batch = a.GetInt("batch", 1) ?? 64;
        int seed = a.GetInt("seed") ?? 0;
        RemoteEnvServer? server = null;
        string address;
        if (a.Get("address") is string given)
        {
            RemoteAddress.Parse(given);
            address = given;
        }
        else
        {
            server = RemoteEnvServer.StartRegistryEnv(envId);
            address = $"remote:127.0.0.1:{server.Port}";
        }
        try
        {
            var remote = RemoteAddress.Parse(address);
            double local1 = Measure(() => new SyncVectorEnv(new[] { EnvRegistry.Make(envId) }), steps, seed);
            double remote1 = Measure(() => new SyncVectorEnv(new IEnv[] { new RemoteEnv(remote) }), steps, seed);
            double localN = Measure(() => new SyncVectorEnv(Enumerable.Range(0, batch).Select(_ => EnvRegistry.Make(envId)).ToArray()), steps * batch, seed);
            double remoteN = Measure(() => new RemoteVectorEnv(remote, batch), steps * batch, seed);
            var result = new JsonObject
            {
                ["env"] = envId,
                ["address"] = address,
                ["served_in_process"] = server is not null,
                ["batch"] = batch,
                ["in_process_steps_per_second"] = Math.Round(local1),
                ["remote_steps_per_second"] = Math.Round(remote1),
                ["remote_over_in_process"] = Math.Round(remote1 / local1, 5),
                ["in_process_vector_steps_per_second"] = Math.Round(localN),
                ["remote_batched_steps_per_second"] = Math.Round(remoteN),
                ["remote_batched_over_in_process_vector"] = Math.Round(remoteN / localN, 5),
                ["remote_batched_over_remote_single"] = Math.Round(remoteN / remote1, 3),
            };
            Console.WriteLine(result.ToJsonString());
            return 0;
        }
        finally
        {
            server?.Dispose();
        }
    }

    /// <summary>Env steps per second of <paramref name="make"/>'s vector env over about <paramref name="envSteps"/> steps (after a tenth as warm-up).</summary>
    private static double Measure(Func<IVectorEnv> make, long envSteps, int seed)
    {
        using var venv = make();
        int n = venv.NumEnvs, actSize = venv.SingleActionSpace.FlatSize;
        var rng = new Rng(seed);
        var actions = new float[n * actSize];
        venv.Reset(seed);
        void Loop(long vsteps)
        {
            for (long s = 0; s < vsteps; s++)
            {
                for (int i = 0; i < n; i++) venv.SingleActionSpace.Sample(rng, actions.AsSpan(i * actSize, actSize));
                venv.Step(actions);
            }
        }
        long vsteps = Math.Max(1, envSteps / n);
        Loop(Math.Max(1, vsteps / 10));
        var sw = Stopwatch.StartNew();
        Loop(vsteps);
        return vsteps * n / sw.Elapsed.TotalSeconds;
    }
}
