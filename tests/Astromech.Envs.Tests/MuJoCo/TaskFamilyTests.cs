using Astromech.Envs.Meta;
using Astromech.Envs.MuJoCo;
using Astromech.Envs.Registry;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests.MuJoCo;

public class TaskFamilyTests
{
    private static T Inner<T>(IEnv env) where T : class => (T)((Wrapper)env).Unwrapped;

    [Fact]
    public void VelocityTaskRewardIsMinusTheSpeedErrorMinusControlCost()
    {
        using var env = EnvRegistry.Make("HalfCheetahVel-v0", new Dictionary<string, string> { ["goal_velocity"] = "1.5" });
        var vel = Inner<HalfCheetahVel>(env);
        var obs = new float[17];
        env.Reset(obs, seed: 0);
        Assert.Equal(new[] { 1.5 }, vel.CurrentTask);
        var rng = new Rng(2);
        var a = new float[6];
        for (int t = 0; t < 20; t++)
        {
            env.ActionSpace.Sample(rng, a);
            double x = vel.Data.Qpos[0];
            var r = env.Step(a, obs);
            double v = (vel.Data.Qpos[0] - x) / 0.05;
            Assert.Equal(-Math.Abs(v - 1.5) - 0.05 * a.Sum(u => (double)u * u), r.Reward, 12);
            Assert.Equal(1.5, ((StepInfo)r.Info!).Get("goal_velocity"));
        }
    }

    [Fact]
    public void DirectionTaskRewardsSignedVelocity()
    {
        using var env = EnvRegistry.Make("HalfCheetahDir-v0");
        var dir = Inner<HalfCheetahDir>(env);
        dir.SetTask(new[] { -1.0 });
        var obs = new float[17];
        env.Reset(obs, seed: 0);
        var a = new float[] { 0.5f, -0.5f, 0.2f, 0.1f, 0.3f, -0.4f };
        double x = dir.Data.Qpos[0];
        var r = env.Step(a, obs);
        double v = (dir.Data.Qpos[0] - x) / 0.05;
        Assert.Equal(-v - 0.05 * a.Sum(u => (double)u * u), r.Reward, 12);
        Assert.Equal(-1.0, dir.Direction);
    }

    [Fact]
    public void TasksAreSampledFromTheirDistributionsAndAreValidated()
    {
        var rng = new Rng(0);
        using var vel = new HalfCheetahVel();
        var goals = ((ITaskFamily)vel).SampleTasks(rng, 2000).Select(t => t[0]).ToArray();
        Assert.All(goals, g => Assert.InRange(g, 0.0, 2.0));
        Assert.InRange(goals.Average(), 0.95, 1.05);
        using var dir = new HalfCheetahDir();
        var dirs = ((ITaskFamily)dir).SampleTasks(rng, 2000).Select(t => t[0]).ToArray();
        Assert.All(dirs, d => Assert.True(d is 1.0 or -1.0));
        Assert.InRange(dirs.Count(d => d > 0), 900, 1100);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => vel.SetTask(new[] { 2.5 }));
        Assert.Contains("goal_velocity", e.Message);
        Assert.Contains("direction", Assert.Throws<ArgumentOutOfRangeException>(() => dir.SetTask(new[] { 0.5 })).Message);
        Assert.Throws<ArgumentException>(() => vel.SetTask(new[] { 1.0, 2.0 }));
        Assert.Contains("goal_velocity", Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("HalfCheetahVel-v0", new Dictionary<string, string> { ["goal_velocity"] = "-1" })).Message);
    }

    [Fact]
    public void ASeededResetFixesTheTaskAndResamplingDrawsNewOnes()
    {
        double TaskAfterReset(int seed)
        {
            using var env = new HalfCheetahVel();
            Assert.Null(env.CurrentTask);
            env.Reset(new float[17], seed);
            return env.CurrentTask![0];
        }
        Assert.Equal(TaskAfterReset(11), TaskAfterReset(11));
        Assert.NotEqual(TaskAfterReset(11), TaskAfterReset(12));

        using var kept = new HalfCheetahVel();
        kept.Reset(new float[17], 1);
        double first = kept.GoalVelocity;
        for (int i = 0; i < 5; i++) kept.Reset(new float[17]);
        Assert.Equal(first, kept.GoalVelocity);

        using var resampled = new HalfCheetahVel { ResampleTaskOnReset = true };
        var seen = new HashSet<double>();
        for (int i = 0; i < 5; i++) { resampled.Reset(new float[17], i == 0 ? 1 : null); seen.Add(resampled.GoalVelocity); }
        Assert.Equal(5, seen.Count);
    }
}
