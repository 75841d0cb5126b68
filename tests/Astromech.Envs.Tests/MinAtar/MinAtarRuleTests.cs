using Astromech.Envs.MinAtar;
using Astromech.Envs.Registry;

namespace Astromech.Envs.Tests.MinAtar;

/// <summary>
/// Rule-level tests of the five MinAtar games: each scripts a situation (placed with the games' test hooks, sticky
/// actions off) and checks the reward, termination or state that the reference rules (Young &amp; Tian 2019,
/// kenjyoung/MinAtar) imply; the expected frame counts are worked out in the comments.
/// </summary>
public class MinAtarRuleTests
{
    private static T Fresh<T>(T game, int seed = 0) where T : MinAtarGame
    {
        game.StickyActionProb = 0;
        game.Reset(seed: seed);
        return game;
    }

    private static float At(float[] obs, int channel, int y, int x) => obs[channel * 100 + y * 10 + x];

    private static float[] Obs(MinAtarGame g) => new float[g.ObservationSpace.FlatSize];

    // ---------------------------------------------------------------- Breakout

    [Fact]
    public void BreakoutResetHasThreeBrickRowsPaddleAndBallInRowThree()
    {
        var g = new Breakout { StickyActionProb = 0 };
        var obs = g.Reset(seed: 1);
        Assert.Equal(new[] { 4, 10, 10 }, g.ObservationSpace.Shape);
        Assert.Equal(30, obs.Skip(Breakout.BrickChannel * 100).Take(100).Sum());
        for (int x = 0; x < 10; x++)
            for (int y = 1; y <= 3; y++) Assert.Equal(1f, At(obs, Breakout.BrickChannel, y, x));
        Assert.Equal(1f, At(obs, Breakout.PaddleChannel, 9, 4));
        Assert.Equal(3, g.BallY);
        Assert.True((g.BallX == 0 && g.BallDirection == 2) || (g.BallX == 9 && g.BallDirection == 3));
        Assert.Equal(1f, At(obs, Breakout.BallChannel, 3, g.BallX));
    }

