using Astromech.Agents;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Tests.Training;
using TorchSharp;

namespace Astromech.Tests.Conformance;

/// <summary>
/// The contract every registered algorithm keeps, checked over the registry: a new algorithm gets all of it by
/// registering a descriptor with a smoke run (<see cref="AlgorithmInfo.Smoke"/>). Stream agents (trained step by
/// step on the test thread) are held to bit-for-bit equality; agents with their own threads (A3C, IMPALA, R2D2,
/// Ape-X) interleave nondeterministically, so for them a checkpoint round trip must be exact and training must
/// resume, but two runs need not match.
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class ConformanceTests
{
    /// <summary>One row per (algorithm, smoke run).</summary>
    public static IEnumerable<object[]> Smokes() =>
        Algorithms.All.SelectMany(a => a.Smoke.Select((s, i) => new object[] { a.Name, i, s.Env }));

    public static IEnumerable<object[]> Names() => Algorithms.All.Select(a => new object[] { a.Name });

    private static (AlgorithmInfo Info, SmokeRun Smoke) Get(string algo, int index) => (Algorithms.Get(algo), Algorithms.Get(algo).Smoke[index]);

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryAlgorithmDeclaresASmokeRunForEachActionKindItActsIn(string algo)
    {
        var info = Algorithms.Get(algo);
        Assert.NotEmpty(info.Smoke);
        foreach (var kind in new[] { ActionKinds.Discrete, ActionKinds.Continuous })
        {
            if ((info.Actions & kind) == 0) continue;
            Assert.Contains(info.Smoke, s => { using var e = info.MakeEnv(s.Config(), s.Env); return KindOf(e.ActionSpace) == kind; });
        }
        foreach (var s in info.Smoke)
        {
            Assert.IsType(info.ConfigType, s.Config());
            Assert.True(s.Steps > 0);
        }
    }

    [Theory]
    [MemberData(nameof(Smokes))]
    public void CheckpointRoundTripRestoresTheWholeStateAndTheActions(string algo, int smoke, string env)
    {
        torch.set_num_threads(1);
        var (info, run) = Get(algo, smoke);
        using var dir = new TempDir();
        using var probeEnv = info.MakeEnv(run.Config(), env);
        using var original = info.Create(run.Config(), probeEnv.ObservationSpace, probeEnv.ActionSpace, 1);
        ShortRun(info, original, run, dir.Path);
        var saved = Sections(original, dir.File("original.ckpt"));

        using var restored = info.Create(run.Config(), probeEnv.ObservationSpace, probeEnv.ActionSpace, 77);
        restored.Load(CheckpointFile.Read(dir.File("original.ckpt")));
        var again = Sections(restored, dir.File("restored.ckpt"));
        Assert.Equal(saved.Keys, again.Keys);
        foreach (var (name, bytes) in saved)
            Assert.True(bytes.AsSpan().SequenceEqual(again[name]), $"{algo}: section '{name}' differs after a save/load/save round trip");

        var obs = Probe(probeEnv, 8);
        Assert.Equal(Act(original, obs, deterministic: true), Act(restored, obs, deterministic: true));
    }

    [Theory]
    [MemberData(nameof(Smokes))]
    public void TrainingContinuesFromACheckpoint(string algo, int smoke, string env)
    {
        torch.set_num_threads(1);
        var (info, run) = Get(algo, smoke);
        using var dir = new TempDir();
        using var e = info.MakeEnv(run.Config(), env);
        using var original = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 1);
        if (original is IStreamAgent stream)
        {
            // Bit for bit: the restored copy, fed the same steps, takes the same actions, reports the same metrics, ends in the same state.
            // The checkpoint is taken where the agent holds no experience in flight (a checkpoint, like the trainer's resume,
            // starts episodes afresh): smoke runs are sized so that half their steps end a rollout, and an agent on one env
            // copy (DQN's n-step adder, SAC) is checkpointed at the first episode end from there on.
            long half = run.Steps / 2;
            using var drive = new StreamLockstep(() => info.MakeEnv(run.Config(), env), stream.NumEnvs, 5, 4 * half);
            drive.Start(stream);
            while (drive.EnvSteps < half || stream.NumEnvs == 1 && !drive.EpisodeEnded) drive.Step(new[] { stream });
            var ckpt = new Checkpoint();
            stream.Save(ckpt);
            CheckpointFile.Write(dir.File("half.ckpt"), ckpt);
            using var restored = (IStreamAgent)info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 99);
            restored.Load(CheckpointFile.Read(dir.File("half.ckpt")));
            if (stream.NumEnvs == 1) restored.OnEpisodeStart(new[] { true });
            long end = drive.EnvSteps + half;
            int updates = 0;
            while (drive.EnvSteps < end)
            {
                var (actions, metrics) = drive.Step(new IStreamAgent[] { stream, restored });
                Assert.Equal(actions[0], actions[1]);
                AssertSameMetrics(algo, metrics[0], metrics[1]);
                if (metrics[0] is not null) updates++;
            }
            Assert.True(updates > 0, $"{algo}: no update ran in the {half} steps after the checkpoint; the smoke run is too short to test continued training");
            AssertSameState(algo, Sections(stream, dir.File("a.ckpt")), Sections(restored, dir.File("b.ckpt")), "the uninterrupted and the resumed run");
            var probe = Probe(e, 8);
            Assert.Equal(Act(stream, probe, deterministic: true), Act(restored, probe, deterministic: true));
        }
        else
        {
            // Threaded agents: the trainer resumes the run from its checkpoint and carries its counters on.
            long steps = Math.Min(run.Steps / 4, 3000);
            var first = Trainer.Run(original, () => info.MakeEnv(run.Config(), env), Options(env, steps, dir.Path, checkpointInterval: steps));
            using var resumed = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 1);
            var second = Trainer.Run(resumed, () => info.MakeEnv(run.Config(), env), Options(env, 2 * steps, dir.File("resumed"), checkpointInterval: 0) with
            {
                ResumeFrom = new RunDirectory(dir.Path).Checkpoint,
            });
            Assert.True(second.EnvSteps >= 2 * steps);
            Assert.True(second.Episodes > first.Episodes, $"{algo}: the resumed run did not carry the episode count on ({first.Episodes} → {second.Episodes})");
            Assert.True(double.IsFinite(second.EvalMeanReturn));
        }
    }

    [Theory]
    [MemberData(nameof(Smokes))]
    public void TheSameSeedGivesTheSameRun(string algo, int smoke, string env)
    {
        torch.set_num_threads(1);
        var (info, run) = Get(algo, smoke);
        using var dir = new TempDir();
        using var e = info.MakeEnv(run.Config(), env);
        using var a = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 3);
        using var b = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 3);
        using var c = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 4);
        var sa = Sections(a, dir.File("a0.ckpt"));
        var sc = Sections(c, dir.File("c0.ckpt"));
        Assert.Contains(sa, s => !s.Value.AsSpan().SequenceEqual(sc[s.Key])); // another seed is another run
        var sb0 = Sections(b, dir.File("b0.ckpt"));
        foreach (var (name, bytes) in sa)
            Assert.True(bytes.AsSpan().SequenceEqual(sb0[name]), $"{algo}: section '{name}' differs between two new agents with seed 3");
        if (a is IStreamAgent sa1 && b is IStreamAgent sb1)
        {
            long steps = Math.Min(run.Steps / 2, 1024);
            using var d1 = new StreamLockstep(() => info.MakeEnv(run.Config(), env), sa1.NumEnvs, 5, steps);
            using var d2 = new StreamLockstep(() => info.MakeEnv(run.Config(), env), sb1.NumEnvs, 5, steps);
            d1.Start(sa1);
            d2.Start(sb1);
            while (d1.EnvSteps < steps)
            {
                var (x, mx) = d1.Step(new[] { sa1 });
                var (y, my) = d2.Step(new[] { sb1 });
                Assert.Equal(x[0], y[0]);
                AssertSameMetrics(algo, mx[0], my[0]);
            }
        }
        // Threaded agents: the same seed builds the same agent (networks, RNGs, counters), before their threads interleave.
        AssertSameState(algo, Sections(a, dir.File("a.ckpt")), Sections(b, dir.File("b.ckpt")), "two runs with seed 3");
    }

    [Theory]
    [MemberData(nameof(Smokes))]
    public void ANaNRewardStopsTheRunNamingTheLossTerm(string algo, int smoke, string env)
    {
        var (info, run) = Get(algo, smoke);
        if (info.LossIgnoresRewards) return; // behaviour cloning: rewards never enter its loss
        using var dir = new TempDir();
        using var e = info.MakeEnv(run.Config(), env);
        using var agent = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 1);
        var ex = Assert.Throws<NonFiniteLossException>(() =>
            Trainer.Run(agent, () => new NanRewardEnv(info.MakeEnv(run.Config(), env), 50), Options(env, 200_000, dir.Path, checkpointInterval: 0)));
        Assert.False(string.IsNullOrEmpty(ex.Term));
        Assert.Contains($"'{ex.Term}'", ex.Message);
        Assert.StartsWith(algo + ":", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AnActionSpaceOfAnotherKindIsRefusedNamingBoth(string algo)
    {
        var info = Algorithms.Get(algo);
        var obs = new Box(-1, 1, new[] { 4 });
        var spaces = new Space[] { new Discrete(3), new Box(-1, 1, new[] { 2 }), new MultiDiscrete(2, 3) };
        int refused = 0;
        foreach (var act in spaces)
        {
            if ((info.Actions & KindOf(act)) != 0) continue;
            refused++;
            var e1 = Assert.Throws<ArgumentException>(() => info.EnsureSupports("SomeEnv-v0", act));
            Assert.Contains($"'{algo}'", e1.Message);
            Assert.Contains(act.ToString()!, e1.Message);
            Assert.Contains("SomeEnv-v0", e1.Message);
            var config = info.Smoke[0].Config();
            var e2 = Assert.ThrowsAny<ArgumentException>(() => { using var _ = info.Create(config, obs, act, 0); });
            Assert.Contains(algo, e2.Message);
            Assert.Contains(act.ToString()!, e2.Message);
        }
        Assert.True(refused >= 1); // MultiDiscrete at least: no algorithm acts in it yet
    }

    [Theory]
    [MemberData(nameof(Smokes))]
    public void LiveTensorsStayFlat(string algo, int smoke, string env)
    {
        torch.set_num_threads(1);
        var (info, run) = Get(algo, smoke);
        using var dir = new TempDir();
        using var e = info.MakeEnv(run.Config(), env);
        using var agent = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 2);
        var obs = Probe(e, 4);
        var actions = new float[4 * e.ActionSpace.FlatSize];
        if (agent is IStreamAgent stream)
        {
            // Training on this thread: warm up (replay filling, first updates, optimizer state), then count.
            long half = Math.Min(run.Steps / 2, 1024);
            using var drive = new StreamLockstep(() => info.MakeEnv(run.Config(), env), stream.NumEnvs, 5, 3 * half);
            drive.Start(stream);
            while (drive.EnvSteps < half) drive.Step(new[] { stream });
            long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            while (drive.EnvSteps < 3 * half) drive.Step(new[] { stream });
            Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - live <= 0,
                $"{algo}: {DisposeScopeManager.Statistics.ThreadTotalLiveCount - live} tensors more are alive after {2 * half} more training steps");
        }
        else
        {
            // TorchSharp counts live tensors per thread, so a threaded agent's workers are not counted here; what runs on the
            // caller's thread (acting, evaluation, save/load) is.
            ShortRun(info, agent, run, dir.Path);
        }
        agent.OnEpisodeStart(new[] { true, true, true, true });
        agent.Act(obs, actions, new Progress(0, 1), deterministic: true);
        agent.Save(new Checkpoint());
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++)
        {
            agent.Act(obs, actions, new Progress(i, 100), deterministic: i % 2 == 0);
            var c = new Checkpoint();
            agent.Save(c);
            CheckpointFile.Write(dir.File("leak.ckpt"), c);
            agent.Load(CheckpointFile.Read(dir.File("leak.ckpt")));
        }
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - before <= 0,
            $"{algo}: {DisposeScopeManager.Statistics.ThreadTotalLiveCount - before} tensors more are alive after 50 act/save/load rounds");
    }

    /// <summary>
    /// Every agent survives garbage collections landing while a thread is inside libtorch: a background thread forces
    /// collections and runs finalizers back to back during the smoke run. TorchSharp frees the scalars it creates
    /// implicitly (x * 0.5, a + b's α, optimizer constants) in finalizers while the native op may still read them;
    /// before Nn/Scalars.cs such runs died with libtorch errors ("Unknown scalar type", "Expected false to be true" in
    /// Scalar::toFloat), and an unscoped temporary (A2C's log σ.exp().mean() metric) crashed about 1 run in 3.
    /// </summary>
    [Theory]
    [MemberData(nameof(Smokes))]
    public void SurvivesCollectionsDuringTorchCalls(string algo, int smoke, string env)
    {
        var (info, run) = Get(algo, smoke);
        using var dir = new TempDir();
        using var e = info.MakeEnv(run.Config(), env);
        using var agent = info.Create(run.Config(), e.ObservationSpace, e.ActionSpace, 1);
        using var stop = new CancellationTokenSource();
        long collections = 0;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        }) { IsBackground = true };
        collector.Start();
        RunSummary summary;
        try { summary = Trainer.Run(agent, () => info.MakeEnv(run.Config(), env), Options(env, run.Steps, dir.Path, checkpointInterval: 0)); }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.True(summary.EnvSteps >= run.Steps);
        Assert.True(collections > 50, $"only {collections} forced collections ran during the run");
        Assert.True(double.IsFinite(summary.EvalMeanReturn));
    }

    // ---- helpers ----

    /// <summary>
    /// Two update reports agree exactly: the same keys, the same values. (Bit equality needs MKL's reproducible mode,
    /// which the Astromech assembly sets when it loads; see Training/TorchSetup.cs.)
    /// </summary>
    private static void AssertSameMetrics(string algo, IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b)
    {
        Assert.True((a is null) == (b is null), $"{algo}: one agent updated and the other did not");
        if (a is null) return;
        Assert.Equal(a.Keys.OrderBy(k => k), b!.Keys.OrderBy(k => k));
        foreach (var (k, v) in a)
            Assert.True(v.Equals(b[k]), $"{algo}: metric {k} is {v} in one agent and {b[k]} in the other");
    }

    /// <summary>Two agents' checkpoints agree byte for byte, section by section.</summary>
    private static void AssertSameState(string algo, Dictionary<string, byte[]> a, Dictionary<string, byte[]> b, string what)
    {
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (name, x) in a)
            Assert.True(x.AsSpan().SequenceEqual(b[name]), $"{algo}: section '{name}' differs between {what}");
    }

    private static ActionKinds KindOf(Space s) => s switch { Discrete => ActionKinds.Discrete, Box => ActionKinds.Continuous, _ => 0 };

    private static TrainerOptions Options(string env, long steps, string outDir, long checkpointInterval) => new()
    {
        EnvId = env, Seed = 1, TotalSteps = steps, EvalEpisodes = 2, ShowProgress = false, OutDir = outDir, CheckpointInterval = checkpointInterval,
    };

    /// <summary>A short training run (stream agents in lockstep on this thread, threaded ones through the trainer).</summary>
    private static void ShortRun(AlgorithmInfo info, IAgent agent, SmokeRun run, string dir)
    {
        if (agent is IStreamAgent stream)
        {
            long steps = Math.Min(run.Steps / 2, 1024);
            using var drive = new StreamLockstep(() => info.MakeEnv(run.Config(), run.Env), stream.NumEnvs, 5, steps);
            drive.Start(stream);
            while (drive.EnvSteps < steps) drive.Step(new[] { stream });
        }
        else Trainer.Run(agent, () => info.MakeEnv(run.Config(), run.Env), Options(run.Env, Math.Min(run.Steps / 4, 3000), Path.Combine(dir, "short"), checkpointInterval: 0));
    }

    /// <summary><paramref name="rows"/> observations from the env's first steps under random actions.</summary>
    private static float[] Probe(IEnv env, int rows)
    {
        int size = env.ObservationSpace.FlatSize;
        var obs = new float[rows * size];
        var o = new float[size];
        env.Reset(o, 11);
        var rng = new Random(11);
        var act = new float[env.ActionSpace.FlatSize];
        for (int r = 0; r < rows; r++)
        {
            o.CopyTo(obs, r * size);
            if (env.ActionSpace is Discrete d) act[0] = rng.Next(d.N);
            else for (int i = 0; i < act.Length; i++) act[i] = (float)(rng.NextDouble() * 2 - 1);
            var s = env.Step(act, o);
            if (s.Terminated || s.Truncated) env.Reset(o);
        }
        return obs;
    }

    private static float[] Act(IAgent agent, float[] obs, bool deterministic)
    {
        int rows = obs.Length / agent.ObservationSpace.FlatSize;
        var actions = new float[rows * agent.ActionSpace.FlatSize];
        agent.OnEpisodeStart(Enumerable.Repeat(true, rows).ToArray());
        agent.Act(obs, actions, new Progress(0, 1), deterministic);
        return actions;
    }

    /// <summary>The agent's checkpoint sections, byte for byte, as written to and read back from <paramref name="path"/>.</summary>
    private static Dictionary<string, byte[]> Sections(IAgent agent, string path)
    {
        var c = new Checkpoint();
        agent.Save(c);
        CheckpointFile.Write(path, c);
        var read = CheckpointFile.Read(path);
        return read.SectionNames.ToDictionary(n => n, n => read.GetBytes(n));
    }

    /// <summary>Rewards turn NaN from the given step of each env copy on.</summary>
    private sealed class NanRewardEnv(IEnv inner, int fromStep) : Astromech.Envs.Wrappers.Wrapper(inner)
    {
        private int _steps;
        public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
        {
            var r = base.Step(action, obs);
            return ++_steps >= fromStep ? r with { Reward = double.NaN } : r;
        }
    }
}
