using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Training.Config;

namespace Astromech.Cli.Commands;

internal static class ListCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "list", Array.Empty<string>());
        string what = a.Positional.Count > 0 ? a.Positional[0] : "all";
        if (what is not ("all" or "envs" or "algos")) throw new CliException($"list: unknown topic '{what}'; use envs or algos");
        if (what is "all" or "envs")
        {
            Console.WriteLine("environments:");
            foreach (var spec in EnvRegistry.Specs)
            {
                Astromech.Envs.IEnv env;
                try
                {
                    env = EnvRegistry.Make(spec.Id);
                }
                catch (Astromech.Envs.MuJoCo.MuJoCoNotFoundException e)
                {
                    Console.WriteLine($"  {spec.Id,-28} unavailable: {e.Message}");
                    continue;
                }
                using var _ = env;
                string limit = spec.MaxEpisodeSteps is int m ? $"limit {m}"
                    : (env is Astromech.Envs.Wrappers.Wrapper w ? w.Unwrapped : env) is Astromech.Envs.IOwnTimeLimit own
                        ? $"limit {own.MaxEpisodeSteps} (set by the env from its args)"
                        : "no limit";
                string thr = spec.RewardThreshold is double t ? $", solved at {t}" : "";
                Console.WriteLine($"  {spec.Id,-28} obs {env.ObservationSpace}, actions {env.ActionSpace}, {limit}{thr}");
                var args = EnvArgs.Describe(env);
                if (args.Count > 0)
                    Console.WriteLine($"  {"",-28} --env-arg " + string.Join(" ", args.Select(d => $"{d.Name}={d.Value}")));
            }
        }
        if (what is "all" or "algos")
        {
            if (what == "all") Console.WriteLine();
            Console.WriteLine("algorithms:");
            foreach (var algo in Algorithms.All)
            {
                Console.WriteLine($"  {algo.Name,-8} {algo.Description}");
                var defaults = ConfigBinder.ToJson(algo.DefaultConfig());
                Console.WriteLine($"  {"",-8} --set keys (defaults): " + string.Join(" ", defaults.Select(kv => $"{kv.Key}={kv.Value?.ToJsonString()}")));
            }
            var presets = RunSetup.PresetNames().ToList();
            if (presets.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("presets (used by train when no --config is given):");
                foreach (var p in presets) Console.WriteLine($"  {p}");
            }
        }
        return 0;
    }
}
