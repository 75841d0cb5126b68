using Astromech.Envs.Checking;
using Astromech.Envs.ClassicControl;
using Astromech.Envs.Memory;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Envs.Vector;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests;

public class MemoryTaskTests
{
    private static readonly float[] CorridorObs = { 0, 0, 0 };
    private static readonly float[] JunctionObs = { 0, 0, 1 };

    private static TMaze Maze(int length = 20) => new() { Length = length };

    /// <summary>A seed whose first reset draws the wanted cue.</summary>
    private static int SeedWithCue(bool up)
    {
        var env = new TMaze();
        for (int s = 0; ; s++)
        {
            env.Reset(seed: s);
            if (env.CueUp == up) return s;
        }
    }

    // ---------- T-maze rules ----------

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WalkingToTheJunctionAndTurningToTheCueSucceeds(bool up)
    {
        const int n = 7;
        using var env = Maze(n);
        var obs = env.Reset(seed: SeedWithCue(up));
        Assert.Equal(up ? new float[] { 1, 0, 0 } : new float[] { 0, 1, 0 }, obs);
        double ret = 0;
        for (int t = 1; t <= n; t++)
        {
            var (o, r) = env.Step(TMaze.East);
            Assert.False(r.Done);
            Assert.Null(r.Info);
            Assert.Equal(TMaze.StepReward, r.Reward);
            Assert.Equal(t, env.Position);
            Assert.Equal(t == n ? JunctionObs : CorridorObs, o);
            ret += r.Reward;
        }
        var (last, end) = env.Step(up ? TMaze.Up : TMaze.Down);
        Assert.True(end.Terminated);
        Assert.False(end.Truncated);
        Assert.Equal(TMaze.SuccessReward, end.Reward);
        Assert.Equal(true, EpisodeSuccess.Of(end.Info));
        Assert.Equal(JunctionObs, last);
        ret += end.Reward;
        Assert.Equal(4 - 0.1 * n, ret, 9);
        Assert.Throws<InvalidOperationException>(() => env.Step(TMaze.East));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TurningAwayFromTheCueFails(bool up)
    {
        using var env = Maze(3);
        env.Reset(seed: SeedWithCue(up));
        for (int t = 0; t < 3; t++) env.Step(TMaze.East);
        var (_, end) = env.Step(up ? TMaze.Down : TMaze.Up);
        Assert.True(end.Terminated);
        Assert.Equal(TMaze.FailureReward, end.Reward);
        Assert.Equal(false, EpisodeSuccess.Of(end.Info));
    }

    [Fact]
    public void TheCueIsVisibleOnlyAtTheFirstStepAndLaterObservationsDoNotDependOnIt()
    {
        // The same action sequence (including visits back to the start cell and bumps) under both cues.
        int[] actions = { TMaze.East, TMaze.West, TMaze.West, TMaze.Up, TMaze.East, TMaze.East, TMaze.Down, TMaze.East, TMaze.East, TMaze.East };
        var seen = new List<float[]>[2];
        foreach (bool up in new[] { true, false })
        {
            using var env = Maze(5);
            var list = seen[up ? 0 : 1] = new List<float[]>();
            var first = env.Reset(seed: SeedWithCue(up));
            Assert.Equal(1f, first[up ? 0 : 1]);
            foreach (int a in actions)
            {
                var (o, r) = env.Step(a);
                Assert.False(r.Done);
                Assert.Equal(0f, o[0]);
                Assert.Equal(0f, o[1]);
                list.Add(o);
            }
        }
        Assert.Equal(seen[0], seen[1]);
    }

    [Fact]
    public void WallsKeepThePosition()
    {
        using var env = Maze(3);
        env.Reset(seed: 1);
        env.Step(TMaze.West); // west at the start
        Assert.Equal(0, env.Position);
        env.Step(TMaze.East);
        var (_, r) = env.Step(TMaze.Up); // up in the corridor
        Assert.Equal(1, env.Position);
        Assert.Equal(TMaze.StepReward, r.Reward);
        Assert.False(r.Done);
        env.Step(TMaze.Down);
        Assert.Equal(1, env.Position);
        env.Step(TMaze.East);
        env.Step(TMaze.East);
        Assert.Equal(3, env.Position);
        var (o, r2) = env.Step(TMaze.East); // east at the junction
        Assert.Equal(3, env.Position);
        Assert.Equal(JunctionObs, o);
        Assert.False(r2.Done);
        env.Step(TMaze.West);
        Assert.Equal(2, env.Position);
    }

    [Fact]
    public void TheEnvTruncatesAfterFourTimesLengthPlusOneSteps()
    {
        using var env = Maze(4);
        Assert.Equal(20, env.MaxEpisodeSteps);
        env.Reset(seed: 2);
        for (int t = 1; t < 20; t++)
            Assert.False(env.Step(t % 2 == 0 ? TMaze.East : TMaze.West).Result.Done, $"step {t}");
        var (_, last) = env.Step(TMaze.East);
        Assert.True(last.Truncated);
        Assert.False(last.Terminated);
        Assert.Equal(false, EpisodeSuccess.Of(last.Info));
        Assert.Equal(20, env.Steps);

        // The limit follows the length arg; the registered id has no extra outer limit.
        using var made = EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = "9" });
        Assert.IsType<TMaze>(made);
        made.Reset(seed: 0);
        int steps = 0;
        StepResult res;
        do { res = made.Step(TMaze.West).Result; steps++; } while (!res.Done);
        Assert.Equal(40, steps);
        Assert.True(res.Truncated);
    }

    [Fact]
    public void SeedsRepeatAndCuesAreBalanced()
    {
        using var a = Maze();
        using var b = Maze();
        int up = 0;
        const int seeds = 2000;
        for (int s = 0; s < seeds; s++)
        {
            Assert.Equal(a.Reset(seed: s), b.Reset(seed: s));
            Assert.Equal(a.CueUp, b.CueUp);
            if (a.CueUp) up++;
        }
        // Binomial(2000, 0.5): sd ≈ 22; ±110 is 5 sd.
        Assert.InRange(up, 890, 1110);

        // Unseeded resets continue the stream and vary too.
        a.Reset(seed: 5);
        int upUnseeded = 0;
        for (int k = 0; k < 400; k++) { a.Reset(); if (a.CueUp) upUnseeded++; }
        Assert.InRange(upUnseeded, 140, 260);
    }

    [Fact]
    public void BadLengthsAreRejectedNamingTheArg()
    {
        var e = Assert.Throws<ArgumentException>(() => EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = "0" }));
        Assert.Contains("length", e.Message);
        Assert.Contains(">= 1", e.Message);
        var parse = Assert.Throws<ArgumentException>(() => EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = "ten" }));
        Assert.Contains("'length'", parse.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TMaze { Length = -3 });
    }

    [Fact]
    public void TheRegisteredThresholdNeedsNinetyFivePercentSuccess()
    {
        var spec = EnvRegistry.Spec("TMaze-v0");
        Assert.Null(spec.MaxEpisodeSteps);
        Assert.Equal(1.75, spec.RewardThreshold!.Value, 12);
        Assert.Equal(spec.RewardThreshold.Value, TMaze.SolvedThreshold(20), 9);
        // Optimal paths with 94% success fall short; 95% reaches it.
        double success = 4 - 0.1 * 20, failure = -1 - 0.1 * 20;
        Assert.True(0.94 * success + 0.06 * failure < spec.RewardThreshold);
        Assert.True(0.95 * success + 0.05 * failure >= spec.RewardThreshold - 1e-12);
    }

    // ---------- CartPole POMDPs ----------

    [Fact]
    public void CartPoleNoVelocityShowsCartPolesPositionAndAngle()
    {
        using var full = EnvRegistry.Make("CartPole-v1");
        using var masked = EnvRegistry.Make("CartPoleNoVelocity-v1");
        Assert.Equal(new[] { 2 }, masked.ObservationSpace.Shape);
        var spec = EnvRegistry.Spec("CartPoleNoVelocity-v1");
        Assert.Equal(500, spec.MaxEpisodeSteps);
        Assert.Equal(475.0, spec.RewardThreshold);
        Assert.Equal(500, Assert.IsType<TimeLimit>(masked).MaxEpisodeSteps);

        var f = full.Reset(seed: 11);
        var m = masked.Reset(seed: 11);
        Assert.Equal(new[] { f[0], f[2] }, m);
        var rng = new Rng(3);
        for (int t = 0; t < 200; t++)
        {
            int a = rng.Next(2);
            var (fo, fr) = full.Step(a);
            var (mo, mr) = masked.Step(a);
            Assert.Equal(new[] { fo[0], fo[2] }, mo);
            Assert.Equal(fr.Reward, mr.Reward);
            Assert.Equal(fr.Terminated, mr.Terminated);
            Assert.Equal(fr.Truncated, mr.Truncated);
            if (fr.Done)
            {
                full.Reset(seed: 100 + t);
                masked.Reset(seed: 100 + t);
            }
        }
        // Env args still reach the CartPole inside.
        using var heavy = EnvRegistry.Make("CartPoleNoVelocity-v1", new Dictionary<string, string> { ["gravity"] = "12" });
        Assert.Equal(12.0, EnvArgs.Get(heavy, "gravity"));
    }

    [Fact]
    public void CartPoleFlickerBlanksAboutHalfTheObservations()
    {
        var spec = EnvRegistry.Spec("CartPoleFlicker-v1");
        Assert.Equal(500, spec.MaxEpisodeSteps);
        Assert.Equal(475.0, spec.RewardThreshold);
        using var env = EnvRegistry.Make("CartPoleFlicker-v1");
        Assert.Equal(new[] { 4 }, env.ObservationSpace.Shape);
        int blank = 0, total = 0;
        var rng = new Rng(9);
        var obs = env.Reset(seed: 4);
        for (int t = 0; t < 4000; t++)
        {
            var (o, r) = env.Step(rng.Next(2));
            total++;
            if (o.All(v => v == 0)) blank++;
            if (r.Done) env.Reset();
        }
        // Binomial(4000, 0.5): sd ≈ 32; ±160 is 5 sd.
        Assert.InRange(blank, 1840, 2160);
    }

    [Fact]
    public void TheFlickerProbabilityIsAnEnvArg()
    {
        using var env = EnvRegistry.Make("CartPoleFlicker-v1", new Dictionary<string, string> { ["flicker_probability"] = "0.1", ["gravity"] = "9" });
        Assert.Equal(0.1, EnvArgs.Get(env, "flicker_probability"));
        Assert.Equal(9.0, EnvArgs.Get(env, "gravity"));
        Assert.Contains(EnvArgs.Describe(env), d => d.Name == "flicker_probability" && (double)d.Value! == 0.1);
        Assert.Contains(EnvArgs.Describe(env), d => d.Name == "gravity");
        int blank = 0;
        var rng = new Rng(1);
        env.Reset(seed: 1);
        for (int t = 0; t < 4000; t++)
        {
            var (o, r) = env.Step(rng.Next(2));
            if (o.All(v => v == 0)) blank++;
            if (r.Done) env.Reset();
        }
        Assert.InRange(blank, 300, 500); // Binomial(4000, 0.1): mean 400, sd 19

        var e = Assert.Throws<ArgumentException>(() => EnvRegistry.Make("CartPoleFlicker-v1", new Dictionary<string, string> { ["flicker_probability"] = "1.5" }));
        Assert.Contains("flicker_probability", e.Message);
        var unknown = Assert.Throws<ArgumentException>(() => EnvRegistry.Make("CartPoleFlicker-v1", new Dictionary<string, string> { ["flicker"] = "0.2" }));
        Assert.Contains("flicker_probability", unknown.Message); // listed among the valid names
    }

    // ---------- all three ----------

    [Theory]
    [InlineData("CartPoleNoVelocity-v1")]
    [InlineData("CartPoleFlicker-v1")]
    [InlineData("TMaze-v0")]
    public void TheCheckerPasses(string id)
    {
        foreach (int seed in new[] { 0, 1, 3, 42 })
        {
            using var env = EnvRegistry.Make(id);
            var problems = EnvChecker.Check(env, seed, steps: 300);
            Assert.True(problems.Count == 0, $"{id} seed {seed}:\n" + string.Join("\n", problems));
        }
        using var shortMaze = EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = "1" });
        EnvChecker.EnsureValid(shortMaze, seed: 5);
    }

    [Fact]
    public void AVectorEnvKeepsEachCopysFinalSuccessInfo()
    {
        using var venv = new SyncVectorEnv(() => EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = "2" }), 2);
        venv.Reset(seed: 0);
        var cues = venv.Envs.Select(e => ((TMaze)e).CueUp).ToArray();
        venv.Step(new float[] { TMaze.East, TMaze.East });
        venv.Step(new float[] { TMaze.East, TMaze.East });
        // Copy 0 turns to its cue, copy 1 away from it.
        venv.Step(new float[] { cues[0] ? TMaze.Up : TMaze.Down, cues[1] ? TMaze.Down : TMaze.Up });
        Assert.True(venv.Terminated[0] && venv.Terminated[1]);
        Assert.Equal(true, EpisodeSuccess.Of(venv.FinalInfos[0]));
        Assert.Equal(false, EpisodeSuccess.Of(venv.FinalInfos[1]));
        Assert.Equal((float)TMaze.SuccessReward, venv.Rewards[0]);
        Assert.Equal((float)TMaze.FailureReward, venv.Rewards[1]);
    }

    [Fact]
    public void SteppingTheMazeAllocatesNothing()
    {
        using var env = Maze(10);
        var obs = new float[3];
        var act = new float[1];
        env.Reset(obs, seed: 0);
        void Run(int n)
        {
            for (int t = 0; t < n; t++)
            {
                act[0] = t % 3 == 2 ? TMaze.Up : TMaze.East;
                if (env.Step(act, obs).Done) env.Reset(obs);
            }
        }
        Run(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
