using Astromech.Agents.Dqn;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using TorchSharp;

namespace Astromech.Tests.Agents;

public class DqnAgentTests
{
    private static DqnConfig Small => new()
    {
        LearningRate = 1e-3, BatchSize = 32, BufferSize = 5000, LearningStarts = 200, TrainFreq = 4,
        TargetUpdateInterval = 100, Hidden = new[] { 32, 32 }, NumEnvs = 2,
    };

    private static IEnv CartPole() => EnvRegistry.Make("CartPole-v1");

    private static void Drive(DqnAgent agent, int vectorSteps, int seed)
    {
        // A bare loop over the agent's IAgent surface, as the trainer drives it.
        var envs = Enumerable.Range(0, agent.NumEnvs).Select(_ => CartPole()).ToArray();
        int obs = 4, n = envs.Length;
        var o = new float[n * obs];
        var next = new float[n * obs];
        var a = new float[n];
        var r = new float[n];
        var term = new bool[n];
        var trunc = new bool[n];
        for (int i = 0; i < n; i++) envs[i].Reset(o.AsSpan(i * obs, obs), seed + i);
        for (int t = 1; t <= vectorSteps; t++)
        {
            var p = new Progress((long)t * n, (long)vectorSteps * n);
            agent.Act(o, a, p, deterministic: false);
            for (int i = 0; i < n; i++)
            {
                var res = envs[i].Step(a.AsSpan(i, 1), next.AsSpan(i * obs, obs));
                r[i] = (float)res.Reward; term[i] = res.Terminated; trunc[i] = res.Truncated;
            }
            agent.Observe(new VectorTransition { Observations = o, Actions = a, Rewards = r, Terminated = term, Truncated = trunc, NextObservations = next }, p);
            agent.MaybeUpdate(p);
            Array.Copy(next, o, o.Length);
            for (int i = 0; i < n; i++)
                if (term[i] || trunc[i]) envs[i].Reset(o.AsSpan(i * obs, obs));
        }
    }

    [Fact]
    public void OneUpdatePerEnvStepDoesNotCountTheWarmUp()
    {
        using var env = CartPole();
        var cfg = Small with { GradientSteps = -1, LearningStarts = 300, TrainFreq = 4, NumEnvs = 1 };
        using var agent = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 5);
        Drive(agent, 400, seed: 5);
        // Updates start at step 300: one per env step from there on, not 300 at once.
        Assert.InRange(agent.Learner.Updates, 95, 101);
    }

    [Fact]
    public void TrainFreqHoldsWhenCopiesDoNotDivideIt()
    {
        using var env = CartPole();
        var cfg = Small with { GradientSteps = 1, LearningStarts = 300, TrainFreq = 4, NumEnvs = 3 };
        using var agent = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, seed: 5);
        Drive(agent, 400, seed: 5); // 1,200 env steps: one update per 4 steps after step 300 → ~225
        Assert.InRange(agent.Learner.Updates, 223, 227);
    }

    [Fact]
    public void RejectsContinuousActionSpace()
    {
        using var env = EnvRegistry.Make("Pendulum-v1");
        var e = Assert.Throws<ArgumentException>(() => new DqnAgent(new DqnConfig(), env.ObservationSpace, env.ActionSpace, 0));
        Assert.Contains("Discrete", e.Message);
        Assert.Contains("Box", e.Message);
    }

    [Fact]
    public void SameSeedGivesBitIdenticalRuns()
    {
        torch.set_num_threads(1);
        float[] Run()
        {
            using var env = CartPole();
            using var agent = new DqnAgent(Small with { DoubleQ = true, Prioritized = true, NStep = 3 }, env.ObservationSpace, env.ActionSpace, seed: 7);
            Drive(agent, 600, seed: 7);
            return agent.QValues(new float[] { 0.01f, -0.02f, 0.03f, 0.04f });
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void LiveTensorCountStaysFlatOverThousandsOfSteps()
    {
        torch.set_num_threads(1);
        using var env = CartPole();
        using var agent = new DqnAgent(Small with { DoubleQ = true, Dueling = true, Prioritized = true, ValueRescaling = true }, env.ObservationSpace, env.ActionSpace, seed: 3);
        Drive(agent, 500, seed: 3); // warm up: replay fills, optimizer state exists
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Drive(agent, 2000, seed: 4); // 4000 env steps, ~1000 updates, 2000 batched forward passes
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after}");
    }

    [Fact]
    public void CheckpointRestoresQValuesAndRejectsOtherShape()
    {
        using var env = CartPole();
        var dir = Directory.CreateTempSubdirectory("astromech-dqn-").FullName;
        string path = Path.Combine(dir, "agent.ckpt");
        var probe = new float[] { 0.1f, 0.2f, -0.1f, 0.0f };
        float[] expected;
        using (var agent = new DqnAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 1))
        {
            Drive(agent, 400, seed: 1);
            expected = agent.QValues(probe);
            var c = new Checkpoint();
            agent.Save(c);
            CheckpointFile.Write(path, c);
        }
        using (var restored = new DqnAgent(Small, env.ObservationSpace, env.ActionSpace, seed: 99))
        {
            restored.Load(CheckpointFile.Read(path));
            Assert.Equal(expected, restored.QValues(probe));
            Assert.Equal(400 * 2, restored.Replay.Count);
        }
        using var other = new DqnAgent(Small with { Hidden = new[] { 16 } }, env.ObservationSpace, env.ActionSpace, seed: 1);
        var e = Assert.Throws<CheckpointException>(() => other.Load(CheckpointFile.Read(path)));
        Assert.Contains("hidden", e.Message);
    }
}
