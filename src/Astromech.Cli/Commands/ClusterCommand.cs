using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech cluster up --algo apex|impala|r2d2 (any algorithm with a ClusterLayout) --env ENV --actors N --steps S --out DIR</c>: a whole cluster of
/// separate processes on 127.0.0.1 — Ape-X: one replay node (the seed), one learner, N actor nodes; IMPALA: one
/// learner (the seed, hosting the unroll queue), N actor nodes — each an
/// <c>astromech node</c> started with the same run flags. The learner writes DIR exactly as <c>train</c> does;
/// every node's output goes to DIR/nodes/NAME.log and its metrics to DIR/nodes/NAME/. When the learner exits,
/// the other processes are stopped (SIGTERM, then killed after a grace period). The exit code is the learner's.
/// </summary>
internal static class ClusterCommand
{
    private static readonly string[] RunOptions = { "algo", "env", "config", "set", "env-arg", "actors", "seed" };
    private static readonly string[] LearnerOptions = { "steps", "eval-episodes", "eval-interval", "checkpoint-interval", "prefetch" };

    public static int Run(string[] argv)
    {
        if (argv.Length == 0 || argv[0] != "up")
            throw new CliException("cluster: the subcommand is 'up' (astromech cluster up --algo apex --env CartPole-v1 --actors 2 --steps 30k --out DIR)");
        var a = CliArgs.Parse(argv.Skip(1).ToArray(), "cluster up", RunOptions.Concat(LearnerOptions).Concat(new[] { "out", "port", "join-timeout" }).ToArray(), new[] { "no-progress", "no-pipeline", "overwrite" });
        if (a.Positional.Count > 0) throw new CliException($"cluster up: unexpected argument '{a.Positional[0]}'");
        var run = NodeCommand.BindRun(a, "cluster up"); // fails here, before any process starts, on a bad flag or config
        string outDir = Path.GetFullPath(a.Get("out") ?? Path.Combine("runs", $"{run.Algo.Name}-cluster-{run.EnvId.Replace('/', '_')}-s{run.Seed}-{DateTime.Now:yyyyMMdd-HHmmss}"));
        string logs = Path.Combine(outDir, "nodes");
        Directory.CreateDirectory(logs);
        int port = a.GetInt("port", 1, 65535) ?? FreePort();
        NodeCommand.EnsurePortFree("127.0.0.1", port);

        // Flags every node gets, so every node binds the same run spec.
        var common = new List<string>();
        foreach (var opt in RunOptions)
            foreach (var v in opt is "set" or "env-arg" ? a.All(opt) : a.Get(opt) is string s ? new List<string> { s } : new List<string>())
                common.AddRange(new[] { "--" + opt, v });
        if (a.Get("join-timeout") is string jt) common.AddRange(new[] { "--join-timeout", jt });
        common.AddRange(new[] { "--out", outDir });
        string seeds = $"127.0.0.1:{port}";

        var nodes = new List<NodeProcess>();
        try
        {
            var learnerArgs = new List<string> { "--role", "learner" };
            foreach (var opt in LearnerOptions)
                if (a.Get(opt) is string v) learnerArgs.AddRange(new[] { "--" + opt, v });
            learnerArgs.Add("--no-progress");
            if (a.Flag("no-pipeline")) learnerArgs.Add("--no-pipeline");
            if (a.Flag("overwrite")) learnerArgs.Add("--overwrite");
            NodeProcess learner;
            if (run.HasReplayRole)
            {
                // Ape-X: the replay node is the seed (the oldest member; see ClusterConfig), the learner joins it.
                var replay = NodeProcess.Start("replay", common.Concat(new[] { "--role", "replay", "--port", port.ToString() }), logs);
                nodes.Add(replay);
                if (!replay.WaitForLine("replay node up", TimeSpan.FromSeconds(90)))
                    throw new CliException($"cluster up: the replay node did not come up{replay.ExitNote()}; see {replay.LogPath}");
                learner = NodeProcess.Start("learner", common.Concat(learnerArgs).Concat(new[] { "--seeds", seeds }), logs, echo: true);
                nodes.Add(learner);
            }
            else
            {
                // IMPALA: the learner hosts the unroll queue and the parameter source, and is the seed.
                learner = NodeProcess.Start("learner", common.Concat(learnerArgs).Concat(new[] { "--port", port.ToString() }), logs, echo: true);
                nodes.Add(learner);
                if (!learner.WaitForLine("learner node up", TimeSpan.FromSeconds(90)))
                    throw new CliException($"cluster up: the learner node did not come up{learner.ExitNote()}; see {learner.LogPath}");
            }
            for (int i = 0; i < run.Actors; i++)
                nodes.Add(NodeProcess.Start($"actor-{i}", common.Concat(new[] { "--role", "actor", "--seeds", seeds, "--actor-index", i.ToString() }), logs));
            Console.WriteLine($"cluster up: {(run.HasReplayRole ? "replay" : "learner")} (seed) at {seeds}, {(run.HasReplayRole ? "1 learner, " : "")}{run.Actors} actor process(es); logs in {logs}");
            // Wait for the learner, and stop it in order (SIGTERM: evaluation, checkpoint, summary) when this command
            // is told to stop, or when nothing can feed it any more (every actor process, or the replay, has exited).
            // A second signal kills every node process at once and exits 130/143 (StopSignals), writing nothing more.
            bool sentStop = false;
            using var signals = new StopSignals("cluster up", onAbort: () =>
            {
                foreach (var n in nodes)
                    try { if (!n.Process.HasExited) n.Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            });
            var actorNodes = nodes.Where(n => n.Name.StartsWith("actor-", StringComparison.Ordinal)).ToList();
            var replayNode = nodes.FirstOrDefault(n => n.Name == "replay");
            // Actors and the replay also exit when the learner ends a run normally; the learner then needs a few seconds
            // for its final evaluation and summary, so "nothing left to feed it" must hold for a while first.
            var grace = TimeSpan.FromSeconds(30);
            DateTime? orphanedSince = null;
            while (!learner.Process.WaitForExit(500))
            {
                if (sentStop) continue;
                bool orphaned = actorNodes.All(n => n.Process.HasExited) || replayNode is { Process.HasExited: true };
                orphanedSince = orphaned ? orphanedSince ?? DateTime.UtcNow : null;
                string? why = signals.Requested ? "told to stop"
                    : orphanedSince is DateTime t && DateTime.UtcNow - t > grace
                        ? (replayNode is { Process.HasExited: true } ? "the replay node has exited" : "every actor process has exited")
                    : null;
                if (why is null) continue;
                Console.WriteLine($"cluster up: {why}; stopping the learner (it writes its checkpoint and summary)");
                try { Posix.Kill(learner.Process.Id, 15); } catch (System.ComponentModel.Win32Exception) { }
                sentStop = true;
            }
            int code = learner.Process.ExitCode;
            foreach (var n in nodes.Where(n => n != learner && n.Process.HasExited && n.Process.ExitCode != 0))
                Console.WriteLine($"cluster up: {n.Name} exited with code {n.Process.ExitCode} during the run; see {n.LogPath}");
            if (code != 0) Console.Error.WriteLine($"cluster up: the learner exited with code {code}; see {learner.LogPath}");
            // Stopped by a signal, the learner wrote its checkpoint and summary: exit 3, as train does.
            return code == 0 && signals.Requested ? StopSignals.StoppedExitCode : code;
        }
        finally
        {
            foreach (var n in nodes) n.Stop(TimeSpan.FromSeconds(20));
            foreach (var n in nodes) n.Dispose();
        }
    }

    internal static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }
}

