using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Cluster;
using Astromech.Cluster.Nodes;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Config;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech node --role replay|learner|actor --algo apex|impala|r2d2 --env ENV [--seeds HOST:PORT,...]</c>: one process of
/// an Ape-X, R2D2 or IMPALA cluster. Every node of a run takes the same --algo/--env/--config/--set/--env-arg/--actors/--seed; a
/// node whose resulting config differs is refused by the cluster, naming the difference. Ape-X's replay node (IMPALA's
/// learner, which hosts the unroll queue) starts the cluster (no --seeds) and the others join through it. The learner trains to --steps and writes --out
/// exactly as <c>train</c> does (summary.json, metrics, checkpoints; --resume auto continues from
/// OUT/checkpoint.ckpt after a crash); actor nodes act until the learner says the budget is spent; the replay
/// node serves until stopped (Ctrl+C or SIGTERM).
/// </summary>
internal static class NodeCommand
{
    private static readonly string[] CommonOptions = { "algo", "env", "config", "set", "env-arg", "actors", "seed" };

    /// <summary>A run's shared settings, bound the same way on every node.</summary>
    internal sealed record ClusterRun(AlgorithmInfo Algo, ClusterLayout Layout, string EnvId, Dictionary<string, string> EnvArgs, JsonObject Root, object Config, Space ObsSpace, Space ActSpace, int Seed)
    {
        /// <summary>Runs with a replay role (Ape-X, R2D2) grow around the replay node (the seed); the others' learner hosts the experience queue and is the seed itself.</summary>
        public bool HasReplayRole => Layout.HasReplayRole;
        public int Actors => Layout.Actors(Config);
        public RunSpec Spec => new(Algo.Name, EnvId, EnvArgs, ObsSpace.FlatSize, ActSpace is Discrete d ? d.N : ActSpace.FlatSize, ConfigBinder.ToJson(Config));
        public Func<Envs.IEnv> MakeEnv => () => EnvRegistry.Make(EnvId, EnvArgs);
        public ClusterStart Start(NodeOptions options) => new(Config, Spec, MakeEnv, ObsSpace, ActSpace, Seed, options);
    }

