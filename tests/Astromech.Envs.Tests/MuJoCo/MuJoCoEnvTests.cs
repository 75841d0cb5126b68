using Astromech.Envs.Checking;
using Astromech.Envs.Meta;
using Astromech.Envs.MuJoCo;
using Astromech.Envs.Registry;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests.MuJoCo;

/// <summary>The v5 envs against Gymnasium's definitions: spaces, determinism, reward terms, reset noise, termination.</summary>
public class MuJoCoEnvTests
{
    public static TheoryData<string> Ids() => new()
    {
        "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "Ant-v5", "InvertedPendulum-v5", "HalfCheetahVel-v0", "HalfCheetahDir-v0",
    };

    private static T Inner<T>(IEnv env) where T : class => (T)(env is Wrapper w ? w.Unwrapped : env);

    [Theory]
    [InlineData("HalfCheetah-v5", 17, 6, 1000)]
    [InlineData("Hopper-v5", 11, 3, 1000)]
    [InlineData("Walker2d-v5", 17, 6, 1000)]
    [InlineData("Ant-v5", 105, 8, 1000)]
    [InlineData("InvertedPendulum-v5", 4, 1, 1000)]
    [InlineData("HalfCheetahVel-v0", 17, 6, 200)]
    public void SpacesAndLimitsAreGymnasiums(string id, int obs, int act, int limit)
    {
        using var env = EnvRegistry.Make(id);
        Assert.Equal(obs, env.ObservationSpace.FlatSize);
        Assert.Equal(act, env.ActionSpace.FlatSize);
        Assert.Equal(limit, env.Spec!.MaxEpisodeSteps);
        var box = (Astromech.Envs.Spaces.Box)env.ActionSpace;
        float bound = id == "InvertedPendulum-v5" ? 3f : 1f;
        Assert.All(box.Low, l => Assert.Equal(-bound, l));
        Assert.All(box.High, h => Assert.Equal(bound, h));
    }

