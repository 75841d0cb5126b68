using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;

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
        var (agentLoaded, algo, envId, envArgs, steps) = LoadAgent(a.Positional[0], a.Pairs("env-arg"), seed);
        using var agent = agentLoaded;
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

    /// <summary>The agent a trainer checkpoint holds, rebuilt from its algorithm, config and env (eval, dataset recipes).</summary>
    internal static (IAgent Agent, AlgorithmInfo Algo, string EnvId, Dictionary<string, string> EnvArgs, long EnvSteps) LoadAgent(
        string path, IEnumerable<KeyValuePair<string, string>> envArgOverrides, int seed)
    {
        var ckpt = CheckpointFile.Read(path);
        var meta = ckpt.GetJsonNode("trainer/meta");
        var algo = Algorithms.Get((string)meta["algo"]!);
        string envId = (string)meta["env"]!;
        var envArgs = new Dictionary<string, string>();
        if (meta["env_args"] is JsonObject saved)
            foreach (var (k, v) in saved) envArgs[k] = (string)v!;
        foreach (var (k, v) in envArgOverrides) envArgs[k] = v;
        // A kickstarted student is evaluated on its own: its teachers are not needed (nor must their files still exist).
        var config = Astromech.Agents.Kickstarting.Teacher.WithoutTeachers(ConfigBinder.Bind(algo.ConfigType, ckpt.GetJsonNode("trainer/config").AsObject()));
        var (obsSpace, actSpace) = TrainCommand.Spaces(envId, envArgs);
        var agent = algo.Create(config, obsSpace, actSpace, seed);
        try { agent.Load(ckpt); }
        catch { agent.Dispose(); throw; }
        return (agent, algo, envId, envArgs, (long)meta["env_steps"]!);
    }
}