    internal static ClusterRun BindRun(CliArgs a, string command)
    {
        JsonObject? file = a.Get("config") is string path ? RunSetup.LoadFile(path) : null;
        var algo = RunSetup.Algo(a, file, command);
        var layout = ClusterLayouts.Find(algo.Name) ?? throw new CliException($"{command}: algorithm '{algo.Name}' has no cluster roles yet; available: {ClusterLayouts.Names}");
        string envId = a.Get("env") ?? (file is null ? null : RunSetup.String(file, "env")) ?? throw new CliException($"{command}: --env is required (astromech list envs)");
        EnvRegistry.Spec(envId);
        var root = file ?? RunSetup.Preset(algo.Name, envId)?.Json ?? new JsonObject();
        var overrides = a.All("set").ToList();
        if (a.GetInt("actors", 1) is int actors) overrides.Add($"{RunSetup.ActorsKey(algo)}={actors}");
        var cfg = RunSetup.BindAlgoConfig(algo, root, overrides);
        var envArgs = RunSetup.EnvArgs(root);
        foreach (var (k, v) in a.Pairs("env-arg")) envArgs[k] = v;
        var (obsSpace, actSpace) = TrainCommand.Spaces(envId, envArgs);
        algo.EnsureSupports(envId, actSpace);
        return new ClusterRun(algo, layout, envId, envArgs, root, cfg, obsSpace, actSpace, a.GetInt("seed") ?? RunSetup.Int(root, "seed") ?? 0);
    }

    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "node",
            CommonOptions.Concat(new[] { "role", "seeds", "discovery", "host", "port", "join-timeout", "request-timeout", "out", "steps", "eval-episodes", "eval-interval",
                "checkpoint-interval", "resume", "actor-index", "torch-threads", "prefetch" }).ToArray(), new[] { "no-progress", "no-pipeline", "overwrite" });
        if (a.Positional.Count > 0) throw new CliException($"node: unexpected argument '{a.Positional[0]}'");
        string role = a.Get("role") ?? throw new CliException($"node: --role is required ({string.Join(", ", ClusterConfig.Roles)})");
        if (!ClusterConfig.Roles.Contains(role))
            throw new CliException($"node: unknown role '{role}'; roles: {string.Join(", ", ClusterConfig.Roles)}");
        foreach (var (opt, roles) in new[] { ("steps", "learner"), ("eval-episodes", "learner"), ("eval-interval", "learner"), ("checkpoint-interval", "learner"),
                     ("resume", "learner"), ("actor-index", "actor"), ("no-pipeline", "learner"), ("prefetch", "learner") })
            if ((a.Get(opt) is not null || opt == "no-pipeline" && a.Flag(opt)) && roles != role) throw new CliException($"node: --{opt} applies to the {roles} role only");
        var run = BindRun(a, "node");
        var seeds = a.All("seeds").SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (var s in seeds)
            try { ReplayNode.SeedAddress(s); } catch (ArgumentException e) { throw new CliException($"--seeds: {e.Message}"); }
        if (role == "replay" && !run.HasReplayRole)
            throw new CliException($"node: {run.Algo.Name} has no replay role (its learner hosts the unroll queue and starts the cluster); roles: learner, actor");
        string seedRole = run.HasReplayRole ? "replay" : "learner";
        SeedDiscovery? discovery = null;
        if (a.Get("discovery") is string d)
        {
            if (seeds.Count > 0) throw new CliException("node: give --seeds or --discovery, not both");
            try { discovery = SeedDiscovery.Parse(d); } catch (ArgumentException e) { throw new CliException($"--discovery: {e.Message}"); }
        }
        if (role != seedRole && seeds.Count == 0 && discovery is null)
            throw new CliException($"node: a {role} node joins a running cluster: give --seeds HOST:PORT of its {seedRole} node (or --discovery kubernetes-api:SERVICE)");
        int port = a.GetInt("port", 0) ?? 0;
        if (port > 65535) throw new CliException($"--port: {port} is above 65535");
        EnsurePortFree(a.Get("host") ?? "127.0.0.1", port);
        string? outDir = a.Get("out");
        var options = new NodeOptions
        {
            Host = a.Get("host") ?? "127.0.0.1",
            Port = port,
            Seeds = seeds,
            Discovery = discovery,
            JoinTimeout = TimeSpan.FromSeconds(a.GetLong("join-timeout", 1) ?? 30),
            RequestTimeout = TimeSpan.FromSeconds(a.GetLong("request-timeout", 1) ?? 10),
            MetricsDir = outDir,
        };
        TorchSetup.Configure(a.TorchThreads);
        try
        {
            return role switch
            {
                "replay" => RunReplay(run, options),
                "learner" => RunLearner(run, options, a, outDir),
                _ => RunActor(run, options, a),
            };
        }
        catch (ClusterJoinException e) { throw new CliException($"node: {e.Message}"); }
    }

    private static int RunReplay(ClusterRun run, NodeOptions options)
    {
        using var node = run.Layout.StartReplay!(run.Start(options));
        Console.WriteLine($"replay node up at {node.Address} for {run.Algo.Name} on {run.EnvId} (replay: {node.PathOf(ReplayNode.ReplayName)}, parameters: {node.PathOf(ReplayNode.ParametersName)})");
        Console.Out.Flush();
        WaitForSignal(node.System);
        var (inserted, sampled) = node.Counters;
        Console.WriteLine($"replay node stopping: {inserted} {(node.SequenceShard is null ? "transitions" : "sequences")} inserted, {sampled} sampled, parameter version {node.Parameters.Version}");
        return 0;
    }

    private static int RunLearner(ClusterRun run, NodeOptions options, CliArgs a, string? outDir)
    {
        outDir ??= Path.Combine("runs", $"{run.Algo.Name}-cluster-{run.EnvId.Replace('/', '_')}-s{run.Seed}-{DateTime.Now:yyyyMMdd-HHmmss}");
        string? resume = a.Get("resume");
        if (resume == "auto") resume = File.Exists(new RunDirectory(outDir).Checkpoint) ? new RunDirectory(outDir).Checkpoint : null;
        long steps = a.GetLong("steps", 1) ?? RunSetup.Long(run.Root, "steps") ?? 100_000;
        // SIGINT/SIGTERM end training early but orderly (final evaluation, checkpoint, summary), whenever they come:
        // registered first and released last, so a signal during start-up or shutdown cannot kill the process mid-write.
        LearnerNode? current = null;
        bool stopEarly = false;
        void OnSignal(PosixSignalContext c) { c.Cancel = true; stopEarly = true; current?.RequestStop(); }
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var agent = (IDistributedAgent)run.Algo.Create(run.Config, run.ObsSpace, run.ActSpace, run.Seed);
        int? prefetch = a.GetInt("prefetch", 1);
        if (prefetch is int depth)
        {
            if (depth > 8) throw new CliException($"--prefetch: {depth} is above 8 (each request in flight adds an update of priority staleness)");
            if (!run.Layout.LearnerPrefetches)
                throw new CliException($"--prefetch: only the {string.Join(", ", ClusterLayouts.All.Where(l => l.LearnerPrefetches).Select(l => l.Algo))} learner prefetches batches, not {run.Algo.Name}");
            if (a.Flag("no-pipeline")) throw new CliException("--prefetch needs the pipelined learner: drop --no-pipeline");
        }
        var nodeOptions = options with { MetricsDir = outDir, PipelinedLearner = !a.Flag("no-pipeline"), PrefetchDepth = prefetch ?? 2 };
        using var learner = run.Layout.StartLearner(agent, run.Spec, nodeOptions);
        Console.WriteLine($"learner node up at {learner.Node.Address}: training {run.Algo.Name} on {run.EnvId} for {steps:N0} env steps{(resume is null ? "" : $", resuming from {resume}")}");
        Console.Out.Flush();
        var trainer = new TrainerOptions
        {
            EnvId = run.EnvId,
            EnvArgs = run.EnvArgs,
            Seed = run.Seed,
            TotalSteps = steps,
            OutDir = outDir,
            EvalEpisodes = a.GetInt("eval-episodes", 1) ?? RunSetup.Int(run.Root, "eval_episodes", 1) ?? 100,
            EvalInterval = a.GetLong("eval-interval", 0) ?? RunSetup.Long(run.Root, "eval_interval") ?? 0,
            CheckpointInterval = a.GetLong("checkpoint-interval", 0) ?? RunSetup.Long(run.Root, "checkpoint_interval") ?? 25_000,
            RewardThreshold = EnvRegistry.Spec(run.EnvId).RewardThreshold,
            ShowProgress = !a.Flag("no-progress"),
            ResumeFrom = resume,
            AgentConfig = ConfigBinder.ToJson(run.Config),
            Overwrite = a.Flag("overwrite"),
        };
        current = learner;
        if (stopEarly) learner.RequestStop();
        var summary = learner.Train(run.MakeEnv, trainer, linger: TimeSpan.FromSeconds(2));
        Console.WriteLine($"actors that reported: {learner.ActorsSeen.Count}; env steps they took after the budget was spent (not counted): {learner.StepsAfterBudget:N0}");
        TrainCommand.PrintSummary(summary, outDir, EnvRegistry.Spec(run.EnvId).RewardThreshold);
        if (learner.Downed)
            throw new CliException($"node: the cluster removed this learner at {summary.EnvSteps:N0} env steps (unreachable too long: a partition or a freeze); its checkpoint and summary are in {outDir}; restart it with --resume auto and --seeds of a live node");
        return 0;
    }

    private static int RunActor(ClusterRun run, NodeOptions options, CliArgs a)
    {
        var indices = (a.Get("actor-index") ?? "0").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out int i) ? i : throw new CliException($"--actor-index: '{s}' is not an integer")).ToArray();
        foreach (int i in indices)
            if (i < 0 || i >= run.Actors) throw new CliException($"--actor-index: {i} is outside the run's {run.Actors} actors (0…{run.Actors - 1}; set the count with --actors)");
        using var node = run.Layout.StartActors(run.Start(options), indices);
        string eps = run.Layout.DescribeActors is { } describe ? ", " + describe(run.Config, indices) : "";
        Console.WriteLine($"actor node up at {node.Node.Address}: actor(s) {string.Join(",", indices)} of {run.Actors}{eps}");
        Console.Out.Flush();
        WaitForSignal(node.Node.System, node.Stopped);
        node.Stop();
        node.Dispose(); // leaves the cluster now, so the lines below are the node's last word (the using's Dispose is then a no-op)
        if (node.Fault is not null) throw new CliException($"node: actor failed: {node.Fault.Message}");
        Console.WriteLine($"actor node stopping: {node.EnvSteps} env steps, parameter version {node.ParameterVersion}, {node.ReportsAcknowledged} reports acknowledged");
        return 0;
    }

    /// <summary>A port another process listens on is refused in one line here, before the actor system starts (whose
    /// transport reports it as a nested AggregateException with a page of stack trace).</summary>
    internal static void EnsurePortFree(string host, int port)
    {
        if (port == 0) return;
        var address = System.Net.IPAddress.TryParse(host, out var ip) ? ip : System.Net.IPAddress.Any;
        var probe = new System.Net.Sockets.TcpListener(address, port);
        try { probe.Start(); }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            throw new CliException($"--port {port}: the port is in use on {host} (another node, or another program); give another --port, or 0 for any free one");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CliException($"--port {port}: cannot listen on {host}:{port} ({e.Message})");
        }
        finally { probe.Stop(); }
    }

    /// <summary>Blocks until SIGINT/SIGTERM, the actor system terminates (the node was downed), or <paramref name="done"/> is set.</summary>
    private static void WaitForSignal(Akka.Actor.ActorSystem system, WaitHandle? done = null)
    {
        using var stop = new ManualResetEventSlim();
        // SIGINT (Ctrl+C) and SIGTERM end the wait instead of the process, so the node leaves and reports.
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        system.WhenTerminated.ContinueWith(_ => stop.Set());
        if (done is null) stop.Wait();
        else WaitHandle.WaitAny(new[] { stop.WaitHandle, done });
    }
}
