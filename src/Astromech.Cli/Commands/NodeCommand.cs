using Astromech.Agents;
using Astromech.Agents.ApeX;
using Astromech.Cluster;
using Astromech.Cluster.Nodes;
using Astromech.Envs.Registry;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech node --role replay --algo apex --env ENV</c>: starts one process of a cluster. Phase 1 of the
/// distributed runtime serves the replay role (replay shard + parameter source for an Ape-X run) and waits until
/// stopped (Ctrl+C or SIGTERM); the learner and actor roles are refused with a message saying so.
/// </summary>
internal static class NodeCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "node", new[] { "role", "algo", "env", "seeds", "host", "port", "config", "set", "seed", "join-timeout" });
        if (a.Positional.Count > 0) throw new CliException($"node: unexpected argument '{a.Positional[0]}'");
        string role = a.Get("role") ?? throw new CliException($"node: --role is required ({string.Join(", ", ClusterConfig.Roles)})");
        if (!ClusterConfig.Roles.Contains(role))
            throw new CliException($"node: unknown role '{role}'; roles: {string.Join(", ", ClusterConfig.Roles)}");
        if (role != "replay")
            throw new CliException($"node: role '{role}' is not available yet; this build runs the replay role in a cluster, and Ape-X's actors and learner embedded (astromech train --algo apex --actors N)");
        string algoName = a.Get("algo") ?? throw new CliException("node: --algo is required (apex)");
        var algo = Algorithms.Get(algoName);
        if (algo.Name != "apex") throw new CliException($"node: algorithm '{algo.Name}' has no cluster roles yet; available: apex");
        string envId = a.Get("env") ?? throw new CliException("node: --env is required (astromech list envs)");
        var spec = EnvRegistry.Spec(envId);
        var root = a.Get("config") is string path ? RunSetup.LoadFile(path) : RunSetup.Preset(algo.Name, envId)?.Json ?? new System.Text.Json.Nodes.JsonObject();
        var cfg = (ApexConfig)RunSetup.BindAlgoConfig(algo, root, a.All("set"));
        var (obsSpace, actSpace) = TrainCommand.Spaces(envId, RunSetup.EnvArgs(root));
        algo.EnsureSupports(envId, actSpace);
        var seeds = a.All("seeds").SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(ReplayNode.SeedAddress).ToList();
        int port = a.GetInt("port", 0) ?? 0;
        if (port > 65535) throw new CliException($"--port: {port} is above 65535");
        long joinTimeout = a.GetLong("join-timeout", 1) ?? 30;

        using var node = ReplayNode.Start(cfg, obsSpace.FlatSize, a.GetInt("seed") ?? 0, a.Get("host") ?? "127.0.0.1", port, seeds);
        if (!node.WaitUntilUp(TimeSpan.FromSeconds(joinTimeout)))
            throw new CliException($"node: could not join the cluster through seed node(s) {string.Join(", ", seeds)} within {joinTimeout} s (unreachable, or not an astromech node)");
        Console.WriteLine($"replay node up at {node.Address} for apex on {envId} (replay: {node.PathOf(ReplayNode.ReplayName)}, parameters: {node.PathOf(ReplayNode.ParametersName)})");
        Console.Out.Flush();
        using var stop = new ManualResetEventSlim();
        // SIGINT (Ctrl+C) and SIGTERM end the wait instead of the process, so the node leaves and reports.
        using var onInt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        node.System.WhenTerminated.ContinueWith(_ => stop.Set());
        stop.Wait();
        var st = node.Shard.Stats;
        Console.WriteLine($"replay node stopping: {st.Inserted} transitions inserted, {st.Sampled} sampled, parameter version {node.Parameters.Version}");
        return 0;
    }
}
