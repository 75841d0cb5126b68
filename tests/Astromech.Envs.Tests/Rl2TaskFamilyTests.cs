using Astromech.Envs.Meta;
using Astromech.Envs.Meta.Baselines;
using Astromech.Envs.Registry;
using Astromech.Envs.Vector;

namespace Astromech.Envs.Tests.Rl2;

public class Rl2TaskFamilyTests
{
    private static TrialWrapper Trials(string id, int n) => new(EnvRegistry.Make(id), n);

    [Fact]
    public void TaskDrawsAreSeededAndAHeldTaskSurvivesResets()
    {
        var a = new BernoulliBandit(5);
        var t1 = a.SampleTask(new Rng(3));
        var t2 = a.SampleTask(new Rng(3));
        Assert.Equal(t1, t2);
        Assert.NotEqual(t1, a.SampleTask(new Rng(4)));
        Assert.All(t1, p => Assert.InRange(p, 0, 1));
        a.SetTask(t1);
        for (int i = 0; i < 3; i++) { a.Reset(seed: i); a.Step(0); }
        Assert.Equal(t1, a.CurrentTask);

        var d = new BernoulliBandit(2, BanditPrior.Dependent);
        var td = d.SampleTask(new Rng(1));
        Assert.Equal(1.0, td[0] + td[1], 12);
        Assert.Throws<ArgumentException>(() => d.SetTask(new[] { 0.3, 0.3 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => a.SetTask(new[] { 0.1, 0.2, 1.5, 0, 0 }));
        Assert.Contains("arm 2", e.Message);
    }

    [Fact]
    public void BanditArmsPayWithTheirMeans()
    {
        var env = new BernoulliBandit(2);
        env.SetTask(new[] { 0.2, 0.9 });
        env.Reset(seed: 0);
        double s0 = 0, s1 = 0;
        const int pulls = 20_000;
        for (int i = 0; i < pulls; i++)
        {
            env.Reset();
            s0 += env.Step(0).Result.Reward;
            env.Reset();
            var (_, r) = env.Step(1);
            Assert.True(r.Terminated);
            s1 += r.Reward;
        }
        // 4 standard errors of a Bernoulli mean.
        Assert.InRange(s0 / pulls, 0.2 - 4 * Math.Sqrt(0.16 / pulls), 0.2 + 4 * Math.Sqrt(0.16 / pulls));
        Assert.InRange(s1 / pulls, 0.9 - 4 * Math.Sqrt(0.09 / pulls), 0.9 + 4 * Math.Sqrt(0.09 / pulls));
    }

    [Fact]
    public void InformativeArmRevealsTheTarget()
    {
        var env = new InformativeArmBandit();
        env.SetTask(new double[] { 6 });
        env.Reset(seed: 0);
        Assert.Equal(0.7, env.Step(10).Result.Reward, 12);
        env.Reset();
        Assert.Equal(5.0, env.Step(6).Result.Reward);
        env.Reset();
        Assert.Equal(1.0, env.Step(2).Result.Reward);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.SetTask(new double[] { 10 }));
    }

    [Fact]
    public void TabularMdpTasksFollowThePriorAndEpisodesLastTheHorizon()
    {
        var env = new TabularMdp(4, 3, 7);
        var rng = new Rng(5);
        var task = env.SampleTask(rng);
        env.SetTask(task);
        for (int s = 0; s < 4; s++)
            for (int a = 0; a < 3; a++)
            {
                double sum = 0;
                for (int j = 0; j < 4; j++) sum += env.Transition(s, a, j);
                Assert.Equal(1.0, sum, 9);
            }
        // Mean rewards ~ N(1, 1): the mean of 20,000 draws lies within 4 standard errors of 1.
        double m = 0;
        const int draws = 2000;
        for (int i = 0; i < draws; i++) m += env.SampleTask(rng)[..12].Average();
        m /= draws;
        Assert.InRange(m, 1 - 4 / Math.Sqrt(12.0 * draws), 1 + 4 / Math.Sqrt(12.0 * draws));

        var obs = env.Reset(seed: 1);
        Assert.Equal(new float[] { 1, 0, 0, 0 }, obs);
        for (int t = 1; t <= 7; t++)
        {
            var (o, r) = env.Step(t % 3);
            Assert.Equal(1f, o.Sum());
            Assert.False(r.Terminated);
            Assert.Equal(t == 7, r.Truncated);
        }
        Assert.Throws<ArgumentException>(() => env.SetTask(task[..10]));
    }

    [Fact]
    public void TrialWrapperHoldsOneTaskForNEpisodesAndFeedsBackActionRewardAndDone()
    {
        using var trials = Trials("Bandit-k5", 10);
        Assert.Equal(1 + 5 + 2, trials.ObservationSpace.FlatSize);
        var obs = trials.Reset(seed: 7);
        Assert.Equal(new float[8], obs);
        var task = trials.Task!;
        double sum = 0;
        for (int t = 1; t <= 10; t++)
        {
            int a = t % 5;
            var (o, r) = trials.Step(a);
            sum += r.Reward;
            Assert.Equal(t == 10, r.Terminated);
            Assert.False(r.Truncated);
            for (int i = 0; i < 5; i++) Assert.Equal(i == a ? 1f : 0f, o[1 + i]);
            Assert.Equal((float)r.Reward, o[6]);
            Assert.Equal(1f, o[7]); // every pull ends an inner episode
            Assert.Equal(task, trials.Task);
            Assert.Equal(t, trials.EpisodesDone);
        }
        Assert.Equal(sum, trials.EpisodeReturns.ToArray().Sum());
        Assert.Throws<InvalidOperationException>(() => trials.Step(0));

        trials.Reset();
        Assert.NotEqual(task, trials.Task);
        trials.Reset(seed: 7);
        Assert.Equal(task, trials.Task);
        trials.NextTask = new[] { 0.0, 0.0, 1.0, 0.0, 0.0 };
        trials.Reset();
        Assert.Equal(1.0, trials.Step(2).Result.Reward);
    }

    [Fact]
    public void TrialWrapperOverMdpEpisodesMarksInnerEndsAndRestartsThem()
    {
        using var trials = Trials("TabularMdp-S5-A2", 3);
        var obs = trials.Reset(seed: 0);
        Assert.Equal(5 + 2 + 2, obs.Length);
        int steps = 0;
        while (true)
        {
            var (o, r) = trials.Step(steps % 2);
            steps++;
            bool innerEnd = steps % 10 == 0;
            Assert.Equal(innerEnd ? 1f : 0f, o[^1]);
            if (innerEnd && steps < 30) Assert.Equal(1f, o[0]); // the next inner episode starts in state 0
            if (r.Done) { Assert.True(r.Terminated); break; }
        }
        Assert.Equal(30, steps);
        var e = Assert.Throws<ArgumentException>(() => new TrialWrapper(EnvRegistry.Make("CartPole-v1"), 2));
        Assert.Contains("task family", e.Message);
    }

    [Fact]
    public void VectorisedTrialsEndTogetherAndDrawTheirOwnTasks()
    {
        using var venv = new SyncVectorEnv(() => Trials("Bandit-k5", 4), 3);
        venv.Reset(11);
        var actions = new float[3];
        for (int t = 1; t <= 4; t++)
        {
            venv.Step(actions);
            for (int i = 0; i < 3; i++) Assert.Equal(t == 4, venv.Terminated[i]);
        }
        var tasks = Enumerable.Range(0, 3).Select(i => ((TrialWrapper)venv.Envs[i]).Task!).ToArray();
        Assert.NotEqual(tasks[0], tasks[1]);
        Assert.NotEqual(tasks[1], tasks[2]);
    }

    [Fact]
    public void PointNavigationRewardsNegativeDistance()
    {
        var env = new PointNavigation();
        env.SetTask(new[] { 0.3, -0.4 });
        env.Reset(seed: 0);
        var (o, r) = env.Step(new float[] { 0.1f, 0.1f });
        Assert.Equal(0.1f, o[0], 6);
        Assert.Equal(-Math.Sqrt(0.2 * 0.2 + 0.5 * 0.5), r.Reward, 6);
    }
}

public class Rl2PhysicsFamilyTests
{
    [Fact]
    public void PhysicsTasksSetTheEnvArgsAndTrialsHoldThem()
    {
        using var env = EnvRegistry.Make("CartPoleRandomPhysics-v0");
        var family = ((Astromech.Envs.Wrappers.Wrapper)env).Find<PhysicsTaskFamily>()!;
        var task = family.SampleTask(new Rng(1));
        Assert.InRange(task[2], 0.25, 1.0);
        family.SetTask(task);
        var cart = (Astromech.Envs.ClassicControl.CartPole)((Astromech.Envs.Wrappers.Wrapper)env).Unwrapped;
        Assert.Equal(task[1], cart.MassPole, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => family.SetTask(new[] { 1.0, 0.1, 3.0 }));
        using var trials = new TrialWrapper(EnvRegistry.Make("PendulumRandomPhysics-v0"), 2);
        trials.Reset(seed: 4);
        var held = trials.Task!;
        int steps = 0;
        while (!trials.Step(new float[] { 0f }).Result.Done) steps++;
        Assert.Equal(399, steps); // two 200-step episodes, the last step ends the trial
        Assert.Equal(held, trials.Task);
    }
}