    [Fact]
    public void BreakoutMissingTheBallTerminates()
    {
        var g = Fresh(new Breakout());
        g.SetState(ballX: 0, ballY: 3, ballDir: 2, paddle: 9); // down-right from (x0, y3): reaches y9 on the 6th frame at x6
        var obs = Obs(g);
        for (int t = 1; t <= 5; t++)
        {
            var r = g.Step(MinAtarGame.NoOp, obs);
            Assert.False(r.Terminated, $"frame {t}");
            Assert.Equal(0, r.Reward);
        }
        Assert.True(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.Throws<InvalidOperationException>(() => g.Step(MinAtarGame.NoOp, obs));
    }

    [Fact]
    public void BreakoutPaddleUnderTheBallBouncesItStraightBack()
    {
        var g = Fresh(new Breakout());
        g.SetState(0, 3, 2, paddle: 5); // the ball is above x5 when it would enter row 9
        var obs = Obs(g);
        for (int t = 1; t <= 6; t++) Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.Equal((6, 8, 1), (g.BallX, g.BallY, g.BallDirection)); // back to row 8, now up-right
        Assert.Equal(1f, At(obs, Breakout.BallChannel, 8, 6));
        Assert.Equal(1f, At(obs, Breakout.TrailChannel, 8, 5)); // the trail is the cell it came from
    }

    [Fact]
    public void BreakoutPaddleCornerReversesTheBall()
    {
        var g = Fresh(new Breakout());
        g.SetState(0, 3, 2, paddle: 6); // the ball moves onto the paddle's column
        var obs = Obs(g);
        for (int t = 1; t <= 6; t++) Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.Equal((6, 8, 0), (g.BallX, g.BallY, g.BallDirection)); // up-left
    }

    [Fact]
    public void BreakoutBrickHitGivesOneAndReflects()
    {
        var g = Fresh(new Breakout());
        g.SetState(ballX: 0, ballY: 5, ballDir: 1, paddle: 4); // up-right: (1,4), then the brick at (2,3)
        var obs = Obs(g);
        Assert.Equal(0, g.Step(MinAtarGame.NoOp, obs).Reward);
        var r = g.Step(MinAtarGame.NoOp, obs);
        Assert.Equal(1, r.Reward);
        Assert.Equal(29, g.BricksLeft);
        Assert.Equal(0f, At(obs, Breakout.BrickChannel, 3, 2));
        Assert.Equal((2, 4, 2), (g.BallX, g.BallY, g.BallDirection)); // stays in row 4, now down-right
    }

    [Fact]
    public void BreakoutWallReflectsHorizontally()
    {
        var g = Fresh(new Breakout());
        g.SetState(ballX: 9, ballY: 6, ballDir: 1, paddle: 4);
        g.Step(MinAtarGame.NoOp, Obs(g));
        Assert.Equal((9, 5, 0), (g.BallX, g.BallY, g.BallDirection));
    }

    [Fact]
    public void BreakoutMinimalActionsMoveThePaddle()
    {
        var g = Fresh(new Breakout(minimalActionSet: true));
        Assert.Equal(3, ((Spaces.Discrete)g.ActionSpace).N);
        var obs = Obs(g);
        g.Step(2, obs); // minimal set: no-op, left, right
        Assert.Equal(5, g.PaddleX);
        g.Step(1, obs);
        g.Step(1, obs);
        Assert.Equal(3, g.PaddleX);
    }

    // ---------------------------------------------------------------- Freeway

    private static Freeway QuietFreeway()
    {
        var g = Fresh(new Freeway());
        for (int i = 0; i < 8; i++) g.SetCar(i, x: 0, speed: 5, timer: 100_000); // parked away from column 4
        return g;
    }

    [Fact]
    public void FreewayReachingTheTopGivesOneAndReturnsTheChicken()
    {
        var g = QuietFreeway();
        var obs = Obs(g);
        // The chicken moves at most every 3 frames and the move timer starts at 3: moves on frames 4, 7, ..., 28;
        // the 9th move reaches row 0 on frame 28.
        double total = 0;
        for (int t = 1; t <= 27; t++) total += g.Step(MinAtarGame.Up, obs).Reward;
        Assert.Equal(0, total);
        Assert.Equal(1, g.ChickenY);
        var r = g.Step(MinAtarGame.Up, obs);
        Assert.Equal(1, r.Reward);
        Assert.Equal(9, g.ChickenY);
        Assert.Equal(1f, At(obs, Freeway.ChickenChannel, 9, Freeway.ChickenX));
        // The crossing re-draws every car's speed, so the parked cars move again.
        Assert.Contains(Enumerable.Range(0, 8), i => g.Car(i).Speed != 5);
    }

    [Fact]
    public void FreewayACarSendsTheChickenBackWithoutPenalty()
    {
        var g = QuietFreeway();
        g.SetChicken(y: 5, moveTimer: 2);
        g.SetCar(4, x: 3, speed: 1, timer: 0); // lane 4 is row 5: the car moves onto column 4 this frame
        var r = g.Step(MinAtarGame.NoOp, Obs(g));
        Assert.Equal(0, r.Reward);
        Assert.Equal(9, g.ChickenY);
    }

    [Fact]
    public void FreewayTerminatesAfter2500Frames()
    {
        var g = Fresh(new Freeway(), seed: 3);
        var obs = Obs(g);
        for (int t = 1; t <= Freeway.TimeLimit; t++) Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated, $"frame {t}");
        Assert.True(g.Step(MinAtarGame.NoOp, obs).Terminated);
    }

    [Fact]
    public void FreewayTrailChannelEncodesSpeed()
    {
        var g = QuietFreeway();
        g.SetCar(2, x: 6, speed: -3, timer: 100); // row 3, moving left every 3 frames: trail to its right, channel 2 + 2
        var obs = Obs(g);
        g.Step(MinAtarGame.NoOp, obs);
        Assert.Equal(1f, At(obs, Freeway.CarChannel, 3, 6));
        Assert.Equal(1f, At(obs, Freeway.FirstSpeedChannel + 2, 3, 7));
    }

