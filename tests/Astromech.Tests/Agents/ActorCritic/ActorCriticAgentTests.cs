using Astromech.Agents;
using Astromech.Agents.A2c;
using Astromech.Agents.A3c;
using Astromech.Agents.ActorCritic;
using Astromech.Agents.Impala;
using Astromech.Agents.Ppo;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Tests.Training;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using TorchSharp;

namespace Astromech.Tests.Agents.ActorCritic;

public class ActorCriticAgentTests
{
    private static readonly float[] Probe = { 0.01f, -0.02f, 0.03f, 0.04f, 0.2f, 0.1f, -0.3f, 0.5f };

    private static TrainerOptions Options(string dir, long steps, string env = "CartPole-v1") => new()
    {
        EnvId = env, Seed = 3, TotalSteps = steps, EvalEpisodes = 2, ShowProgress = false, OutDir = dir,
        CheckpointInterval = 0,
    };

    private static float[] Actions(IAgent agent, float[] obs, bool deterministic = true)
    {
        var a = new float[obs.Length / agent.ObservationSpace.FlatSize * agent.ActionSpace.FlatSize];
        agent.Act(obs, a, new Progress(0, 1), deterministic);
        return a;
    }

    public static IEnumerable<object[]> StreamAgents() => new[]
    {
        new object[] { "ppo", new PpoConfig { NumEnvs = 2, NSteps = 16, BatchSize = 8, NEpochs = 2 } },
        new object[] { "a2c", new A2cConfig { NumEnvs = 2 } },
    };

