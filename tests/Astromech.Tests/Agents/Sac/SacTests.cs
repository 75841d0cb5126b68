using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Agents.Sac;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.Sac;

public class SacTests
{
    private static SacConfig Small => new()
    {
        LearningRate = 1e-3, BatchSize = 32, BufferSize = 5000, LearningStarts = 100, NetArch = new[] { 32, 32 },
    };

    private static IEnv Pendulum() => EnvRegistry.Make("Pendulum-v1");

    /// <summary>Steps one Pendulum env the way the trainer does: act (or take the forced action), step, observe, maybe update, reset on episode end.</summary>
    private sealed class Driver : IDisposable
    {
        private readonly IEnv _env = Pendulum();
        private readonly float[] _obs = new float[3], _next = new float[3], _act = new float[1];
        private readonly long _total;
        public long Steps;

        public Driver(int seed, long total)
        {
            _total = total;
            _env.Reset(_obs, seed);
        }

        /// <summary>One env step; returns the action taken. With <paramref name="agent"/> null the env just follows <paramref name="forced"/>.</summary>
        public float Step(SacAgent? agent, float? forced = null)
        {
            var p = new Progress(Steps, _total);
            if (forced is float f) _act[0] = f;
            else agent!.Act(_obs, _act, p, deterministic: false);
            var res = _env.Step(_act, _next);
            Steps++;
            if (agent is not null)
            {
                var after = new Progress(Steps, _total);
                agent.Observe(new VectorTransition
                {
                    Observations = _obs, Actions = _act, Rewards = new[] { (float)res.Reward },
                    Terminated = new[] { res.Terminated }, Truncated = new[] { res.Truncated }, NextObservations = _next,
                }, after);
                agent.MaybeUpdate(after);
            }
            Array.Copy(_next, _obs, 3);
            if (res.Done)
            {
                _env.Reset(_obs);
                agent?.OnEpisodeStart(new[] { true });
            }
            return _act[0];
        }

        public void Dispose() => _env.Dispose();
    }

    private static float[] Flat(nn.Module m) =>
        m.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();

    [Fact]
    public void SquashedGaussianLogProbMatchesAHandComputation()
    {
        double[] mu = { 0.3, -0.5 }, sigma = { 0.5, 1.2 }, u = { 0.8, -1.1 };
        // log π(tanh u) = Σ_i [ −(u−μ)²/(2σ²) − log σ − ½ log 2π − log(1 − tanh² u) ]
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            double z = (u[i] - mu[i]) / sigma[i];
            expected += -0.5 * z * z - Math.Log(sigma[i]) - 0.5 * Math.Log(2 * Math.PI) - Math.Log(1 - Math.Pow(Math.Tanh(u[i]), 2));
        }
        using var scope = NewDisposeScope();
        var dist = new SquashedGaussian(
            torch.tensor(mu.Select(x => (float)x).ToArray(), new long[] { 1, 2 }),
            torch.tensor(sigma.Select(x => (float)Math.Log(x)).ToArray(), new long[] { 1, 2 }));
        var uT = torch.tensor(u.Select(x => (float)x).ToArray(), new long[] { 1, 2 });
        Assert.Equal(expected, dist.LogProbOfPreTanh(uT).item<float>(), 4);
        Assert.Equal(expected, dist.LogProb(uT.tanh()).item<float>(), 3); // through atanh
        Assert.Equal(Math.Tanh(mu[0]), dist.Mode()[0, 0].item<float>(), 5);