    // ---------------------------------------------------------------- Asterix

    private static Asterix QuietAsterix()
    {
        var g = Fresh(new Asterix());
        g.SetTimers(spawnTimer: 1000, moveTimer: 1000);
        g.SetPlayer(5, 5);
        return g;
    }

    [Fact]
    public void AsterixGoldGivesOneAndVanishes()
    {
        var g = QuietAsterix();
        g.SetEntity(slot: 4, x: 6, movesRight: false, gold: true); // row 5, right of the player
        var obs = Obs(g);
        var r = g.Step(MinAtarGame.Right, obs);
        Assert.Equal(1, r.Reward);
        Assert.False(r.Terminated);
        Assert.Equal(0, obs.Skip(Asterix.GoldChannel * 100).Take(100).Sum());
    }

    [Fact]
    public void AsterixEnemyTerminates()
    {
        var g = QuietAsterix();
        g.SetEntity(slot: 4, x: 6, movesRight: false, gold: false);
        var r = g.Step(MinAtarGame.Right, Obs(g));
        Assert.True(r.Terminated);
        Assert.Equal(0, r.Reward);
    }

    [Fact]
    public void AsterixMovingGoldIsCollectedWhenItReachesThePlayer()
    {
        var g = QuietAsterix();
        g.SetEntity(slot: 4, x: 4, movesRight: true, gold: true);
        g.SetTimers(spawnTimer: 1000, moveTimer: 0); // the entities move this frame
        var obs = Obs(g);
        var r = g.Step(MinAtarGame.NoOp, obs);
        Assert.Equal(1, r.Reward);
    }

    [Fact]
    public void AsterixRampsDifficultyEvery100FramesOnlyWhenRamping()
    {
        foreach (bool ramping in new[] { true, false })
        {
            var g = Fresh(new Asterix());
            g.DifficultyRamping = ramping;
            var obs = Obs(g);
            // The ramp timer starts at 100 and counts down to -1 before the first ramp: frame 102.
            for (int t = 1; t <= 102; t++)
            {
                g.SetTimers(spawnTimer: 1000, moveTimer: 1000); // nothing spawns or moves
                Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
                if (t == 101) Assert.Equal(Asterix.InitialSpawnSpeed, g.SpawnSpeed);
            }
            Assert.Equal(ramping ? 9 : 10, g.SpawnSpeed);
            Assert.Equal(ramping ? 1 : 0, g.DifficultyLevel);
            Assert.Equal(Asterix.InitialMoveInterval, g.MoveSpeed); // the move interval drops on odd ramp levels only
        }
    }

    // ---------------------------------------------------------------- Seaquest

    private static Seaquest QuietSeaquest()
    {
        var g = Fresh(new Seaquest());
        g.SetSpawnTimers(1000, 1000);
        return g;
    }

    [Fact]
    public void SeaquestShootingAFishGivesOne()
    {
        var g = QuietSeaquest();
        g.SetSub(5, 3, facingRight: true);
        g.AddFish(7, 3, right: false, moveTimer: 1000);
        var obs = Obs(g);
        Assert.Equal(0, g.Step(MinAtarGame.Fire, obs).Reward); // bullet fired at x5, moves to x6
        Assert.Equal(1f, At(obs, Seaquest.FriendlyBulletChannel, 3, 6));
        var r = g.Step(MinAtarGame.NoOp, obs); // bullet reaches the fish at x7
        Assert.Equal(1, r.Reward);
        Assert.Equal(0, obs.Skip(Seaquest.EnemyFishChannel * 100).Take(100).Sum());
        Assert.Equal(0, obs.Skip(Seaquest.FriendlyBulletChannel * 100).Take(100).Sum());
    }