    [Theory]
    [InlineData("HalfCheetah-v5", "exclude_current_positions_from_observation=false", 18)]
    [InlineData("Hopper-v5", "exclude_current_positions_from_observation=false", 12)]
    [InlineData("Ant-v5", "include_cfrc_ext_in_observation=false", 27)]
    [InlineData("Ant-v5", "exclude_current_positions_from_observation=false", 107)]
    public void EnvArgsReshapeTheObservation(string id, string arg, int size)
    {
        var kv = arg.Split('=');
        using var env = EnvRegistry.Make(id, new Dictionary<string, string> { [kv[0]] = kv[1] });
        Assert.Equal(size, env.ObservationSpace.FlatSize);
        var obs = new float[size];
        env.Reset(obs, seed: 1);
        env.Step(new float[env.ActionSpace.FlatSize], obs);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void AZeroActionRolloutFromASeedIsDeterministic(string id)
    {
        (float[] Obs, double[] Rewards) Roll()
        {
            using var env = EnvRegistry.Make(id);
            int n = env.ObservationSpace.FlatSize;
            var zero = new float[env.ActionSpace.FlatSize];
            var trace = new List<float>();
            var rewards = new List<double>();
            var obs = new float[n];
            env.Reset(obs, seed: 42);
            trace.AddRange(obs);
            for (int t = 0; t < 150; t++)
            {
                var r = env.Step(zero, obs);
                trace.AddRange(obs);
                rewards.Add(r.Reward);
                if (r.Done) break;
            }
            return (trace.ToArray(), rewards.ToArray());
        }
        var a = Roll();
        var b = Roll();
        Assert.Equal(a.Obs, b.Obs);
        Assert.Equal(a.Rewards, b.Rewards);
        Assert.True(a.Rewards.Length > 5);
        Assert.Contains(a.Obs, o => o != 0f);
    }

    [Fact]
    public void HalfCheetahRewardIsForwardVelocityMinusControlCost()
    {
        using var env = EnvRegistry.Make("HalfCheetah-v5");
        var cheetah = Inner<HalfCheetah>(env);
        var obs = new float[17];
        env.Reset(obs, seed: 5);
        var rng = new Rng(9);
        var action = new float[6];
        for (int t = 0; t < 30; t++)
        {
            env.ActionSpace.Sample(rng, action);
            double xBefore = cheetah.Data.Qpos[0];
            var r = env.Step(action, obs);
            double xAfter = cheetah.Data.Qpos[0];
            double v = (xAfter - xBefore) / 0.05;
            double ctrl = 0.1 * action.Sum(a => (double)a * a);
            Assert.Equal(v - ctrl, r.Reward, 12);
            var info = (StepInfo)r.Info!;
            Assert.Equal(v, info.Get("x_velocity"), 12);
            Assert.Equal(v, info.Get("reward_forward"), 12);
            Assert.Equal(-ctrl, info.Get("reward_ctrl"), 12);
            Assert.Equal(xAfter, info.Get("x_position"));
            // observation = qpos[1:] ++ qvel
            for (int i = 1; i < 9; i++) Assert.Equal((float)cheetah.Data.Qpos[i], obs[i - 1]);
            for (int i = 0; i < 9; i++) Assert.Equal((float)cheetah.Data.Qvel[i], obs[8 + i]);
            Assert.False(r.Terminated);
        }
        Assert.Equal(0.05, cheetah.Dt, 15);
    }

    [Theory]
    [InlineData("Hopper-v5")]
    [InlineData("Walker2d-v5")]
    public void WalkerRewardIsHealthyPlusForwardMinusControlCost(string id)
    {
        using var env = EnvRegistry.Make(id);
        var w = Inner<LeggedWalker>(env);
        int n = env.ObservationSpace.FlatSize;
        var obs = new float[n];
        env.Reset(obs, seed: 2);
        var action = new float[env.ActionSpace.FlatSize];
        var rng = new Rng(4);
        for (int t = 0; t < 20; t++)
        {
            env.ActionSpace.Sample(rng, action);
            double xBefore = w.Data.Qpos[0];
            var r = env.Step(action, obs);
            double v = (w.Data.Qpos[0] - xBefore) / 0.008;
            double ctrl = 1e-3 * action.Sum(a => (double)a * a);
            double healthy = w.IsHealthy ? 1.0 : 0.0;
            Assert.Equal(healthy + v - ctrl, r.Reward, 12);
            Assert.Equal(healthy, ((StepInfo)r.Info!).Get("reward_survive"));
            int nq = w.Model.Nq;
            for (int i = 0; i < w.Model.Nv; i++) Assert.Equal((float)Math.Clamp(w.Data.Qvel[i], -10, 10), obs[nq - 1 + i]);
            if (r.Done) break;
        }
    }

    [Fact]
    public void AntRewardIncludesTheClippedContactCost()
    {
        using var env = EnvRegistry.Make("Ant-v5");
        var ant = Inner<Ant>(env);
        var obs = new float[105];
        env.Reset(obs, seed: 3);
        Assert.All(obs.AsSpan(27).ToArray(), f => Assert.Equal(0f, f)); // reset observation: no contact forces yet
        var action = new float[8];
        var rng = new Rng(1);
        bool sawContact = false;
        for (int t = 0; t < 40; t++)
        {
            env.ActionSpace.Sample(rng, action);
            double xBefore = ant.Data.Xpos[3], yBefore = ant.Data.Xpos[4];
            var r = env.Step(action, obs);
            double vx = (ant.Data.Xpos[3] - xBefore) / 0.05;
            double contact = 0;
            foreach (double f in ant.Data.CfrcExt) contact += Math.Pow(Math.Clamp(f, -1, 1), 2);
            sawContact |= contact > 0;
            double ctrl = 0.5 * action.Sum(a => (double)a * a);
            double healthy = ant.IsHealthy ? 1 : 0;
            Assert.Equal(healthy + vx - ctrl - 5e-4 * contact, r.Reward, 12);
            var info = (StepInfo)r.Info!;
            Assert.Equal(-5e-4 * contact, info.Get("reward_contact"), 12);
            Assert.Equal((ant.Data.Xpos[4] - yBefore) / 0.05, info.Get("y_velocity"), 12);
            for (int i = 0; i < 78; i++) Assert.Equal((float)Math.Clamp(ant.Data.CfrcExt[6 + i], -1, 1), obs[27 + i]);
            if (r.Done) break;
        }
        Assert.True(sawContact, "the ant's feet touch the floor, so cfrc_ext must be non-zero");
    }

    [Fact]
    public void InvertedPendulumPaysOnePerUprightStepAndTerminatesPastPointTwo()
    {
        using var env = EnvRegistry.Make("InvertedPendulum-v5");
        var obs = new float[4];
        env.Reset(obs, seed: 0);
        var push = new[] { 3f };
        int steps = 0;
        StepResult r;
        do
        {
            r = env.Step(push, obs);
            steps++;
            Assert.Equal(Math.Abs(obs[1]) > 0.2 ? 0.0 : 1.0, r.Reward);
        } while (!r.Done);
        Assert.True(r.Terminated);
        Assert.True(Math.Abs(obs[1]) > 0.2);
        Assert.Equal(0.0, r.Reward);
        Assert.True(steps < 100, $"a constant full push topples the pole quickly ({steps} steps)");
    }

    [Theory]
    [InlineData("HalfCheetah-v5", 0.1, true)]
    [InlineData("Hopper-v5", 0.005, false)]
    [InlineData("Walker2d-v5", 0.005, false)]
    [InlineData("Ant-v5", 0.1, true)]
    [InlineData("InvertedPendulum-v5", 0.01, false)]
    public void ResetNoiseStaysWithinItsScale(string id, double scale, bool normalVelocities)
    {
        using var env = EnvRegistry.Make(id);
        var e = Inner<MuJoCoEnv>(env);
        var obs = new float[env.ObservationSpace.FlatSize];
        var init = e.Model.Qpos0.ToArray();
        var velocities = new List<double>();
        for (int seed = 0; seed < 200; seed++)
        {
            env.Reset(obs, seed);
            var qpos = e.Data.Qpos;
            for (int i = 0; i < qpos.Length; i++)
            {
                if (e is Ant && i is >= 3 and <= 6) continue; // the free joint's quaternion: mj_forward renormalizes it
                Assert.InRange(qpos[i] - init[i], -scale, scale);
            }
            if (e is Ant)
                Assert.Equal(1.0, Math.Sqrt(qpos[3] * qpos[3] + qpos[4] * qpos[4] + qpos[5] * qpos[5] + qpos[6] * qpos[6]), 12);
            velocities.AddRange(e.Data.Qvel.ToArray());
        }
        double max = velocities.Max(Math.Abs);
        double std = Math.Sqrt(velocities.Average(v => v * v));
        if (normalVelocities)
        {
            Assert.InRange(std, 0.9 * scale, 1.1 * scale); // N(0, scale²)
            Assert.True(max > scale, "normal noise exceeds one standard deviation somewhere");
        }
        else
        {
            Assert.True(max <= scale);
            Assert.InRange(std, 0.9 * scale / Math.Sqrt(3), 1.1 * scale / Math.Sqrt(3)); // U(±scale)
        }
    }

    [Theory]
    [InlineData("Hopper-v5")]
    [InlineData("Walker2d-v5")]
    public void AWalkerThatFallsTerminatesUnlessToldNotTo(string id)
    {
        using var env = EnvRegistry.Make(id);
        var w = Inner<LeggedWalker>(env);
        var obs = new float[env.ObservationSpace.FlatSize];
        env.Reset(obs, seed: 0);
        var zero = new float[env.ActionSpace.FlatSize];
        int t = 0;
        StepResult r;
        do { r = env.Step(zero, obs); t++; } while (!r.Done);
        Assert.True(r.Terminated, $"{id} without torques falls over before the time limit");
        Assert.False(w.IsHealthy);
        double z = w.Data.Qpos[1], angle = w.Data.Qpos[2];
        Assert.True(!(w.HealthyZMin < z && z < w.HealthyZMax) || !(w.HealthyAngleMin < angle && angle < w.HealthyAngleMax));
        Assert.Equal(0.0, ((StepInfo)r.Info!).Get("reward_survive"));

        using var keepGoing = EnvRegistry.Make(id, new Dictionary<string, string> { ["terminate_when_unhealthy"] = "false" });
        keepGoing.Reset(obs, seed: 0);
        for (int i = 0; i < t + 20; i++) Assert.False(keepGoing.Step(zero, obs).Terminated);
    }

    [Fact]
    public void HopperIsUnhealthyWhenAStateElementLeavesItsRange()
    {
        using var env = EnvRegistry.Make("Hopper-v5");
        var h = Inner<Hopper>(env);
        env.Reset(new float[11], seed: 0);
        Assert.True(h.IsHealthy);
        h.Data.Qvel[4] = 150; // a joint velocity beyond healthy_state_range
        Assert.False(h.IsHealthy);
        h.Data.Qvel[4] = 0;
        h.Data.Qpos[1] = 0.69; // below healthy_z_range
        Assert.False(h.IsHealthy);
    }

    [Fact]
    public void AntOutsideItsHeightRangeTerminatesAtOnce()
    {
        using var env = EnvRegistry.Make("Ant-v5", new Dictionary<string, string> { ["healthy_z_max"] = "0.5" });
        var obs = new float[105];
        env.Reset(obs, seed: 0); // z ≈ 0.75 ± 0.1
        var r = env.Step(new float[8], obs);
        Assert.True(r.Terminated);
        Assert.Equal(0.0, ((StepInfo)r.Info!).Get("reward_survive"));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void PassesTheEnvChecker(string id)
    {
        using var env = EnvRegistry.Make(id);
        EnvChecker.EnsureValid(env, seed: 7, steps: 300);
    }

    [Fact]
    public void StepInfoIsReusedAndSnapshotsAreStable()
    {
        using var env = EnvRegistry.Make("HalfCheetah-v5");
        var obs = new float[17];
        env.Reset(obs, seed: 0);
        var a = new float[] { 1, -1, 1, -1, 1, -1 };
        var first = env.Step(a, obs).Info!;
        var snap = ((StepInfo)first).Snapshot();
        var second = env.Step(a, obs).Info!;
        Assert.Same(first, second);
        Assert.Equal(snap["x_position"], snap["x_position"]);
        Assert.NotEqual((double)snap["x_position"], ((StepInfo)second).Get("x_position"));
        Assert.Throws<KeyNotFoundException>(() => ((StepInfo)second).Get("nope"));
    }
}
