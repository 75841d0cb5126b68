using Astromech.Adders;
using Astromech.Agents.R2d2;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Nn;
using Astromech.Replay;
using Astromech.Returns;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.R2d2;

public class R2d2Tests
{
    private static R2d2Config Small => new()
    {
        BatchSize = 4, SequenceLength = 8, Overlap = 4, BurnIn = 3, NStep = 2, Gamma = 0.9, LstmSize = 8, Hidden = new[] { 16 },
        ReplayCapacity = 200, MinReplaySize = 4, Actors = 1, NumEnvs = 2, TargetUpdateInterval = 2, LearningRate = 1e-3,
    };

    private static IEnv CartPole() => EnvRegistry.Make("CartPole-v1");

    /// <summary>Runs an actor on CartPole into the agent's replay until it holds at least <paramref name="sequences"/> sequences.</summary>
    private static void Fill(R2d2Agent agent, int sequences, int seed = 0)
    {
        var cfg = agent.Config;
        var adder = new VectorSequenceAdder(cfg.NumEnvs, agent.Replay, cfg.SequenceLength, cfg.Overlap, cfg.EffectiveBurnIn + 1);
        using var actor = new R2d2Actor(CartPole, cfg.NumEnvs, agent.NewNetworkCopy(), adder, new Rng(seed), seed);
        var eps = Enumerable.Repeat(0.5, cfg.NumEnvs).ToArray();
        while (agent.Replay.Count < sequences) actor.Step(eps);
    }

    [Fact]
    public void SteppingMatchesUnrollingAndPreviousInputsMatter()
    {
        manual_seed(1);
        using var net = new RecurrentQNetwork(3, 2, new[] { 8 }, 5);
        using var scope = NewDisposeScope();
        var obs = randn(4, 2, 3);
        var pa = tensor(new long[] { -1, 1, 0, 1, 1, 0, 1, 1 }, new long[] { 4, 2 });
        var pr = randn(4, 2);
        var (h0, c0) = (randn(2, 5), randn(2, 5));
        var (qUnroll, hU, cU) = net.Unroll(obs, pa, pr, h0, c0);
        var (h, c) = (h0, c0);
        for (int t = 0; t < 4; t++)
        {
            var (q, hn, cn) = net.Step(obs[t], pa[t], pr[t], h, c);
            Assert.True(q.allclose(qUnroll[t], rtol: 1e-5, atol: 1e-6), $"step {t}");
            (h, c) = (hn, cn);
        }
        Assert.True(h.allclose(hU, rtol: 1e-5, atol: 1e-6));
        Assert.True(c.allclose(cU, rtol: 1e-5, atol: 1e-6));
        // The previous action and reward are inputs: changing them changes Q.
        var (qOther, _, _) = net.Step(obs[1], tensor(new long[] { 0, 0 }), pr[1] + 5, h0, c0);
        var (qSame, _, _) = net.Step(obs[1], pa[1], pr[1], h0, c0);
        Assert.False(qOther.allclose(qSame));
        Assert.Throws<ArgumentException>(() => net.Step(obs[0], pa[0], pr[0], randn(3, 5), randn(3, 5)));
    }

    [Fact]
    public void BurnInGivesTheStateOfSteppingTheNetworkFromTheStoredState()
    {
        var cfg = Small;
        using var agent = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        Fill(agent, 20);
        var batch = new SequenceBatch(cfg.BatchSize, cfg.SequenceLength, 4, cfg.LstmSize);
        agent.Replay.Sample(cfg.BatchSize, new Rng(2), 0.6, batch);
        using var scope = NewDisposeScope();
        var (h0, c0) = agent.Learner.InitialState(batch);
        Assert.True(h0.allclose(tensor(batch.H, new long[] { cfg.BatchSize, cfg.LstmSize }))); // stored_burnin starts from the stored state
        var (hB, cB) = R2d2Learner.BurnIn(agent.Learner.Online, batch, cfg.BurnIn, h0, c0);
        var (obs, pa, pr) = R2d2Learner.Inputs(batch);
        var (h, c) = (h0, c0);
        using (no_grad())
            for (int t = 0; t < cfg.BurnIn; t++)
            {
                var (_, hn, cn) = agent.Learner.Online.Step(obs[t], pa[t], pr[t], h, c);
                (h, c) = (hn, cn);
            }
        Assert.True(hB.allclose(h, rtol: 1e-5, atol: 1e-6));
        Assert.True(cB.allclose(c, rtol: 1e-5, atol: 1e-6));
        Assert.False(hB.requires_grad);
        Assert.False(hB.allclose(h0)); // the burn-in moved the state
    }