    [Fact]
    public void SeaquestSurfacingWithoutDiversTerminates()
    {
        var g = QuietSeaquest();
        var obs = Obs(g);
        Assert.False(g.Step(MinAtarGame.Down, obs).Terminated);
        var r = g.Step(MinAtarGame.Up, obs);
        Assert.True(r.Terminated);
    }

    [Fact]
    public void SeaquestSurfacingWithADiverRefillsOxygenAndRamps()
    {
        var g = QuietSeaquest();
        var obs = Obs(g);
        g.Step(MinAtarGame.Down, obs);
        Assert.Equal(199, g.Oxygen);
        g.SetDivers(1);
        var r = g.Step(MinAtarGame.Up, obs);
        Assert.False(r.Terminated);
        Assert.Equal(0, r.Reward);
        Assert.Equal(Seaquest.MaxOxygen, g.Oxygen);
        Assert.Equal(0, g.DiverCount);
        Assert.Equal(1, g.DifficultyLevel);
        Assert.Equal(Seaquest.InitialSpawnSpeed - 1, g.SpawnSpeed);
    }

    [Fact]
    public void SeaquestSurfacingWithSixDiversPaysForTheOxygenLeft()
    {
        var g = QuietSeaquest();
        var obs = Obs(g);
        g.Step(MinAtarGame.Down, obs);
        g.SetDivers(6);
        g.SetOxygen(150);
        var r = g.Step(MinAtarGame.Up, obs);
        Assert.Equal(150 * 10 / 200, r.Reward); // 7: one per cell of the oxygen gauge
        Assert.False(r.Terminated);
        Assert.Equal(-1, g.DiverCount); // the reference's count after a full surfacing
    }

    [Fact]
    public void SeaquestPicksUpDiversAndShowsThemOnTheGauge()
    {
        var g = QuietSeaquest();
        g.SetSub(5, 4, facingRight: false);
        g.AddDiver(4, 4, right: true, moveTimer: 0); // moves onto the sub this frame
        var obs = Obs(g);
        g.Step(MinAtarGame.NoOp, obs);
        Assert.Equal(1, g.DiverCount);
        Assert.Equal(1f, At(obs, Seaquest.DiverGaugeChannel, 9, 8));
        Assert.Equal(0, obs.Skip(Seaquest.DiverChannel * 100).Take(100).Sum());
    }

    [Fact]
    public void SeaquestRunsOutOfOxygenOnFrame201()
    {
        var g = QuietSeaquest();
        var obs = Obs(g);
        // Oxygen is checked (≤ 0 ends the game) before it drops by one each frame below the surface.
        for (int t = 1; t <= 200; t++)
        {
            g.SetSpawnTimers(1000, 1000);
            Assert.False(g.Step(t == 1 ? MinAtarGame.Down : MinAtarGame.NoOp, obs).Terminated, $"frame {t}");
        }
        Assert.Equal(0, g.Oxygen);
        Assert.True(g.Step(MinAtarGame.NoOp, obs).Terminated);
    }

    [Fact]
    public void SeaquestEnemyBulletHitsTheSub()
    {
        var g = QuietSeaquest();
        g.SetSub(5, 3, facingRight: false);
        g.AddEnemySub(8, 3, right: false, moveTimer: 1000, shotTimer: 0); // fires now: the bullet reaches x5 on frame 3
        var obs = Obs(g);
        Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.Equal(1f, At(obs, Seaquest.EnemyBulletChannel, 3, 7));
        Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.True(g.Step(MinAtarGame.NoOp, obs).Terminated);
    }

    // ---------------------------------------------------------------- Space Invaders

