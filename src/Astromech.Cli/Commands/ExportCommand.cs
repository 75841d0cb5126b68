using System.Text.Json.Nodes;
using Astromech.Export;
using Astromech.Training;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech export CHECKPOINT --onnx policy.onnx</c>: rebuilds the agent from the checkpoint and writes its acting
/// policy (what its descriptor's <see cref="Agents.AlgorithmInfo.Export"/> declares) as an ONNX model, atomically (temp file
/// + rename). Prints one JSON line naming the inputs, outputs and ops. A bad checkpoint, an algorithm without an export or
/// an unwritable path exits 2 with the reason.
/// </summary>
internal static class ExportCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "export", new[] { "onnx", "env-arg", "torch-threads" });
        if (a.Positional.Count != 1) throw new CliException("export: give exactly one checkpoint path (astromech export runs/.../checkpoint.ckpt --onnx policy.onnx)");
        string output = a.Get("onnx") ?? throw new CliException("export: say where to write the policy with --onnx FILE (the only export format)");
        if (Directory.Exists(output)) throw new CliException($"export: --onnx '{output}' is a directory; give a file path");
        TorchSetup.Configure(a.TorchThreads);
        using var loaded = CheckpointAgent.Load(a.Positional[0], a.Pairs("env-arg"), seed: 0);
        var policy = loaded.Algo.ExportPolicy(loaded.Agent);
        var g = policy.Graph;
        g.Metadata["env"] = loaded.EnvId;
        g.Metadata["checkpoint_env_steps"] = loaded.EnvSteps.ToString();
        g.Metadata["observation_space"] = loaded.Agent.ObservationSpace.ToString();
        g.Metadata["action_space"] = loaded.Agent.ActionSpace.ToString();
        try { g.Save(output, typeof(ExportCommand).Assembly.GetName().Version?.ToString() ?? ""); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not DirectoryNotFoundException)
        {
            throw new IOException($"export: cannot write '{output}': {e.Message}", e);
        }
        var json = new JsonObject
        {
            ["algo"] = loaded.Algo.Name,
            ["env"] = loaded.EnvId,
            ["onnx"] = output,
            ["bytes"] = new FileInfo(output).Length,
            ["ir_version"] = OnnxGraph.IrVersion,
            ["opset"] = OnnxGraph.Opset,
            ["inputs"] = new JsonArray(g.Inputs.Select(i => (JsonNode)$"{i.Name} {i.Type.ToString().ToLowerInvariant()} [{string.Join(", ", i.Dims)}]").ToArray()),
            ["outputs"] = new JsonArray(g.Outputs.Select(o => (JsonNode)$"{o.Name} {o.Type.ToString().ToLowerInvariant()} [{string.Join(", ", o.Dims)}]").ToArray()),
            ["ops"] = new JsonArray(g.OpTypes.Select(o => (JsonNode)o).ToArray()),
        };
        Console.WriteLine(json.ToJsonString());
        return 0;
    }
}