    [Fact]
    public void StoredStateIsTheActorsStateAtTheSequenceStart()
    {
        // The actor's state before each step, recorded alongside, must equal what the adder stored for sequences starting there.
        var cfg = Small with { NumEnvs = 1 };
        using var agent = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        var adder = new VectorSequenceAdder(1, agent.Replay, cfg.SequenceLength, cfg.Overlap, 1);
        using var actor = new R2d2Actor(CartPole, 1, agent.NewNetworkCopy(), adder, new Rng(0), 0);
        var states = new Dictionary<(long, int), float[]>();
        for (int k = 0; k < 200; k++)
        {
            states[(adder[0].EpisodeId, adder[0].EpisodeStep)] = actor.H.ToArray();
            actor.Step(new[] { 0.3 });
        }
        var seqs = agent.Replay.Snapshot();
        Assert.True(seqs.Count > 10);
        Assert.Contains(seqs, s => s.EpisodeStep > 0 && s.H.Any(v => v != 0));
        foreach (var s in seqs) Assert.Equal(states[(s.EpisodeId, s.EpisodeStep)], s.H);
    }

    [Fact]
    public void NStepDoubleQTargetsWithValueRescalingMatchAHandWorkedCase()
    {
        // Row 0: 3 real steps, truncated after them (bootstraps from observation row 3). Row 1: 2 real steps, the
        // second terminated. n = 2, γ = 0.5.
        var batch = new SequenceBatch(2, 3, 1, 1);
        batch.ValidSteps[0] = 3; batch.ValidSteps[1] = 2;
        float[,] r = { { 1, 2, 3 }, { 4, 5, 0 } };
        for (int t = 0; t < 3; t++)
            for (int b = 0; b < 2; b++)
            {
                batch.Rewards[t * 2 + b] = r[b, t];
                batch.Mask[t * 2 + b] = t < batch.ValidSteps[b] ? 1 : 0;
            }
        batch.Terminal[1 * 2 + 1] = 1;
        var R = new float[6];
        var D = new float[6];
        var boot = new long[6];
        R2d2Learner.NStepParts(batch, 2, 0.5f, R, D, boot);
        // Row 0: t0 = 1 + .5·2, γ² → row 2; t1 = 2 + .5·3, γ² → row 3; t2 = 3, γ → row 3 (window cut by the sequence end).
        // Row 1: t0 = 4 + .5·5, window ends in termination → 0; t1 = 5 → 0; t2 padding.
        Assert.Equal(new float[] { 2, 6.5f, 3.5f, 5, 3, 0 }, R);
        Assert.Equal(new float[] { 0.25f, 0, 0.25f, 0, 0.5f, 0 }, D);
        Assert.Equal(new long[] { 2 * 2 + 0, 2 * 2 + 1, 3 * 2 + 0, 2 * 2 + 1, 3 * 2 + 0, 2 * 2 + 1 }, boot);

        // Q over [L + 1 = 4, B = 2, A = 2]. Online picks a*, the target values it.
        float[] qOn = { 1, 2, 0, 0, 0, 5, 0, 0, 3, -1, 9, 1, 0.5f, 0.2f, 0, 0 };
        float[] qTg = { 10, 20, 0, 0, 30, 40, 0, 0, 7, 9, 11, 13, 6, 8, 0, 0 };
        using var scope = NewDisposeScope();
        var y = R2d2Learner.DoubleQTargets(tensor(qOn, new long[] { 4, 2, 2 }), tensor(qTg, new long[] { 4, 2, 2 }),
            tensor(R, new long[] { 3, 2 }), tensor(D, new long[] { 3, 2 }), tensor(boot, new long[] { 3, 2 }), rescale: true, rescalingEps: 1e-3)
            .data<float>().ToArray();
        // Row 0 t0: boot row 2, a* = argmax(3, −1) = 0 → Q⁻ = 7. t1, t2: row 3, a* = argmax(0.5, 0.2) = 0 → 6.
        static double H(double x) => ValueRescaling.H(x);
        static double Hi(double x) => ValueRescaling.HInverse(x);
        Assert.Equal(H(2 + 0.25 * Hi(7)), y[0], 4);
        Assert.Equal(H(3.5 + 0.25 * Hi(6)), y[2], 4);
        Assert.Equal(H(3 + 0.5 * Hi(6)), y[4], 4);
        Assert.Equal(H(6.5), y[1], 4); // terminated: no bootstrap
        Assert.Equal(H(5), y[3], 4);
        // Without rescaling: plain r + D·Q⁻(a*).
        var plain = R2d2Learner.DoubleQTargets(tensor(qOn, new long[] { 4, 2, 2 }), tensor(qTg, new long[] { 4, 2, 2 }),
            tensor(R, new long[] { 3, 2 }), tensor(D, new long[] { 3, 2 }), tensor(boot, new long[] { 3, 2 }), rescale: false, rescalingEps: 1e-3)
            .data<float>().ToArray();
        Assert.Equal(2 + 0.25 * 7, plain[0], 5);
        Assert.Equal(3 + 0.5 * 6, plain[4], 5);
    }