    [Fact]
    public void SpaceInvadersShootingTheLastAlienGivesOneAndANewFasterWave()
    {
        var g = Fresh(new SpaceInvaders());
        g.SetAliens((5, 5));
        g.SetTimers(alienMoveTimer: 1000, alienShotTimer: 1000);
        var obs = Obs(g);
        // Fired from row 9, the bullet is in row 8 after the frame and rises a row per frame: row 5 on frame 4.
        double total = 0;
        for (int t = 1; t <= 3; t++) total += g.Step(t == 1 ? MinAtarGame.Fire : MinAtarGame.NoOp, obs).Reward;
        Assert.Equal(0, total);
        var r = g.Step(MinAtarGame.NoOp, obs);
        Assert.Equal(1, r.Reward);
        Assert.Equal(24, g.AliensLeft);
        Assert.Equal(SpaceInvaders.InitialMoveInterval - 1, g.MoveInterval);
        Assert.Equal(1, g.DifficultyLevel);
    }

    [Fact]
    public void SpaceInvadersAlienBulletKillsTheCannon()
    {
        var g = Fresh(new SpaceInvaders());
        g.SetAliens((7, 5));
        g.SetTimers(alienMoveTimer: 1000, alienShotTimer: 0); // the alien above the cannon fires from row 7 now
        var obs = Obs(g);
        Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.Equal(1f, At(obs, SpaceInvaders.EnemyBulletChannel, 7, 5));
        Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
        Assert.True(g.Step(MinAtarGame.NoOp, obs).Terminated);
    }

    [Fact]
    public void SpaceInvadersAliensMarchLeftThenStepDownAndTurn()
    {
        var g = Fresh(new SpaceInvaders());
        var obs = Obs(g);
        // The block (rows 0–3, columns 2–7) moves when its timer (12 at reset, counting down each frame) is 0: columns
        // 1–6 on frame 13, 0–5 on frame 25, and on frame 37 it is at the edge, so it steps down to rows 1–4 and turns.
        for (int t = 1; t <= 37; t++)
        {
            g.SetTimers(alienMoveTimer: null, alienShotTimer: 1000); // no alien fire
            Assert.False(g.Step(MinAtarGame.NoOp, obs).Terminated);
            if (t == 13) Assert.Equal(1f, At(obs, SpaceInvaders.AlienLeftChannel, 0, 1));
            if (t == 36) Assert.Equal(-1, g.AlienDirection);
        }
        Assert.Equal(1, g.AlienDirection);
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
            {
                float expected = y is >= 1 and <= 4 && x is >= 0 and <= 5 ? 1f : 0f;
                Assert.Equal(expected, At(obs, SpaceInvaders.AlienChannel, y, x));
                Assert.Equal(expected, At(obs, SpaceInvaders.AlienRightChannel, y, x));
                Assert.Equal(0f, At(obs, SpaceInvaders.AlienLeftChannel, y, x));
            }
    }

    // ---------------------------------------------------------------- shared rules

    [Theory]
    [InlineData("Asterix", 4, 5)]
    [InlineData("Breakout", 4, 3)]
    [InlineData("Freeway", 7, 3)]
    [InlineData("Seaquest", 10, 6)]
    [InlineData("SpaceInvaders", 6, 4)]
    public void RegisteredIdsHaveTheOriginalChannelsAndActionSets(string game, int channels, int minimalActions)
    {
        using var full = EnvRegistry.Make($"MinAtar/{game}-v0");
        using var minimal = EnvRegistry.Make($"MinAtar/{game}-v1");
        Assert.Equal(new[] { channels, 10, 10 }, full.ObservationSpace.Shape);
        Assert.Equal(new[] { channels, 10, 10 }, minimal.ObservationSpace.Shape);
        Assert.Equal(6, ((Spaces.Discrete)full.ActionSpace).N);
        Assert.Equal(minimalActions, ((Spaces.Discrete)minimal.ActionSpace).N);
        Assert.Null(EnvRegistry.Spec($"MinAtar/{game}-v1").MaxEpisodeSteps);
        Assert.Equal(0.1, (double)EnvArgs.Get(minimal, "sticky_action_prob")!);
        Assert.Equal(true, EnvArgs.Get(minimal, "difficulty_ramping"));
    }

