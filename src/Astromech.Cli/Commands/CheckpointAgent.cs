using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;

namespace Astromech.Cli.Commands;

/// <summary>An agent rebuilt from a checkpoint, with the run facts its trainer saved.</summary>
internal sealed record LoadedAgent(IAgent Agent, AlgorithmInfo Algo, string EnvId, Dictionary<string, string> EnvArgs, long EnvSteps) : IDisposable
{
    public void Dispose() => Agent.Dispose();
}

/// <summary>
/// Rebuilds the agent a checkpoint holds (<c>eval</c>, <c>dataset record</c>): its algorithm, config and env come from the
/// trainer's sections; the agent is created on that env's spaces and loaded, so a checkpoint of another shape is refused
/// naming the mismatch.
/// </summary>
internal static class CheckpointAgent
{
    public static LoadedAgent Load(string path, IReadOnlyDictionary<string, string> envArgOverrides, int seed, string? envOverride = null)
    {
        var ckpt = CheckpointFile.Read(path);
        var meta = ckpt.GetJsonNode("trainer/meta");
        var algo = Algorithms.Get((string)meta["algo"]!);
        string envId = envOverride ?? (string)meta["env"]!;
        var envArgs = new Dictionary<string, string>();
        if (meta["env_args"] is JsonObject saved)
            foreach (var (k, v) in saved) envArgs[k] = (string)v!;
        foreach (var (k, v) in envArgOverrides) envArgs[k] = v;
        // A kickstarted student acts on its own: its teachers are not needed (nor must their files still exist).
        var config = Astromech.Agents.Kickstarting.Teacher.WithoutTeachers(ConfigBinder.Bind(algo.ConfigType, ckpt.GetJsonNode("trainer/config").AsObject()));
        var (obsSpace, actSpace) = TrainCommand.Spaces(envId, envArgs);
        var agent = algo.Create(config, obsSpace, actSpace, seed);
        try { agent.Load(ckpt); }
        catch { agent.Dispose(); throw; }
        return new LoadedAgent(agent, algo, envId, envArgs, (long)meta["env_steps"]!);
    }
}