        // Seeded sampling: the same generator seed gives the same sample, and its log-prob is that of its pre-tanh value.
        using var g1 = new torch.Generator(42);
        using var g2 = new torch.Generator(42);
        var (a1, lp1) = dist.SampleWithLogProb(g1);
        var (a2, lp2) = dist.SampleWithLogProb(g2);
        Assert.Equal(a1.data<float>().ToArray(), a2.data<float>().ToArray());
        Assert.Equal(lp1.item<float>(), lp2.item<float>());
        Assert.Equal(dist.LogProb(a1).item<float>(), lp1.item<float>(), 2);
    }

    [Fact]
    public void ActorClampsLogStdAndActsWithTanhOfTheMean()
    {
        using var scope = NewDisposeScope();
        using var actor = new SquashedGaussianActor(3, 2, new[] { 8 });
        using (no_grad())
            foreach (var (name, p) in actor.named_parameters())
                if (name.StartsWith("_logStd")) p.fill_(name.EndsWith("bias") ? 100f : 0f);
        var obs = torch.randn(4, 3);
        var (mean, logStd) = actor.forward(obs);
        Assert.All(logStd.data<float>().ToArray(), v => Assert.Equal(2f, v));
        Assert.Equal(mean.tanh().data<float>().ToArray(), actor.DeterministicAction(obs).data<float>().ToArray());
    }

    [Fact]
    public void SoftTargetBootstrapsOnTruncationButNotOnTermination()
    {
        // Through the agent: an env action of 1.0 on Pendulum's [−2, 2] is stored as 0.5; a terminated step is
        // stored with discount 0, a truncated one with γ and its final observation as s'.
        using var env = Pendulum();
        using var agent = new SacAgent(Small with { Gamma = 0.9 }, env.ObservationSpace, env.ActionSpace, seed: 0);
        float[] s = { 1, 0, 0 }, finalObs = { 0, 1, 0.5f };
        agent.Observe(new VectorTransition { Observations = s, Actions = new[] { 1f }, Rewards = new[] { 1f },
            Terminated = new[] { true }, Truncated = new[] { false }, NextObservations = finalObs }, new Progress(1, 10));
        agent.Observe(new VectorTransition { Observations = s, Actions = new[] { -2f }, Rewards = new[] { 2f },
            Terminated = new[] { false }, Truncated = new[] { true }, NextObservations = finalObs }, new Progress(2, 10));
        var batch = new ReplayBatch(64, 3, 1);
        agent.Replay.Sample(64, new Rng(1), 0, batch);
        bool sawTerminal = false, sawTruncated = false;
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(finalObs, batch.NextObs.AsSpan(i * 3, 3).ToArray());
            if (batch.Rewards[i] == 1f) { sawTerminal = true; Assert.Equal(0f, batch.Discounts[i]); Assert.Equal(0.5f, batch.Actions[i]); }
            else { sawTruncated = true; Assert.Equal(0.9f, batch.Discounts[i]); Assert.Equal(-1f, batch.Actions[i]); }
        }
        Assert.True(sawTerminal && sawTruncated);

        // The target on that batch, by hand: y = r + d·(min(Q1', Q2') − α·log π').
        using var scope = NewDisposeScope();
        var y = SacLearner.SoftTarget(
            rewards: torch.tensor(new[] { 1f, 2f }), discounts: torch.tensor(new[] { 0f, 0.9f }),
            nextQ1: torch.tensor(new[] { 3f, 4f }), nextQ2: torch.tensor(new[] { 2.5f, 5f }),
            nextLogProb: torch.tensor(new[] { -1f, 0.5f }), alpha: 0.2).data<float>().ToArray();
        Assert.Equal(1.0, y[0], 5);                           // terminated: nothing bootstrapped
        Assert.Equal(2 + 0.9 * (4 - 0.2 * 0.5), y[1], 5);    // truncated: 2 + 0.9·(4 − 0.1) = 5.51
    }

    [Fact]
    public void PolyakBlendsTargetTowardOnline()
    {
        using var scope = NewDisposeScope();
        var target = new[] { new TorchSharp.Modules.Parameter(torch.tensor(new[] { 1f, 2f }), requires_grad: false) };
        var online = new[] { new TorchSharp.Modules.Parameter(torch.tensor(new[] { 3f, 6f })) };
        SacLearner.Polyak(target, online, 0.25);
        Assert.Equal(new[] { 1.5f, 3f }, target[0].data<float>().ToArray()); // 0.75·θ⁻ + 0.25·θ

        // Inside an update: the target moves by τ toward the critic as it is after the step.
        var cfg = Small with { Tau = 0.1 };
        using var learner = new SacLearner(cfg, 3, 1, seed: 0);
        var batch = RandomBatch(cfg.BatchSize, 3);
        learner.Update(batch);
        var before = Flat(learner.CriticTarget);
        learner.Update(batch);
        var critic = Flat(learner.Critic);
        var after = Flat(learner.CriticTarget);
        for (int i = 0; i < after.Length; i++) Assert.Equal(0.9 * before[i] + 0.1 * critic[i], after[i], 1e-6); // float32 arithmetic: absolute tolerance, not rounding
    }

    private static ReplayBatch RandomBatch(int size, int obs, bool nanObs = false)
    {
        var rng = new Random(3);
        var b = new ReplayBatch(size, obs, 1) { Size = size };
        for (int i = 0; i < size * obs; i++) { b.Obs[i] = nanObs ? float.NaN : (float)rng.NextDouble(); b.NextObs[i] = (float)rng.NextDouble(); }
        for (int i = 0; i < size; i++)
        {
            b.Actions[i] = (float)(2 * rng.NextDouble() - 1);
            b.Rewards[i] = (float)rng.NextDouble();
            b.Discounts[i] = 0.99f;
        }
        return b;
    }

    [Fact]
    public void NonFiniteLossThrowsNamingTheTermBeforeStepping()
    {
        using var learner = new SacLearner(Small, 3, 1, seed: 0);
        var batch = RandomBatch(32, 3);
        batch.Rewards[5] = float.NaN;
        var critic = Flat(learner.Critic);
        var e = Assert.Throws<NonFiniteLossException>(() => learner.Update(batch, envSteps: 1234));
        Assert.Equal("critic_loss", e.Term);
        Assert.Contains("critic_loss", e.Message);
        Assert.Contains("1234", e.Message);
        Assert.Equal(critic, Flat(learner.Critic)); // no step was applied

        var nanObs = RandomBatch(32, 3, nanObs: true);
        var e2 = Assert.Throws<NonFiniteLossException>(() => learner.Update(nanObs));
        Assert.Equal("ent_coef_loss", e2.Term); // the α loss is the first term computed
    }

    [Fact]
    public void DiscreteEnvIsRejectedNamingAlgorithmAndEnv()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var info = Algorithms.Get("sac");
        Assert.Equal(ActionKinds.Continuous, info.Actions);
        var e = Assert.Throws<ArgumentException>(() => info.EnsureSupports("CartPole-v1", env.ActionSpace));
        Assert.Contains("'sac'", e.Message);
        Assert.Contains("CartPole-v1", e.Message);
        Assert.Contains("Discrete(2)", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new SacAgent(new SacConfig(), env.ObservationSpace, env.ActionSpace, 0));
        Assert.Contains("Box", e2.Message);
        Assert.Contains("Discrete(2)", e2.Message);
    }

    [Fact]
    public void EntCoefParsesAutoAutoWithStartAndFixedAndNamesTheKeyWhenInvalid()
    {
        Assert.Equal((true, 1.0), ConfigBinder.Bind<SacConfig>(new JsonObject { ["ent_coef"] = "auto" }).ParseEntCoef());
        Assert.Equal((true, 0.1), ConfigBinder.Bind<SacConfig>(new JsonObject { ["ent_coef"] = "auto_0.1" }).ParseEntCoef());
        Assert.Equal((false, 0.2), ConfigBinder.Bind<SacConfig>(new[] { "ent_coef=0.2" }).ParseEntCoef());
        foreach (var bad in new[] { "autox", "auto_-1", "0", "abc" })
        {
            var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<SacConfig>(new JsonObject { ["ent_coef"] = bad }));
            Assert.Contains("ent_coef", e.Message);
        }
        var e3 = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<SacConfig>(new JsonObject { ["net_arch"] = new JsonArray() }));
        Assert.Contains("net_arch", e3.Message);

        using var fixedAlpha = new SacLearner(Small with { EntCoef = "0.2" }, 3, 2, seed: 0);
        Assert.False(fixedAlpha.LearnsEntCoef);
        Assert.Equal(0.2, fixedAlpha.Temperature.Alpha, 6);
        Assert.Equal(-2.0, fixedAlpha.TargetEntropy); // −dim(A)
        fixedAlpha.Update(RandomBatchAct2(32));
        Assert.Equal(0.2, fixedAlpha.Temperature.Alpha, 6); // a fixed α does not move
    }

    private static ReplayBatch RandomBatchAct2(int size)
    {
        var rng = new Random(4);
        var b = new ReplayBatch(size, 3, 2) { Size = size };
        for (int i = 0; i < size * 3; i++) { b.Obs[i] = (float)rng.NextDouble(); b.NextObs[i] = (float)rng.NextDouble(); }
        for (int i = 0; i < size * 2; i++) b.Actions[i] = (float)(2 * rng.NextDouble() - 1);
        for (int i = 0; i < size; i++) { b.Rewards[i] = 1; b.Discounts[i] = 0.99f; }
        return b;
    }

    [Fact]
    public void PresetsBindAndWarmUpActionsAreUniformInTheBox()
    {
        string root = RepoPaths.Root();
        foreach (var env in new[] { "Pendulum-v1", "MountainCarContinuous-v0" })
            ConfigBinder.BindFile<SacConfig>(Path.Combine(root, "configs", "sac", env + ".json"),
                ignoreKeys: new[] { "algo", "env", "steps", "eval_interval", "eval_episodes" });

        using var pend = Pendulum();
        using var agent = new SacAgent(Small with { LearningStarts = 1000 }, pend.ObservationSpace, pend.ActionSpace, seed: 2);
        var a = new float[1];
        double min = 9, max = -9;
        for (int i = 0; i < 2000; i++)
        {
            agent.Act(new float[] { 1, 0, 0 }, a, new Progress(i % 1000, 10_000), deterministic: false);
            min = Math.Min(min, a[0]); max = Math.Max(max, a[0]);
        }
        Assert.InRange(min, -2.0, -1.9); // covers Pendulum's [−2, 2], not just the policy's [−1, 1]
        Assert.InRange(max, 1.9, 2.0);
    }

    [Fact]
    public void CheckpointRoundTripResumesExactlyLikeTheUninterruptedRun()
    {
        torch.set_num_threads(1);
        var cfg = Small with { ActionNoise = ActionNoiseKind.OrnsteinUhlenbeck, ActionNoiseSigma = 0.3 };
        using var env = Pendulum();
        var dir = Directory.CreateTempSubdirectory("astromech-sac-").FullName;
        string path = Path.Combine(dir, "agent.ckpt");
        const int before = 250, after = 60;

        using var original = new SacAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 1);
        using var drive1 = new Driver(seed: 1, total: before + after);
        var taken = new List<float>();
        for (int t = 0; t < before; t++) taken.Add(drive1.Step(original));
        Assert.Equal(before - cfg.LearningStarts + 1, original.Learner.Updates);
        var ckpt = new Checkpoint();
        original.Save(ckpt);
        CheckpointFile.Write(path, ckpt);

        using var resumed = new SacAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 99);
        resumed.Load(CheckpointFile.Read(path));
        var probe = new float[] { 0.3f, -0.9f, 1.5f };
        float[] da = new float[1], db = new float[1];
        original.Act(probe, da, new Progress(before, before + after), deterministic: true);
        resumed.Act(probe, db, new Progress(before, before + after), deterministic: true);
        Assert.Equal(da, db);
        Assert.Equal(original.Replay.Count, resumed.Replay.Count);

        // A second env brought to the same state by replaying the recorded actions, then both runs continue.
        using var drive2 = new Driver(seed: 1, total: before + after);
        foreach (var a in taken) drive2.Step(null, a);
        drive2.Steps = before;
        for (int t = 0; t < after; t++) Assert.Equal(drive1.Step(original), drive2.Step(resumed));
        Assert.Equal(original.Learner.Updates, resumed.Learner.Updates);
        Assert.Equal(Flat(original.Learner.Actor), Flat(resumed.Learner.Actor));
        Assert.Equal(Flat(original.Learner.Critic), Flat(resumed.Learner.Critic));
        Assert.Equal(Flat(original.Learner.CriticTarget), Flat(resumed.Learner.CriticTarget));
        Assert.Equal(original.Learner.Temperature.Alpha, resumed.Learner.Temperature.Alpha);

        using var other = new SacAgent(cfg with { NetArch = new[] { 16 } }, env.ObservationSpace, env.ActionSpace, seed: 1);
        var e = Assert.Throws<CheckpointException>(() => other.Load(CheckpointFile.Read(path)));
        Assert.Contains("net_arch", e.Message);
    }

    [Fact]
    public void LiveTensorCountStaysFlat()
    {
        torch.set_num_threads(1);
        using var env = Pendulum();
        using var agent = new SacAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 3);
        using var drive = new Driver(seed: 3, total: 1000);
        for (int t = 0; t < 200; t++) drive.Step(agent);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int t = 0; t < 300; t++) drive.Step(agent);
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - live <= 0, "live tensors grew over 300 SAC steps");
    }
}
