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

        TorchSetup.Configure(a.TorchThreads);
        using var loaded = CheckpointAgent.Load(a.Positional[0], a.Pairs("env-arg"), seed);
        var (agent, algo, envId, envArgs, steps) = loaded;
        // SIGINT/SIGTERM: the episodes finished so far are reported (with "stopped": true), exit 3.
        using var signals = new StopSignals("eval");
        Console.Error.WriteLine($"eval: {episodes} deterministic episodes of {algo.Name} on {envId} from step {steps:N0}");
        var r = Evaluator.Run(agent, loaded.MakeEnv, episodes, seed, new Progress(steps, steps), stop: signals.Token);
        bool any = r.Returns.Length > 0;
        var outJson = new JsonObject
        {
            ["algo"] = algo.Name,
            ["env"] = envId,
            ["checkpoint_env_steps"] = steps,
            ["episodes"] = r.Returns.Length,
            ["mean_return"] = any ? r.MeanReturn : null,
            ["std_return"] = any ? r.StdReturn : null,
            ["min_return"] = any ? r.Returns.Min() : null,
            ["max_return"] = any ? r.Returns.Max() : null,
            ["mean_length"] = any ? r.Lengths.Average() : null,
        };
        if (signals.Requested) outJson["stopped"] = true;
        if (r.SuccessRate is double rate) outJson["success_rate"] = rate;
        Console.WriteLine(outJson.ToJsonString());
        return signals.Requested && r.Returns.Length < episodes ? StopSignals.StoppedExitCode : 0;
    }
}
