using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Vector;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech bench env ENV_ID --envs N --steps M</c>: steps N copies with uniformly random actions
/// (autoreset included) and prints one JSON line with steps_per_second. Single-threaded unless --threads W
/// (W ≥ 1) asks for the threaded vector env. <c>astromech bench cluster</c>: see <see cref="ClusterBenchCommand"/>.
/// </summary>
internal static class BenchCommand
{
    public static int Run(string[] argv)
    {
        if (argv.Length > 0 && argv[0] == "cluster") return ClusterBenchCommand.Run(argv.Skip(1).ToArray());
        if (argv.Length > 0 && argv[0] == "remote") return RemoteBenchCommand.Run(argv.Skip(1).ToArray());
        if (argv.Length > 0 && argv[0] == "onnx") return OnnxBenchCommand.Run(argv.Skip(1).ToArray());
        if (argv.Length == 0 || argv[0] != "env")
            throw new CliException("bench: the subcommands are 'env' (astromech bench env CartPole-v1 --envs 64 --steps 10M), 'onnx' (astromech bench onnx CKPT), 'remote' (astromech bench remote) and 'cluster' (astromech bench cluster)");
        var a = CliArgs.Parse(argv.Skip(1).ToArray(), "bench env", new[] { "envs", "steps", "threads", "spin", "seed", "env-arg" });
        if (a.Positional.Count != 1) throw new CliException("bench env: give exactly one env id");
        string id = a.Positional[0];
        int n = a.GetInt("envs", 1) ?? 64;
        long steps = a.GetLong("steps", 1) ?? 10_000_000;
        int threads = a.GetInt("threads", 0) ?? 0;
        int seed = a.GetInt("seed") ?? 0;
        var envArgs = a.Pairs("env-arg");
        var copies = Enumerable.Range(0, n).Select(_ => EnvRegistry.Make(id, envArgs)).ToArray();
        using IVectorEnv venv = threads > 0 ? new ThreadedVectorEnv(copies, threads, a.GetInt("spin", 0) ?? 200) : new SyncVectorEnv(copies);

        var rng = new Rng(seed);
        var space = venv.SingleActionSpace;
        int actSize = space.FlatSize;
        var actions = new float[n * actSize];
        venv.Reset(seed);

        long Loop(long vectorSteps)
        {
            long episodes = 0;
            for (long s = 0; s < vectorSteps; s++)
            {
                for (int i = 0; i < n; i++) space.Sample(rng, actions.AsSpan(i * actSize, actSize));
                venv.Step(actions);
                for (int i = 0; i < n; i++)
                    if (venv.Terminated[i] || venv.Truncated[i]) episodes++;
            }
            return episodes;
        }

        Loop(Math.Max(1, Math.Min(steps / n / 10, 100_000))); // warm-up: JIT tiers and caches
        long vsteps = Math.Max(1, steps / n);
        var sw = Stopwatch.StartNew();
        long eps = Loop(vsteps);
        sw.Stop();
        long total = vsteps * n;
        var result = new JsonObject
        {
            ["env"] = id,
            ["envs"] = n,
            ["threads"] = threads,
            ["steps"] = total,
            ["episodes"] = eps,
            ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 4),
            ["steps_per_second"] = Math.Round(total / sw.Elapsed.TotalSeconds),
        };
        Console.WriteLine(result.ToJsonString());
        return 0;
    }
}