/// <summary>One <c>astromech node</c> child process, its output copied to a log file (and the console when echoed).</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly StreamWriter _log;
    private readonly object _gate = new();
    private readonly List<string> _lines = new();

    private NodeProcess(string name, Process p, string logPath, bool echo)
    {
        Name = name;
        Process = p;
        LogPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (_gate)
            {
                _lines.Add(line);
                _log.WriteLine(line);
                Monitor.PulseAll(_gate);
            }
            if (echo) Console.WriteLine(line);
        }
        p.OutputDataReceived += (_, e) => OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    public string Name { get; }
    public Process Process { get; }
    public string LogPath { get; }

    /// <summary>The command that runs this CLI again: its own apphost, or <c>dotnet Astromech.Cli.dll</c>.</summary>
    public static (string File, List<string> Prefix) SelfCommand()
    {
        string dll = typeof(Cli).Assembly.Location;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
        {
            string? pp = Environment.ProcessPath;
            host = pp is not null && Path.GetFileNameWithoutExtension(pp) == "dotnet" ? pp : "dotnet";
        }
        return (host, new List<string> { dll });
    }

    public static NodeProcess Start(string name, IEnumerable<string> args, string logDir, bool echo = false)
    {
        var (file, prefix) = SelfCommand();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var x in prefix.Concat(new[] { "node" }).Concat(args)) psi.ArgumentList.Add(x);
        var p = Process.Start(psi) ?? throw new CliException($"cluster up: could not start {file}");
        return new NodeProcess(name, p, Path.Combine(logDir, name + ".log"), echo);
    }

    /// <summary>Waits until the process prints a line containing <paramref name="text"/>; false when it exits or the time passes first.</summary>
    public bool WaitForLine(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
            while (true)
            {
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return true;
                if (Process.HasExited || DateTime.UtcNow > deadline) return false;
                Monitor.Wait(_gate, 200);
            }
    }

    /// <summary>
    /// Waits for the process to exit and then for its last output lines to reach the log: a timed
    /// <see cref="Process.WaitForExit(TimeSpan)"/> returns before the asynchronous readers have drained the pipes.
    /// </summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout)) return false;
        Process.WaitForExit();
        return true;
    }

    /// <summary>The lines printed so far.</summary>
    public IReadOnlyList<string> Lines { get { lock (_gate) return _lines.ToArray(); } }

    public string ExitNote() => Process.HasExited ? $" (it exited with code {Process.ExitCode})" : "";

    /// <summary>SIGTERM (the node leaves the cluster and reports), then a kill if it is still there after <paramref name="grace"/>.</summary>
    public void Stop(TimeSpan grace)
    {
        if (Process.HasExited) return;
        try { Posix.Kill(Process.Id, 15); } catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        if (!Process.WaitForExit(grace)) try { Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        Process.WaitForExit();
    }

    public void Dispose()
    {
        Process.Dispose();
        lock (_gate) _log.Dispose();
    }
}

internal static class Posix
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);

    public static void Kill(int pid, int signal)
    {
        if (SysKill(pid, signal) != 0) throw new System.ComponentModel.Win32Exception(System.Runtime.InteropServices.Marshal.GetLastWin32Error());
    }
}
