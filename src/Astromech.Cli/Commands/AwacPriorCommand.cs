using Astromech.Datasets;
using Astromech.Envs.Registry;
using Astromech.Training;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech dataset awac-prior --checkpoint EXPERT.ckpt --out FILE.hdf5</c>: AWAC's prior data (noisy expert
/// demonstrations, then rollouts of a policy behaviour-cloned on them; <see cref="AwacPriorData"/>), written in the
/// D4RL layout (or Minari with <c>--layout minari</c>). <c>--bc-episodes 0</c> keeps only the noisy rollouts of the
/// checkpoint (a "medium" dataset from a medium checkpoint).
/// </summary>
internal static class AwacPriorCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "dataset awac-prior",
            new[] { "checkpoint", "out", "demos", "demo-noise", "bc-episodes", "bc-updates", "seed", "layout", "env-arg", "torch-threads" });
        if (a.Positional.Count > 0) throw new CliException($"dataset awac-prior: unexpected argument '{a.Positional[0]}'");
        string ckpt = a.Get("checkpoint") ?? throw new CliException("dataset awac-prior: --checkpoint EXPERT.ckpt is required (the policy that gives the demonstrations)");
        string outPath = a.Get("out") ?? throw new CliException("dataset awac-prior: --out FILE is required");
        var layout = (a.Get("layout") ?? "d4rl").ToLowerInvariant() switch
        {
            "d4rl" => DatasetLayout.D4rl,
            "minari" => DatasetLayout.Minari,
            var other => throw new CliException($"dataset awac-prior: --layout must be d4rl or minari, got '{other}'"),
        };
        double noise = a.Get("demo-noise") is string n
            ? double.Parse(n, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)
            : 0.1;
        int seed = a.GetInt("seed") ?? 0;
        TorchSetup.Configure(a.GetInt("torch-threads", 1));
        using var loaded = CheckpointAgent.Load(ckpt, a.Pairs("env-arg"), seed);
        var (agent, algo, envId, envArgs, _) = loaded;
        {
            var o = new AwacPriorOptions
            {
                Demonstrations = a.GetInt("demos", 1) ?? 15,
                DemoNoise = noise,
                BcEpisodes = a.GetInt("bc-episodes", 0) ?? 100,
                BcUpdates = a.GetLong("bc-updates", 1) ?? 10_000,
                Seed = seed,
                EnvId = envId,
                ExpertName = ckpt,
            };
            var data = AwacPriorData.Make(agent, () => EnvRegistry.Make(envId, envArgs), o);
            DatasetFile.Write(data, outPath, layout);
            var returns = data.EpisodeReturns();
            Console.WriteLine($"wrote {outPath}: {data.Count} transitions in {returns.Length} episodes on {envId} ({algo.Name} checkpoint {ckpt}), " +
                $"mean return {returns.Average():F1} (demonstrations {returns.Take(o.Demonstrations).Average():F1}" +
                (o.BcEpisodes > 0 ? $", bc rollouts {returns.Skip(o.Demonstrations).Average():F1})" : ")"));
        }
        return 0;
    }
}
