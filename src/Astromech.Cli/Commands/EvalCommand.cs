using System.Text.Json.Nodes;
using Astromech.Envs.Registry;
using Astromech.Training;

namespace Astromech.Cli.Commands;

/// <summary><c>astromech eval CHECKPOINT</c>: rebuilds the agent from the checkpoint and runs deterministic episodes.</summary>
internal static class EvalCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "eval", new[] { "episodes", "seed", "env-arg", "torch-threads" });
        if (a.Positional.Count != 1) throw new CliException("eval: give exactly one checkpoint path (astromech eval runs/.../checkpoint.ckpt)");
        int episodes = a.GetInt("episodes", 1) ?? 100;
        int seed = a.GetInt("seed") ?? 12345;
        TorchSetup.Configure(a.GetInt("torch-threads", 1));
        using var loaded = CheckpointAgent.Load(a.Positional[0], a.Pairs("env-arg"), seed);
        var (agent, algo, envId, envArgs, steps) = loaded;
        var r = Evaluator.Run(agent, () => EnvRegistry.Make(envId, envArgs), episodes, seed, new Progress(steps, steps));
        var outJson = new JsonObject
        {
            ["algo"] = algo.Name,
            ["env"] = envId,
            ["checkpoint_env_steps"] = steps,
            ["episodes"] = r.Returns.Length,
            ["mean_return"] = r.MeanReturn,
            ["std_return"] = r.StdReturn,
            ["min_return"] = r.Returns.Min(),
            ["max_return"] = r.Returns.Max(),
            ["mean_length"] = r.Lengths.Average(),
        };
        if (r.SuccessRate is double rate) outJson["success_rate"] = rate;
        Console.WriteLine(outJson.ToJsonString());
        return 0;
    }
}
