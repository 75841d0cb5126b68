using System.Globalization;
using System.Text.Json.Nodes;
using Astromech.Cli.Commands;

namespace Astromech.Cli.Tests;

/// <summary>
/// Fault tolerance of an Ape-X cluster of real processes on 127.0.0.1: each test starts <c>astromech node</c>
/// processes (replay first, as the seed; then the learner; then actors), kills or stops some of them with
/// signals mid-run, and checks what the issue asks: the learner keeps training, restarted nodes rejoin and
/// catch up, losses are reported. Progress is read from the nodes' metrics CSVs (written every second).
/// Small networks and budgets keep each test within about a minute on two cores.
/// </summary>
public sealed class ClusterProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("astromech-cluster-proc-").FullName;
    private readonly List<NodeProcess> _nodes = new();
    private readonly int _replayPort = ClusterCommand.FreePort(), _learnerPort = ClusterCommand.FreePort();

    // A small, fast Ape-X run: a 32-unit network, learning from 300 transitions, 4 samples per insert.
    private static readonly string[] Run =
    {
        "--algo", "apex", "--env", "CartPole-v1", "--actors", "2", "--seed", "3",
        "--set", "hidden=[32]", "--set", "min_replay_size=300", "--set", "samples_per_insert=4", "--set", "batch_size=32",
        "--set", "param_sync_interval=10", "--set", "publish_interval=5",
    };

    // A small R2D2 run (the CartPole preset, learning from 20 sequences).
    private static readonly string[] R2d2Run = { "--algo", "r2d2", "--env", "CartPole-v1", "--actors", "2", "--seed", "3", "--set", "min_replay_size=20" };

    // IMPALA's defaults on CartPole: the learner is the seed and hosts the unroll queue.
    private static readonly string[] ImpalaRun = { "--algo", "impala", "--env", "CartPole-v1", "--actors", "2", "--seed", "3" };

    private string[] _run = Run;

    private string[] RunOf(string algo) => algo switch { "r2d2" => R2d2Run, "impala" => ImpalaRun, _ => Run };

    /// <summary>The seed node's port: the replay node's, or for IMPALA (no replay) the learner's.</summary>
    private int SeedPort => _run == ImpalaRun ? _learnerPort : _replayPort;

    private NodeProcess Start(string name, params string[] args)
    {
        // One torch thread per process: 3–4 node processes share CI's 2 cores.
        var p = NodeProcess.Start(name, _run.Concat(new[] { "--out", _dir, "--join-timeout", "60", "--request-timeout", "5", "--torch-threads", "1" }).Concat(args), _dir);
        _nodes.Add(p);
        return p;
    }

    private NodeProcess Replay(params string[] extra) => Await(Start("replay", new[] { "--role", "replay", "--port", _replayPort.ToString() }.Concat(extra).ToArray()), "replay node up");
    private NodeProcess Learner(long steps, params string[] extra) => Await(Start("learner",
        (_run == ImpalaRun ? new string[0] : new[] { "--seeds", $"127.0.0.1:{_replayPort}" })
            .Concat(new[] { "--role", "learner", "--port", _learnerPort.ToString(), "--steps", steps.ToString(), "--eval-episodes", "2", "--no-progress" })
            .Concat(extra).ToArray()), "learner node up");
    private NodeProcess Actor(int index, int port = 0) => Await(Start($"actor-{index}", "--role", "actor", "--seeds", $"127.0.0.1:{SeedPort}", "--actor-index", index.ToString(),
        "--port", port.ToString()), "actor node up");

    private static NodeProcess Await(NodeProcess p, string line)
    {
        Assert.True(p.WaitForLine(line, TimeSpan.FromSeconds(90)), $"{p.Name} did not print '{line}'{p.ExitNote()}:\n{File.ReadAllText(p.LogPath)}");
        return p;
    }

    /// <summary>The newest value of <paramref name="metric"/> in a node's metrics CSV (NaN before the first sample).</summary>
    private double Metric(string node, string metric)
    {
        string path = Path.Combine(_dir, "nodes", node, "metrics.csv");
        if (!File.Exists(path)) return double.NaN;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(fs);
        double v = double.NaN;
        string? line;
        while ((line = r.ReadLine()) is not null)
        {
            var parts = line.Split(',');
            if (parts.Length == 4 && parts[2] == metric) v = double.Parse(parts[3], CultureInfo.InvariantCulture);
        }
        return v;
    }

    private void WaitUntil(Func<bool> condition, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {seconds} s waiting for: {what}\n" + string.Join("\n", _nodes.Select(n => $"--- {n.Name}{n.ExitNote()}:\n{Tail(n)}")));
            Thread.Sleep(250);
        }
    }

    private static string Tail(NodeProcess n) => string.Join("\n", File.ReadAllLines(n.LogPath).TakeLast(15));

    /// <summary>Ends the run with SIGTERM (the learner evaluates, checkpoints and writes its summary) and returns the summary.</summary>
    private JsonObject EndRun(NodeProcess learner)
    {
        Assert.False(learner.Process.HasExited, "the learner ended before the test was done with it:\n" + Tail(learner));
        Posix.Kill(learner.Process.Id, 15);
        return Summary(learner);
    }

    // Budgets far above what a test needs: under load, node processes take tens of seconds to start, and a run
    // that ends before the last node joins would leave nothing to test. Each test ends the run itself.
    private const long Budget = 1_000_000;

    /// <summary>SIGKILLs the learner once its first checkpoint exists; returns the checkpoint's path and the updates it had reached.</summary>
    private (string Checkpoint, double Updates) KillAfterFirstCheckpoint(NodeProcess learner)
    {
        string ckpt = Path.Combine(_dir, "checkpoint.ckpt");
        WaitUntil(() => File.Exists(ckpt), "the learner's first checkpoint");
        learner.Process.Kill();
        learner.Process.WaitForExit();
        return (ckpt, Metric("learner", "learner/updates"));
    }

    private JsonObject Summary(NodeProcess learner)
    {
        Assert.True(learner.WaitForExit(TimeSpan.FromSeconds(180)), "the learner did not finish within 180 s:\n" + Tail(learner));
        Assert.True(learner.Process.ExitCode == 0, $"learner exited with {learner.Process.ExitCode}:\n{Tail(learner)}");
        return JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "summary.json")))!.AsObject();
    }

    [Theory]
    [InlineData("apex")]
    [InlineData("r2d2")]
    public void KilledActorDoesNotStopTheLearnerAndARestartedOneGetsTheNewestParameters(string algo)
    {
        _run = RunOf(algo);
        Replay();
        var learner = Learner(Budget);
        Actor(0);
        var a1 = Actor(1);
        WaitUntil(() => Metric("replay", "replay/parameter_version") > 100, "learner updates reaching the parameter source");
        a1.Process.Kill(); // SIGKILL: no goodbye to the cluster
        double v0 = Metric("replay", "replay/parameter_version");
        WaitUntil(() => Metric("replay", "replay/parameter_version") > v0 + 200, "the learner training on after actor 1 was killed");
        Assert.False(learner.Process.HasExited, "the learner died with the actor:\n" + Tail(learner));
        double atRestart = Metric("replay", "replay/parameter_version");
        File.Delete(Path.Combine(_dir, "nodes", "actor-1", "metrics.csv"));
        Actor(1);
        WaitUntil(() => Metric("actor-1", "actor/parameter_version") >= atRestart, $"the restarted actor 1 loading parameters at least as new as version {atRestart}");
        var s = EndRun(learner);
        Assert.True((long)s["env_steps"]! > 0);
        Assert.Equal(algo == "r2d2" ? "RemoteSequenceReplayClient" : "RemoteReplayClient", (string)s["agent_stats"]!["replay"]!);
    }

    [Theory]
    [InlineData("apex")]
    [InlineData("r2d2")]
    public void KilledLearnerResumesFromItsCheckpointWhileReplayAndActorsWait(string algo)
    {
        _run = RunOf(algo);
        Replay();
        var learner = Learner(Budget, "--checkpoint-interval", "2000");
        var a0 = Actor(0);
        var (ckpt, before) = KillAfterFirstCheckpoint(learner);
        var again = Learner(Budget, "--checkpoint-interval", "2000", "--resume", "auto");
        Assert.Contains(again.Lines, l => l.Contains($"resuming from {ckpt}"));
        // The resumed learner trains on with the actor that waited: its updates pass where the killed one stopped.
        int more = algo == "r2d2" ? 50 : 200; // an R2D2 update is a batch of 80-step LSTM sequences, many times an Ape-X one
        WaitUntil(() => Metric("learner", "learner/updates") > before + more, $"the resumed learner passing {before} + {more} updates");
        var s = EndRun(again);
        Assert.True((long)s["env_steps"]! >= 2000);
        Assert.False(a0.Process.HasExited && a0.Process.ExitCode != 0, "the actor failed when the learner died:\n" + Tail(a0));
        Assert.True((long)s["agent_stats"]!["learner_updates"]! > 0);
    }

    [Theory]
    [InlineData("apex")]
    [InlineData("r2d2")]
    public void RestartedReplayIsReportedWithWhatItLostAndTheRunCompletes(string algo)
    {
        _run = RunOf(algo);
        // Ape-X stores transitions, R2D2 sequences (each 80 steps, overlapping by 40): fill, then lose, about 2/3 as many.
        var (fill, lost, refill, what) = algo == "r2d2" ? (60, 40, 20, "sequences") : (1500, 1000, 500, "transitions");
        var replay = Replay();
        var learner = Learner(Budget);
        Actor(0);
        Actor(1);
        WaitUntil(() => Metric("replay", "replay/inserted") > fill, $"{fill} {what} in the replay");
        // The learner books what a restart lost from its last look at the replay's size, taken every 50 updates:
        // let it take one after the fill.
        double updatesAtFill = Metric("learner", "learner/updates");
        WaitUntil(() => Metric("learner", "learner/updates") >= updatesAtFill + 51, "the learner's next look at the filled replay");
        replay.Process.Kill();
        replay.Process.WaitForExit();
        // The restarted replay joins the surviving cluster through the learner (it is no longer the oldest node).
        File.Delete(Path.Combine(_dir, "nodes", "replay", "metrics.csv"));
        Await(Start("replay-2", "--role", "replay", "--seeds", $"127.0.0.1:{_learnerPort}"), "replay node up");
        WaitUntil(() => Metric("learner", "learner/replay_restarts") >= 1, "the learner noticing the replay's restart");
        WaitUntil(() => Metric("replay", "replay/inserted") > refill, "actors filling the restarted replay");
        var s = EndRun(learner);
        var stats = s["agent_stats"]!.AsObject();
        Assert.True((long)stats["replay_restarts"]! >= 1, stats.ToJsonString());
        Assert.True((long)stats[$"replay_{what}_lost"]! >= lost, stats.ToJsonString());
        string warning = algo == "r2d2" ? "the sequence replay restarted" : "the replay shard restarted";
        Assert.True(File.ReadAllText(learner.LogPath).Contains(warning), $"no '{warning}' warning on the learner's stderr");
    }

    [Fact]
    public void KilledImpalaLearnerRestartsFromItsCheckpointAndRejoinsItsActors()
    {
        // IMPALA's learner is the seed and hosts the unroll queue. When it dies, the two actor nodes keep the cluster
        // (keep-oldest downs an oldest node that is alone), and the restarted learner joins it through an actor.
        _run = ImpalaRun;
        int actorPort = ClusterCommand.FreePort();
        var learner = Learner(Budget, "--checkpoint-interval", "4000");
        var a0 = Actor(0, actorPort);
        var a1 = Actor(1);
        var (ckpt, before) = KillAfterFirstCheckpoint(learner);
        File.Delete(Path.Combine(_dir, "nodes", "learner", "metrics.csv"));
        var again = Learner(Budget, "--checkpoint-interval", "4000", "--resume", "auto", "--seeds", $"127.0.0.1:{actorPort}");
        Assert.Contains(again.Lines, l => l.Contains($"resuming from {ckpt}"));
        // IMPALA updates only on unrolls: updates past where the killed learner stopped mean the actors feed the new one.
        WaitUntil(() => Metric("learner", "learner/updates") > before + 20 && Metric("learner", "learner/actors_reporting") >= 2,
            $"the restarted learner passing {before} + 20 updates with both actors reporting");
        var s = EndRun(again);
        Assert.True((long)s["env_steps"]! >= 4000);
        foreach (var a in new[] { a0, a1 })
            Assert.False(a.Process.HasExited && a.Process.ExitCode != 0, $"{a.Name} failed when the learner died:\n" + Tail(a));
    }

    [Fact]
    public void StoppedActorDoesNotStallTheLearner()
    {
        Replay();
        var learner = Learner(Budget);
        Actor(0);
        var a1 = Actor(1);
        WaitUntil(() => Metric("replay", "replay/parameter_version") > 100, "learner updates reaching the parameter source");
        Posix.Kill(a1.Process.Id, 19); // SIGSTOP: a frozen actor, still a member until the failure detector notices
        try
        {
            double v0 = Metric("replay", "replay/parameter_version");
            WaitUntil(() => Metric("replay", "replay/parameter_version") > v0 + 200, "the learner training on while actor 1 is frozen");
        }
        finally { Posix.Kill(a1.Process.Id, 18); } // SIGCONT
        var s = EndRun(learner);
        Assert.True((long)s["env_steps"]! > 0);
    }

    [Fact]
    public void ANodeWithAnotherConfigIsRefusedNamingTheKeyAndExits()
    {
        Replay();
        var odd = Start("actor-odd", "--role", "actor", "--seeds", $"127.0.0.1:{_replayPort}", "--set", "hidden=[64]", "--set", "n_step=5");
        Assert.True(odd.WaitForExit(TimeSpan.FromSeconds(90)), "the mismatched node did not exit:\n" + Tail(odd));
        Assert.NotEqual(0, odd.Process.ExitCode);
        string log = File.ReadAllText(odd.LogPath);
        Assert.Contains("does not match the run", log);
        Assert.Contains("config key 'hidden': the cluster runs [32], this node [64]", log);
        Assert.Contains("config key 'n_step': the cluster runs 3, this node 5", log);
    }

    [Fact]
    public void ClusterUpRunsEveryRoleAsItsOwnProcessAndWritesTheTrainSummary()
    {
        var (code, _, err) = CliRunner.Run(new[] { "cluster", "up" }.Concat(Run).Concat(new[] { "--steps", "5000", "--eval-episodes", "2", "--out", _dir }).ToArray());
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "summary.json")))!.AsObject();
        Assert.True((long)s["env_steps"]! >= 5000);
        Assert.Equal("RemoteReplayClient", (string)s["agent_stats"]!["replay"]!);
        Assert.True((long)s["agent_stats"]!["learner_updates"]! > 0);
        foreach (var node in new[] { "replay", "actor-0", "actor-1" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, "nodes", node, "metrics.csv")), $"no metrics for {node}");
            Assert.True(File.Exists(Path.Combine(_dir, "nodes", node + ".log")), $"no log for {node}");
        }
        Assert.True(Metric("actor-0", "actor/env_steps") > 0 && Metric("actor-1", "actor/env_steps") > 0, "an actor process did not act");
    }

    [Fact]
    public void ClusterUpRunsImpalaWithTheLearnerHostingTheUnrollQueue()
    {
        var (code, _, err) = CliRunner.Run("cluster", "up", "--algo", "impala", "--env", "CartPole-v1", "--actors", "2", "--seed", "1",
            "--steps", "20000", "--eval-episodes", "2", "--out", _dir);
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "summary.json")))!.AsObject();
        Assert.True((long)s["env_steps"]! >= 20_000);
        var stats = s["agent_stats"]!.AsObject();
        Assert.True((long)stats["learner_updates"]! > 0, stats.ToJsonString());
        Assert.NotNull(stats["policy_lag_mean"]); // unrolls carried their behaviour versions across processes
        Assert.False(File.Exists(Path.Combine(_dir, "nodes", "replay.log"))); // IMPALA has no replay node
        Assert.True(Metric("actor-0", "actor/env_steps") > 0 && Metric("actor-1", "actor/env_steps") > 0, "an actor process did not act");
        Assert.True(Metric("actor-0", "actor/parameter_version") > 0, "actor 0 never loaded a published version");
    }

    [Fact]
    public void ClusterUpRunsR2d2WithSequencesAndRecurrentStatesCrossingProcesses()
    {
        var (code, _, err) = CliRunner.Run("cluster", "up", "--algo", "r2d2", "--env", "CartPole-v1", "--actors", "2", "--seed", "1",
            "--steps", "6000", "--eval-episodes", "2", "--set", "min_replay_size=20", "--out", _dir);
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "summary.json")))!.AsObject();
        Assert.True((long)s["env_steps"]! >= 6000);
        var stats = s["agent_stats"]!.AsObject();
        Assert.Equal("RemoteSequenceReplayClient", (string)stats["replay"]!);
        Assert.True((long)stats["learner_updates"]! > 0, stats.ToJsonString());
        Assert.True((long)stats["sequences_added"]! > 20, stats.ToJsonString());
        Assert.NotNull(stats["policy_lag_mean"]);
        Assert.True(Metric("actor-0", "actor/blocks_inserted") > 0 && Metric("actor-1", "actor/blocks_inserted") > 0, "an actor inserted no sequences");
    }

    public void Dispose()
    {
        foreach (var n in _nodes) n.Stop(TimeSpan.FromSeconds(10));
        foreach (var n in _nodes) n.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