    [Theory]
    [MemberData(nameof(StreamAgents))]
    public void AStreamAgentTrainsAndItsCheckpointRestoresTheSamePolicy(string algo, OnPolicyConfig cfg)
    {
        using var dir = new TempDir();
        var info = Algorithms.Get(algo);
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 1);
        var summary = Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), Options(dir.Path, 400));
        Assert.Equal(400, summary.EnvSteps);
        var ckpt = CheckpointFile.Read(summary.Checkpoint);
        using var restored = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 99);
        restored.Load(ckpt);
        Assert.Equal(Actions(agent, Probe), Actions(restored, Probe));
    }

    [Fact]
    public void PpoOnAContinuousEnvKeepsRawSamplesButStepsTheEnvWithClippedActions()
    {
        using var env = EnvRegistry.Make("Pendulum-v1");
        var box = (Box)env.ActionSpace;
        var cfg = new PpoConfig { NumEnvs = 1, NSteps = 8, BatchSize = 8, NEpochs = 1, LogStdInit = 1.5 };
        using var agent = new PpoAgent(cfg, env.ObservationSpace, env.ActionSpace, 0);
        var sampler = new PolicySampler(agent.Network, env.ActionSpace);
        var obs = new float[3 * 50];
        var envActions = new float[50];
        var raw = new float[50];
        var logp = new float[50];
        sampler.Act(obs, 50, false, new Rng(1), envActions, raw, logp);
        Assert.All(envActions, a => Assert.InRange(a, box.Low[0], box.High[0]));
        Assert.Contains(raw, a => a > box.High[0] || a < box.Low[0]); // σ = e^1.5 ≈ 4.5 around μ ≈ 0
        // The stored log-probability is the Gaussian's log-density of the raw sample.
        using var _ = torch.no_grad();
        var (p, _) = agent.Network.Evaluate(torch.tensor(obs, new long[] { 50, 3 }));
        var expected = p.LogProb(torch.tensor(raw, new long[] { 50, 1 })).data<float>().ToArray();
        for (int i = 0; i < 50; i++) Assert.Equal(expected[i], logp[i], 3);
    }

    [Fact]
    public void SampledDiscreteActionsFollowThePolicyProbabilities()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var net = new ActorCriticNetwork(4, env.ActionSpace, new[] { 8 }, Activation.Tanh, shareTorso: true);
        var sampler = new PolicySampler(net, env.ActionSpace);
        int n = 20000;
        var obs = new float[n * 4];
        for (int i = 0; i < n; i++) Probe.AsSpan(0, 4).CopyTo(obs.AsSpan(i * 4));
        var a = new float[n];
        var logp = new float[n];
        sampler.Act(obs, n, false, new Rng(7), a, logProbs: logp);
        double p1 = Math.Exp(logp[Array.IndexOf(a, 1f)]);
        double freq = a.Count(x => x == 1f) / (double)n;
        // Binomial standard error at n = 20000 is ≤ 0.0036; allow 4 of them.
        Assert.InRange(freq, p1 - 0.015, p1 + 0.015);
        var greedy = new float[1];
        sampler.Act(obs.AsSpan(0, 4), 1, true, new Rng(7), greedy);
        Assert.Equal(p1 > 0.5 ? 1f : 0f, greedy[0]);
    }

    /// <summary>CartPole whose reward turns NaN from a given step on.</summary>
    private sealed class NanRewardEnv(int fromStep) : Astromech.Envs.Wrappers.Wrapper(EnvRegistry.Make("CartPole-v1"))
    {
        private int _steps;
        public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
        {
            var r = base.Step(action, obs);
            return ++_steps >= fromStep ? r with { Reward = double.NaN } : r;
        }
    }

    [Theory]
    [InlineData("ppo")]
    [InlineData("a2c")]
    [InlineData("impala")]
    public void ANaNLossStopsTheRunNamingTheStepAndTermAndKeepsTheLastGoodCheckpoint(string algo)
    {
        using var dir = new TempDir();
        var info = Algorithms.Get(algo);
        object cfg = algo switch
        {
            "ppo" => new PpoConfig { NumEnvs = 1, NSteps = 32, BatchSize = 32, NEpochs = 1 },
            "a2c" => new A2cConfig { NumEnvs = 1, NSteps = 8 },
            _ => new ImpalaConfig { Actors = 1, NumEnvs = 1, NSteps = 8, BatchSize = 1, QueueCapacity = 1 },
        };
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 1);
        var o = Options(dir.Path, 10_000) with { CheckpointInterval = 100 };
        var e = Assert.Throws<NonFiniteLossException>(() => Trainer.Run(agent, () => new NanRewardEnv(300), o));
        Assert.Contains(algo, e.Message);
        Assert.Contains("env step", e.Message);
        Assert.True(e.Term is "policy_loss" or "value_loss", e.Term);
        Assert.InRange(e.EnvSteps, 300, 400);
        // The checkpoint on disk is the last one written before the NaN, and it is whole.
        var ckpt = CheckpointFile.Read(Path.Combine(dir.Path, "checkpoint.ckpt"));
        long saved = (long)ckpt.GetJsonNode("trainer/meta")["env_steps"]!;
        // Written before the failing update; IMPALA's actors may have run a few steps into the NaN rewards by
        // then, but no update had used them, so the parameters it holds are still finite.
        Assert.InRange(saved, 100, e.EnvSteps);
        using var restored = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 2);
        restored.Load(ckpt);
        Assert.All(Actions(restored, Probe, deterministic: false), a => Assert.True(float.IsFinite(a)));
    }

    [Fact]
    public void ActionKindMismatchNamesTheAlgorithmTheEnvAndItsSpace()
    {
        using var pendulum = EnvRegistry.Make("Pendulum-v1");
        var e = Assert.Throws<ArgumentException>(() => Algorithms.Get("dqn").EnsureSupports("Pendulum-v1", pendulum.ActionSpace));
        Assert.Contains("'dqn'", e.Message);
        Assert.Contains("Pendulum-v1", e.Message);
        Assert.Contains("Box", e.Message);
        Algorithms.Get("ppo").EnsureSupports("Pendulum-v1", pendulum.ActionSpace);
    }

    [Theory]
    [InlineData("a3c")]
    [InlineData("impala")]
    public void AConcurrentAgentRunsToItsBudgetReportsEpisodesAndRestoresFromItsCheckpoint(string algo)
    {
        using var dir = new TempDir();
        var info = Algorithms.Get(algo);
        object cfg = algo == "a3c" ? new A3cConfig { Workers = 2, NumEnvs = 2 } : new ImpalaConfig { Actors = 2, NumEnvs = 2, NSteps = 10 };
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 1);
        var summary = Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), Options(dir.Path, 3000) with { EvalInterval = 1000 });
        Assert.InRange(summary.EnvSteps, 3000, 3000 + 2 * 2 * 20);
        Assert.True(summary.Episodes > 0);
        var ckpt = CheckpointFile.Read(summary.Checkpoint);
        using var restored = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 42);
        restored.Load(ckpt);
        Assert.Equal(Actions(agent, Probe), Actions(restored, Probe));
        Assert.True(File.Exists(Path.Combine(dir.Path, "checkpoint.best.ckpt")));
    }

    [Fact]
    public void ImpalaRecordsThePolicyLagOfEveryUnroll()
    {
        using var dir = new TempDir();
        using var env = EnvRegistry.Make("CartPole-v1");
        var cfg = new ImpalaConfig { Actors = 2, NumEnvs = 2, NSteps = 10, ParamSyncInterval = 4 };
        using var agent = new ImpalaAgent(cfg, env.ObservationSpace, env.ActionSpace, 1);
        Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), Options(dir.Path, 4000));
        // Actors pull parameters only every 4th unroll, so most unrolls were made by an older policy.
        Assert.True(agent.MeanPolicyLag >= 1, $"mean lag {agent.MeanPolicyLag}");
        Assert.True(agent.MaxPolicyLag >= agent.MeanPolicyLag);
        Assert.True(agent.Updates > 0);
    }
}