    [Theory]
    [InlineData("MinAtar/Asterix-v1")]
    [InlineData("MinAtar/Breakout-v0")]
    [InlineData("MinAtar/Freeway-v1")]
    [InlineData("MinAtar/Seaquest-v1")]
    [InlineData("MinAtar/SpaceInvaders-v0")]
    public void SameSeedSameEpisodesDifferentSeedDifferentEpisodes(string id)
    {
        (List<float> Obs, List<double> Rewards) Run(int seed)
        {
            using var env = EnvRegistry.Make(id); // sticky actions on (0.1)
            var obs = new float[env.ObservationSpace.FlatSize];
            var a = new float[1];
            var actionRng = new Rng(1234);
            var trace = new List<float>();
            var rewards = new List<double>();
            env.Reset(obs, seed);
            for (int t = 0; t < 3000; t++)
            {
                env.ActionSpace.Sample(actionRng, a);
                var r = env.Step(a, obs);
                rewards.Add(r.Reward);
                trace.AddRange(obs);
                if (r.Done) env.Reset(obs);
            }
            return (trace, rewards);
        }
        var first = Run(5);
        var again = Run(5);
        Assert.Equal(first.Obs, again.Obs);
        Assert.Equal(first.Rewards, again.Rewards);
        Assert.NotEqual(first.Obs, Run(6).Obs);
    }

    [Fact]
    public void StickyActionsRepeatThePreviousActionAboutOneStepInTen()
    {
        var g = new Breakout(); // full set, default probability 0.1
        g.Reset(seed: 11);
        var obs = Obs(g);
        int repeated = 0, steps = 20_000;
        for (int t = 0; t < steps; t++)
        {
            int chosen = (g.LastAction + 1) % MinAtarGame.FullActionCount; // always differs from the last executed action
            if (g.Step(chosen, obs).Done) g.Reset(obs);
            if (g.LastAction != chosen) repeated++;
        }
        Assert.InRange(repeated / (double)steps, 0.09, 0.11);
    }

    [Fact]
    public void StickyActionSurvivesEveryResetSeededOrNot()
    {
        var g = new Breakout { StickyActionProb = 0 };
        var obs = Obs(g);
        g.Reset(obs, seed: 2);
        g.Step(MinAtarGame.Right, obs);
        Assert.Equal(MinAtarGame.Right, g.LastAction);
        g.Reset(obs); // not cleared
        Assert.Equal(MinAtarGame.Right, g.LastAction);
        g.StickyActionProb = 1; // every step now repeats the last action
        g.Step(MinAtarGame.Left, obs);
        Assert.Equal(5, g.PaddleX); // moved right from 4, not left
        Assert.Equal(MinAtarGame.Right, g.LastAction);
        g.Reset(obs, seed: 2); // the reference's seed() swaps the RNG and keeps last_action
        Assert.Equal(MinAtarGame.Right, g.LastAction);
        g.Step(MinAtarGame.Left, obs);
        Assert.Equal(5, g.PaddleX); // the first step after the seeded reset repeats Right: 4 → 5
        using var fresh = new Breakout { StickyActionProb = 1 };
        var freshObs = Obs(fresh);
        fresh.Reset(freshObs, seed: 2);
        fresh.Step(MinAtarGame.Left, freshObs);
        Assert.Equal(4, fresh.PaddleX); // a fresh env repeats no-op
    }

    [Fact]
    public void EnvArgsSetStickinessAndRampingAndRejectBadValues()
    {
        using var env = EnvRegistry.Make("MinAtar/SpaceInvaders-v1",
            new Dictionary<string, string> { ["sticky_action_prob"] = "0", ["difficulty_ramping"] = "false" });
        Assert.Equal(0.0, (double)EnvArgs.Get(env, "sticky_action_prob")!);
        Assert.Equal(false, EnvArgs.Get(env, "difficulty_ramping"));
        var e = Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("MinAtar/Breakout-v1", new Dictionary<string, string> { ["sticky_action_prob"] = "1.5" }));
        Assert.Contains("sticky_action_prob", e.Message);
    }
}