    [Fact]
    public void UpdateTrainsAfterTheBurnInExceptInSequencesThatStartAnEpisode()
    {
        var cfg = Small;
        using var agent = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        Fill(agent, 30);
        var batch = new SequenceBatch(cfg.BatchSize, cfg.SequenceLength, 4, cfg.LstmSize);
        agent.Replay.Sample(cfg.BatchSize, new Rng(5), 0.6, batch);
        int expected = 0;
        for (int b = 0; b < cfg.BatchSize; b++)
            expected += batch.EpisodeSteps[b] == 0 ? batch.ValidSteps[b] : Math.Max(0, batch.ValidSteps[b] - cfg.BurnIn);
        var before = agent.Learner.Online.parameters().Select(p => p.detach().clone()).ToArray();
        var result = agent.Learner.Update(batch);
        Assert.Equal(expected, result.TrainedSteps);
        Assert.True(double.IsFinite(result.Loss) && result.Loss > 0);
        Assert.All(result.Priorities, p => Assert.True(p > 0));
        Assert.Contains(agent.Learner.Online.parameters().Zip(before), pair => !pair.First.allclose(pair.Second));
        // Zero start without burn-in trains every real step.
        using var zero = new R2d2Agent(cfg with { StartState = StartState.Zero }, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        Assert.Equal(batch.ValidSteps.Sum(), zero.Learner.Update(batch).TrainedSteps);
        Assert.All(zero.Learner.InitialState(batch).H.data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ConfigErrorsNameBothKeys()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<R2d2Config>(new[] { "sequence_length=40", "burn_in=40" }));
        Assert.Contains("sequence_length (40)", e.Message);
        Assert.Contains("burn_in (40)", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<R2d2Config>(new[] { "sequence_length=20", "overlap=20", "burn_in=5" }));
        Assert.Contains("overlap (20)", e.Message);
        Assert.Contains("sequence_length (20)", e.Message);
        var ok = ConfigBinder.Bind<R2d2Config>(new[] { "start_state=zero_burnin", "epsilon_schedule=linear" });
        Assert.Equal(StartState.ZeroBurnin, ok.StartState);
        Assert.Equal(40, ok.EffectiveBurnIn);
        Assert.Equal(0, (ok with { StartState = StartState.Stored }).EffectiveBurnIn);
    }

    [Fact]
    public void ApexEpsilonsSpanFromEpsilonToEpsilonToTheEight()
    {
        Assert.Equal(0.4, R2d2Agent.ApexEpsilon(0, 8, 0.4, 7), 12);
        Assert.Equal(Math.Pow(0.4, 8), R2d2Agent.ApexEpsilon(7, 8, 0.4, 7), 12);
        Assert.Equal(Math.Pow(0.4, 1 + 7.0 * 3 / 7), R2d2Agent.ApexEpsilon(3, 8, 0.4, 7), 12);
        Assert.Equal(0.4, R2d2Agent.ApexEpsilon(0, 1, 0.4, 7), 12);
    }

    [Fact]
    public void LrAnnealLowersTheOptimizersLearningRateLinearlyToZero()
    {
        using var agent = new R2d2Agent(Small with { LrAnneal = true }, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        Fill(agent, Small.MinReplaySize);
        var batch = new SequenceBatch(Small.BatchSize, Small.SequenceLength, 4, Small.LstmSize);
        var m = agent.TrainOnce(batch, new Progress(250, 1000));
        Assert.Equal(0.75e-3, m["train/learning_rate"], 12);
        Assert.All(agent.Learner.Optimizer.ParamGroups, g => Assert.Equal(0.75e-3, g.LearningRate, 12));
        agent.TrainOnce(batch, new Progress(1000, 1000));
        Assert.All(agent.Learner.Optimizer.ParamGroups, g => Assert.Equal(0, g.LearningRate, 12));
        // Off (the default): the configured rate throughout.
        using var plain = new R2d2Agent(Small, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        Fill(plain, Small.MinReplaySize);
        Assert.Equal(1e-3, plain.TrainOnce(batch, new Progress(900, 1000))["train/learning_rate"], 12);
        Assert.All(plain.Learner.Optimizer.ParamGroups, g => Assert.Equal(1e-3, g.LearningRate, 12));
    }

    [Fact]
    public void LstmForgetBiasShiftsOnlyTheForgetGateBiasAtInit()
    {
        torch.manual_seed(3);
        using var plain = new RecurrentQNetwork(4, 2, new[] { 8 }, 5);
        torch.manual_seed(3);
        using var shifted = new RecurrentQNetwork(4, 2, new[] { 8 }, 5, forgetBias: 1.0);
        Assert.Equal(1.0, shifted.ForgetBias);
        foreach (var ((name, a), (_, b)) in plain.named_parameters().Zip(shifted.named_parameters()))
        {
            var diff = (b - a).data<float>().ToArray();
            for (int i = 0; i < diff.Length; i++)
            {
                // bias_ih rows [lstm, 2·lstm) are the forget gate's (gate order i, f, g, o).
                bool forget = name.EndsWith("bias_ih_l0") && i >= 5 && i < 10;
                Assert.Equal(forget ? 1f : 0f, diff[i], 5);
            }
        }
        // The config key reaches the learner's networks (online and target alike).
        using var agent = new R2d2Agent(Small with { LstmForgetBias = 1 }, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        Assert.Equal(1.0, agent.Learner.Online.ForgetBias);
        Assert.Equal(1.0, agent.Learner.Target.ForgetBias);
    }

    [Fact]
    public void MismatchedStateBatchIsAClearError()
    {
        using var agent = new R2d2Agent(Small, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        var p = new Progress(0, 1);
        agent.OnEpisodeStart(new[] { true, true, true, true });
        var a = new float[4];
        agent.Act(new float[4 * 4], a, p, deterministic: true);
        var e = Assert.Throws<ArgumentException>(() => agent.Act(new float[3 * 4], new float[3], p, deterministic: true));
        Assert.Contains("recurrent state for 4 env rows", e.Message);
        Assert.Contains("3 observation rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => agent.OnEpisodeStart(new[] { true, false }));
        Assert.Contains("4 env rows", e.Message);
        // Starting every row of another batch is how an evaluation on a new vector env begins.
        agent.OnEpisodeStart(new[] { true, true });
        agent.Act(new float[2 * 4], new float[2], p, deterministic: true);
    }

    [Fact]
    public void EvaluationCarriesStatePerRowAndResetsItAtEpisodeStart()
    {
        using var agent = new R2d2Agent(Small, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        var p = new Progress(0, 1);
        var obs = new float[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.1f, 0.2f, 0.3f, 0.4f };
        var a = new float[2];
        agent.OnEpisodeStart(new[] { true, true });
        var q0 = Q(agent, obs.AsSpan(0, 4));
        agent.Act(obs, a, p, deterministic: true);
        agent.OnRewards(new float[] { 1, 1 });
        // Row 0 starts a new episode, row 1 continues: only row 0's next action equals a fresh start's.
        agent.OnEpisodeStart(new[] { true, false });
        agent.Act(obs, a, p, deterministic: true);
        Assert.Equal(q0.argmax().item<long>(), (long)a[0]);

        static TorchSharp.torch.Tensor Q(R2d2Agent agent, ReadOnlySpan<float> o)
        {
            using var _ = no_grad();
            var (h, c) = agent.Learner.Online.ZeroState(1);
            return agent.Learner.Online.Step(tensor(o.ToArray(), new long[] { 1, 4 }), tensor(new long[] { -1 }), zeros(1), h, c).Q.squeeze(0);
        }
    }

    [Fact]
    public void CheckpointRoundTripRestoresNetworksOptimizerCountersAndReplay()
    {
        var cfg = Small;
        var dir = Directory.CreateTempSubdirectory("astromech-r2d2-").FullName;
        try
        {
            using var agent = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
            Fill(agent, 20);
            var batch = new SequenceBatch(cfg.BatchSize, cfg.SequenceLength, 4, cfg.LstmSize);
            for (int i = 0; i < 3; i++) agent.TrainOnce(batch, new Progress(100, 1000));
            var c = new Checkpoint();
            agent.Save(c);
            string path = Path.Combine(dir, "r2d2.ckpt");
            CheckpointFile.Write(path, c);

            using var restored = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 1);
            restored.Load(CheckpointFile.Read(path));
            Assert.Equal(3, restored.Updates);
            Assert.Equal(agent.Replay.Count, restored.Replay.Count);
            Assert.Equal(agent.Replay.TotalAdded, restored.Replay.TotalAdded);
            foreach (var (x, y) in agent.Learner.Online.parameters().Zip(restored.Learner.Online.parameters())) Assert.True(x.allclose(y, rtol: 0, atol: 0));
            foreach (var (x, y) in agent.Learner.Target.parameters().Zip(restored.Learner.Target.parameters())) Assert.True(x.allclose(y, rtol: 0, atol: 0));
            // Same RNG, replay and optimizer state: the next update is the same on both.
            var b1 = new SequenceBatch(cfg.BatchSize, cfg.SequenceLength, 4, cfg.LstmSize);
            var b2 = new SequenceBatch(cfg.BatchSize, cfg.SequenceLength, 4, cfg.LstmSize);
            var m1 = agent.TrainOnce(b1, new Progress(100, 1000));
            var m2 = restored.TrainOnce(b2, new Progress(100, 1000));
            Assert.Equal(b1.Indices, b2.Indices);
            Assert.Equal(m1["train/loss"], m2["train/loss"], 6);
            foreach (var (x, y) in agent.Learner.Online.parameters().Zip(restored.Learner.Online.parameters())) Assert.True(x.allclose(y, rtol: 1e-5, atol: 1e-7));

            using var other = new R2d2Agent(cfg with { LstmSize = 16 }, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
            var e = Assert.Throws<CheckpointException>(() => other.Load(CheckpointFile.Read(path)));
            Assert.Contains("lstm_size", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
