using Astromech.Envs.ClassicControl;
using Astromech.Envs.MultiTask;
using Astromech.Envs.Registry;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests;

public class MultiTaskEnvTests
{
    private const string Id = "CartPoleMultiTask-v0";

    private static MultiTaskEnv Inner(IEnv env) => (MultiTaskEnv)((Wrapper)env).Unwrapped;

    /// <summary>The task ids of <paramref name="episodes"/> episodes after Reset(seed), read from the observation's last feature.</summary>
    private static int[] Tasks(IEnv env, int seed, int episodes)
    {
        var obs = new float[env.ObservationSpace.FlatSize];
        var tasks = new int[episodes];
        for (int e = 0; e < episodes; e++)
        {
            var info = env.Reset(obs, e == 0 ? seed : null);
            tasks[e] = (int)obs[4];
            Assert.Equal(tasks[e], (int)info!["task"]);
            Assert.Equal(tasks[e], Inner(env).CurrentTask);
            StepResult r;
            do
            {
                r = env.Step(0, obs);
                Assert.Equal(tasks[e], obs[4]);
                Assert.Equal(tasks[e], (int)r.Info!["task"]);
            } while (!r.Done);
        }
        return tasks;
    }

    [Fact]
    public void TaskSequenceIsFixedBySeedAndCoversEveryTask()
    {
        using var a = EnvRegistry.Make(Id);
        using var b = EnvRegistry.Make(Id);
        var ta = Tasks(a, 7, 60);
        Assert.Equal(ta, Tasks(b, 7, 60));
        Assert.NotEqual(ta, Tasks(b, 8, 60));
        for (int k = 0; k < 3; k++) Assert.InRange(ta.Count(t => t == k), 10, 30); // uniform: 20 expected of 60
        // Equal seeds give equal observations, not just equal tasks.
        Assert.Equal(a.Reset(seed: 3), b.Reset(seed: 3));
    }

    [Fact]
    public void SpacesAppendTheTaskIdFeature()
    {
        using var env = EnvRegistry.Make(Id);
        var box = Assert.IsType<Astromech.Envs.Spaces.Box>(env.ObservationSpace);
        Assert.Equal(5, box.FlatSize);
        Assert.Equal(new float[] { 0, 2 }, new[] { box.Low[4], box.High[4] });
        Assert.Equal("Discrete(2)", env.ActionSpace.ToString());
        Assert.Equal(4, Inner(env).TaskIndex);
        Assert.Equal(200, env.Spec!.MaxEpisodeSteps);
    }

    [Theory]
    [InlineData(0, -1)] // standard: action 0 pushes left, the cart's velocity decreases
    [InlineData(1, +1)] // mirrored: action 0 pushes right
    [InlineData(2, -1)]
    public void FixedTaskRunsThatVariantsDynamics(int task, int sign)
    {
        using var env = EnvRegistry.Make(Id, new Dictionary<string, string> { ["task"] = task.ToString() });
        Assert.All(Tasks(env, 1, 5), t => Assert.Equal(task, t));
        var obs = env.Reset(seed: 2);
        var (next, _) = env.Step(0);
        Assert.Equal(sign, Math.Sign(next[1] - obs[1]));
        Assert.Equal(task == 2 ? 1.0 : 0.5, ((CartPole)Inner(env).Task(task)).Length);
    }

    [Fact]
    public void EpisodesOfTheLongPoleTaskDifferFromTheStandardOnes()
    {
        // Same inner seed sequence, different physics: the pole's angular acceleration differs after one push.
        using var s = EnvRegistry.Make(Id, new Dictionary<string, string> { ["task"] = "0" });
        using var l = EnvRegistry.Make(Id, new Dictionary<string, string> { ["task"] = "2" });
        var o0 = s.Reset(seed: 5);
        var o2 = l.Reset(seed: 5);
        Assert.Equal(o0[..4], o2[..4]);
        var (n0, _) = s.Step(1);
        var (n2, _) = l.Step(1);
        Assert.NotEqual(n0[3], n2[3]);
    }

    [Fact]
    public void BadTasksAreRejectedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => EnvRegistry.Make(Id, new Dictionary<string, string> { ["task"] = "3" }));
        Assert.Contains("task", e.Message);
        Assert.Contains("[0, 2]", e.Message);
        var a = Assert.Throws<ArgumentException>(() => new MultiTaskEnv(new IEnv[] { new CartPole(), new MountainCar() }, new[] { "cartpole", "car" }));
        Assert.Contains("car", a.Message);
        Assert.Contains("Discrete(3)", a.Message);
        Assert.Throws<ArgumentException>(() => new MultiTaskEnv(new IEnv[] { new CartPole() }, new[] { "one" }));
    }
}
