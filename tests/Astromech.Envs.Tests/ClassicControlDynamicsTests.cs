using Astromech.Envs.ClassicControl;
using Astromech.Envs.Registry;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests;

/// <summary>
/// Exact dynamics against reference numbers from a line-by-line pure-Python transcription of Gymnasium 1.x's
/// classic_control step functions (float64 state, float32 observations), run from fixed states and actions.
/// </summary>
public class ClassicControlDynamicsTests
{
    private static void Close(double expected, double actual, double rel = 1e-12)
    {
        double tol = rel * Math.Max(1.0, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"expected {expected:R}, got {actual:R}");
    }

    /// <summary>Float32 observation against a float64 reference: within ~1e-6 relative (float32 rounding).</summary>
    private static void CloseObs(double[] expected, float[] obs)
    {
        Assert.Equal(expected.Length, obs.Length);
        for (int i = 0; i < obs.Length; i++)
        {
            double tol = 1e-6 * Math.Max(1e-3, Math.Abs(expected[i])) + 1e-9;
            Assert.True(Math.Abs(expected[i] - obs[i]) <= tol, $"obs[{i}]: expected {expected[i]:R}, got {obs[i]:R}");
            Assert.Equal((float)expected[i], obs[i]);
        }
    }

    private static T Fresh<T>(int seed = 0) where T : Env, new()
    {
        var env = new T();
        env.Reset(seed);
        return env;
    }

    // ---------------------------------------------------------------- CartPole

    [Fact]
    public void CartPoleTrajectoryMatchesGymnasium()
    {
        var env = Fresh<CartPole>();
        env.State = (0.01, -0.02, 0.03, 0.04);
        int[] actions = { 1, 0, 1, 1, 0 };
        double[][] expected =
        {
            new[] { 0.009600000000000001, 0.17467919574755525, 0.030799999999999998, -0.2430687179600081 },
            new[] { 0.013093583914951107, -0.020868848948191993, 0.025938625640799837, 0.0591679999394166 },
            new[] { 0.012676206935987267, 0.1738717748734813, 0.02712198563958817, -0.22521957255967326 },
            new[] { 0.016153642433456895, 0.36859581150093934, 0.022617594188394704, -0.509225318312219 },
            new[] { 0.023525558663475683, 0.17316263692575581, 0.012433087822150324, -0.20950152868114708 },
        };
        for (int t = 0; t < actions.Length; t++)
        {
            var (obs, r) = env.Step(actions[t]);
            var s = env.State;
            Close(expected[t][0], s.X); Close(expected[t][1], s.XDot); Close(expected[t][2], s.Theta); Close(expected[t][3], s.ThetaDot);
            CloseObs(expected[t], obs);
            Assert.Equal(1.0, r.Reward);
            Assert.False(r.Terminated);
            Assert.False(r.Truncated);
        }
    }

    [Fact]
    public void CartPoleTerminatesBeyondTheAngleThresholdWithRewardOne()
    {
        var env = Fresh<CartPole>();
        env.State = (0.0, 0.0, 0.2094, 0.5); // theta threshold is 12 deg = 0.20944 rad
        var (obs, r) = env.Step(1);
        CloseObs(new[] { 0.0, 0.1916506102769462, 0.2194, 0.2799184366558398 }, obs);
        Assert.True(r.Terminated);
        Assert.Equal(1.0, r.Reward);
        Assert.True(env.ObservationSpace.Contains(obs));
        Assert.Throws<InvalidOperationException>(() => env.Step(1));
    }

    [Fact]
    public void CartPoleTerminatesBeyondTheCartThresholdOnly()
    {
        var env = Fresh<CartPole>();
        env.State = (2.39, 0.4, 0.0, 0.0);
        var (obs, r) = env.Step(1);
        CloseObs(new[] { 2.398, 0.5951219512195123, 0.0, -0.2926829268292683 }, obs);
        Assert.False(r.Terminated);

        env.State = (2.399, 1.0, 0.0, 0.0);
        (obs, r) = env.Step(1);
        CloseObs(new[] { 2.419, 1.1951219512195121, 0.0, -0.2926829268292683 }, obs);
        Assert.True(r.Terminated);
        Assert.Equal(1.0, r.Reward);

        // Negative side, and exactly at the threshold does not terminate (strict inequality).
        env.Reset(0);
        env.State = (-2.4, 0.0, 0.0, 0.0);
        Assert.False(env.Step(0).Result.Terminated);
    }

    [Fact]
    public void CartPoleSuttonBartoReward()
    {
        var env = Fresh<CartPole>();
        env.SuttonBartoReward = true;
        env.State = (0.01, -0.02, 0.03, 0.04);
        Assert.Equal(0.0, env.Step(1).Result.Reward);
        env.State = (0.0, 0.0, 0.2094, 0.5);
        var r = env.Step(1).Result;
        Assert.True(r.Terminated);
        Assert.Equal(-1.0, r.Reward);
    }

    [Fact]
    public void CartPoleGravityArgChangesTheStep()
    {
        var env = (CartPole)((Wrapper)EnvRegistry.Make("CartPole-v1", new Dictionary<string, string> { ["gravity"] = "12" })).Unwrapped;
        Assert.Equal(12.0, env.Gravity);
        env.Reset(0);
        env.State = (0.01, -0.02, 0.03, 0.04);
        var (obs, _) = env.Step(1);
        CloseObs(new[] { 0.009600000000000001, 0.17458267467684974, 0.030799999999999998, -0.24094429848742163 }, obs);
        // The default differs in theta_dot (see the first step of CartPoleTrajectoryMatchesGymnasium).
        Assert.NotEqual((float)-0.2430687179600081, obs[3]);
    }

    [Fact]
    public void CartPoleDerivedQuantitiesFollowTheirParameters()
    {
        var env = Fresh<CartPole>();
        env.MassPole = 0.5;
        env.Length = 1.0;
        Assert.Equal(1.5, env.TotalMass, 12);
        Assert.Equal(0.5, env.PolemassLength, 12);
        env.State = (0.01, -0.02, 0.03, 0.04);
        var (obs, _) = env.Step(0);
        CloseObs(new[] { 0.009600000000000001, -0.19968228687017442, 0.030799999999999998, 0.17911041545865045 }, obs);
    }

    [Fact]
    public void CartPoleSpacesMatchGymnasium()
    {
        var env = new CartPole();
        var box = Assert.IsType<Spaces.Box>(env.ObservationSpace);
        Assert.Equal(new[] { 4.8f, float.PositiveInfinity, (float)(2 * 12 * 2 * Math.PI / 360), float.PositiveInfinity }, box.High);
        Assert.Equal(box.High.Select(h => -h).ToArray(), box.Low);
        Assert.Equal(Spaces.DType.Float32, box.DType);
        Assert.Equal("Discrete(2)", env.ActionSpace.ToString());
        env.XThreshold = 3.0;
        Assert.Equal(6.0f, ((Spaces.Box)env.ObservationSpace).High[0]);
    }

    [Fact]
    public void CartPoleResetIsUniformInPlusMinus005()
    {
        var env = new CartPole();
        var obs = new float[4];
        for (int s = 0; s < 200; s++)
        {
            env.Reset(obs, s);
            foreach (var v in obs) Assert.InRange(v, -0.05f, 0.05f);
        }
    }

    // ---------------------------------------------------------------- Acrobot

    [Fact]
    public void AcrobotTrajectoryMatchesGymnasium()
    {
        var env = Fresh<Acrobot>();
        env.State = ((float)0.05, (float)-0.03, (float)0.02, (float)0.01); // Gymnasium resets to float32 values
        int[] actions = { 2, 0, 1, 2, 2 };
        double[][] state =
        {
            new[] { 0.03396426865817368, 0.014028356760781145, -0.17546465141206707, 0.4197156020043994 },
            new[] { 0.010256407050970563, 0.06130436757013237, -0.055584147681380966, 0.04173711085774634 },
            new[] { -0.0004675112761972893, 0.06363968605528614, -0.04942650108168443, -0.020389087905175324 },
            new[] { -0.02199387477751035, 0.08705041248750592, -0.1605604596509948, 0.24677061094710054 },
            new[] { -0.06141625628368375, 0.1568554128999073, -0.22333528910246953, 0.4328260761866014 },
        };
        double[][] obs =
        {
            new[] { 0.9994232696720969, 0.033957738999158625, 0.9999016042169602, 0.014027896647380134, -0.17546465141206707, 0.4197156020043994 },
            new[] { 0.9999474035182738, 0.010256227233364695, 0.9981214756954754, 0.06126597551240435, -0.055584147681380966, 0.04173711085774634 },
            new[] { 0.9999998907166053, -0.00046751125916688277, 0.9979756785278882, 0.0635967378628904, -0.04942650108168443, -0.020389087905175324 },
            new[] { 0.9997581444857794, -0.02199210163562155, 0.9962135048495854, 0.08694051273891361, -0.1605604596509948, 0.24677061094710054 },
            new[] { 0.9981146144765217, -0.06137765365655795, 0.9877233914683409, 0.15621300184772918, -0.22333528910246953, 0.4328260761866014 },
        };
        for (int t = 0; t < actions.Length; t++)
        {
            var (o, r) = env.Step(actions[t]);
            var s = env.State;
            Close(state[t][0], s.Theta1, 1e-10); Close(state[t][1], s.Theta2, 1e-10);
            Close(state[t][2], s.DTheta1, 1e-10); Close(state[t][3], s.DTheta2, 1e-10);
            CloseObs(obs[t], o);
            Assert.Equal(-1.0, r.Reward);
            Assert.False(r.Terminated);
        }
    }

    [Fact]
    public void AcrobotNipsDynamicsDiffer()
    {
        var env = Fresh<Acrobot>();
        env.BookOrNips = "nips";
        env.State = ((float)0.05, (float)-0.03, (float)0.02, (float)0.01);
        env.Step(2);
        var s = env.State;
        Close(0.03396485786340374, s.Theta1, 1e-10); Close(0.014026840568180703, s.Theta2, 1e-10);
        Close(-0.17546425896891893, s.DTheta1, 1e-10); Close(0.41971440246250097, s.DTheta2, 1e-10);
    }

    [Fact]
    public void AcrobotTerminatesAboveTheBarWithRewardZero()
    {
        var env = Fresh<Acrobot>();
        env.State = (Math.PI - 0.2, 0.1, 1.0, 0.5);
        var r = env.Step(1).Result;
        var s = env.State;
        Close(3.1237538540570156, s.Theta1, 1e-10); Close(0.22398501975253537, s.Theta2, 1e-10);
        Close(0.8591502755838575, s.DTheta1, 1e-10); Close(0.7266082230747404, s.DTheta2, 1e-10);
        Assert.True(r.Terminated);
        Assert.Equal(0.0, r.Reward);
        Assert.True(-Math.Cos(s.Theta1) - Math.Cos(s.Theta1 + s.Theta2) > 1.0);
    }

    [Fact]
    public void AcrobotWrapsAnglesAndBoundsVelocities()
    {
        var env = Fresh<Acrobot>();
        env.State = (3.1, 0.0, 4.0, 0.0); // theta1 crosses pi and is wrapped to the negative side
        env.Step(1);
        var s = env.State;
        Close(-2.3558776603161204, s.Theta1, 1e-10); Close(-0.021091968057353708, s.Theta2, 1e-10);
        Close(4.424614321647361, s.DTheta1, 1e-10); Close(-0.31799574938452263, s.DTheta2, 1e-10);

        env.Reset(0);
        env.State = (0.0, 0.0, 12.5, 28.0);
        var (obs, _) = env.Step(2);
        s = env.State;
        Assert.Equal(4 * Math.PI, s.DTheta1);                // bounded at 4 pi
        Close(24.14129592326819, s.DTheta2, 1e-10);
        Close(-2.1670403520433723, s.Theta1, 1e-10); Close(-2.2844715212555875, s.Theta2, 1e-10);
        Assert.True(env.ObservationSpace.Contains(obs));
        Assert.Equal((float)(4 * Math.PI), obs[4]);
    }

    [Fact]
    public void AcrobotResetIsFloat32RoundedAndSmall()
    {
        var env = new Acrobot();
        for (int seed = 0; seed < 50; seed++)
        {
            env.Reset(seed);
            var s = env.State;
            foreach (var v in new[] { s.Theta1, s.Theta2, s.DTheta1, s.DTheta2 })
            {
                Assert.InRange(v, -0.1, 0.1);
                Assert.Equal((double)(float)v, v);
            }
        }
    }

    // ---------------------------------------------------------------- MountainCar

    [Fact]
    public void MountainCarTrajectoryMatchesGymnasium()
    {
        var env = Fresh<MountainCar>();
        env.State = (-0.5, 0.0);
        int[] actions = { 2, 2, 0, 1, 2 };
        double[][] expected =
        {
            new[] { -0.49917684300416926, 0.0008231569958307428 },
            new[] { -0.49753668667935325, 0.0016401563248160246 },
            new[] { -0.4970917969323474, 0.00044488974700586273 },
            new[] { -0.49684550006784745, 0.0002462968644999427 },
            new[] { -0.4957996374204934, 0.0010458626473540712 },
        };
        for (int t = 0; t < actions.Length; t++)
        {
            var (obs, r) = env.Step(actions[t]);
            Close(expected[t][0], env.State.Position); Close(expected[t][1], env.State.Velocity);
            CloseObs(expected[t], obs);
            Assert.Equal(-1.0, r.Reward);
            Assert.False(r.Terminated);
        }
    }

    [Fact]
    public void MountainCarTerminatesAtTheGoal()
    {
        var env = Fresh<MountainCar>();
        env.State = (0.49, 0.02);
        var (obs, r) = env.Step(2);
        CloseObs(new[] { 0.5107484356665326, 0.020748435666532672 }, obs);
        Assert.True(r.Terminated);
        Assert.Equal(-1.0, r.Reward);

        // With a goal velocity the same position does not end the episode.
        env.Reset(0);
        env.GoalVelocity = 0.05;
        env.State = (0.49, 0.02);
        Assert.False(env.Step(2).Result.Terminated);
    }

    [Fact]
    public void MountainCarLeftWallIsInelastic()
    {
        var env = Fresh<MountainCar>();
        env.State = (-1.18, -0.05);
        var (obs, _) = env.Step(0);
        Assert.Equal((-1.2, 0.0), env.State);
        Assert.Equal(new[] { -1.2f, 0f }, obs);
    }

    [Fact]
    public void MountainCarClipsVelocity()
    {
        var env = Fresh<MountainCar>();
        env.State = (-0.5, 0.0699);
        env.Step(2);
        Assert.Equal(0.07, env.State.Velocity);
    }

    [Fact]
    public void MountainCarArgsChangeTheStep()
    {
        var env = (MountainCar)((Wrapper)EnvRegistry.Make("MountainCar-v0",
            new Dictionary<string, string> { ["force"] = "0.002", ["gravity"] = "0.003" })).Unwrapped;
        env.Reset(0);
        env.State = (-0.5, 0.01);
        var (obs, _) = env.Step(2);
        CloseObs(new[] { -0.4882122116050031, 0.011787788394996892 }, obs);
    }

    [Fact]
    public void MountainCarResetDistribution()
    {
        var env = new MountainCar();
        for (int seed = 0; seed < 100; seed++)
        {
            var obs = env.Reset(seed);
            Assert.InRange(obs[0], -0.6f, -0.4f);
            Assert.Equal(0f, obs[1]);
        }
    }

    // ---------------------------------------------------------------- MountainCarContinuous

    [Fact]
    public void MountainCarContinuousTrajectoryMatchesGymnasium()
    {
        var env = Fresh<MountainCarContinuous>();
        env.State = (-0.5, 0.0);
        float[] actions = { 0.7f, -0.3f, 1.0f };
        double[][] expected =
        {
            new[] { -0.4991268515586853, 0.0008731569978408515 },
            new[] { -0.4988870620727539, 0.00023978238459676504 },
            new[] { -0.49733245372772217, 0.0015546142822131515 },
        };
        double[] rewards = { -0.048999998331069966, -0.009000000715255752, -0.1 };
        for (int t = 0; t < actions.Length; t++)
        {
            var (obs, r) = env.Step(new[] { actions[t] });
            Assert.Equal(expected[t][0], env.State.Position); // state is float32-valued, as in Gymnasium
            Assert.Equal(expected[t][1], env.State.Velocity);
            CloseObs(expected[t], obs);
            Close(rewards[t], r.Reward);
            Assert.False(r.Terminated);
        }
    }

    [Fact]
    public void MountainCarContinuousGoalRewardIsHundredMinusActionCost()
    {
        var env = Fresh<MountainCarContinuous>();
        env.State = (0.44, 0.02);
        var (obs, r) = env.Step(new[] { 0.5f });
        CloseObs(new[] { 0.4601295590400696, 0.02012956142425537 }, obs);
        Assert.True(r.Terminated);
        Close(99.975, r.Reward);
    }

    [Fact]
    public void MountainCarContinuousPowerArg()
    {
        var env = Fresh<MountainCarContinuous>();
        env.Power = 0.003;
        env.State = (-0.5, 0.0);
        env.Step(new[] { 1.0f });
        Close((float)(0.003 - 0.0025 * Math.Cos(-1.5)), env.State.Velocity);
        Assert.Throws<ArgumentException>(() => env.Step(new[] { 1.5f }));
    }

    // ---------------------------------------------------------------- Pendulum

    [Fact]
    public void PendulumTrajectoryAndRewardMatchGymnasium()
    {
        var env = Fresh<Pendulum>();
        env.State = (1.0, 0.5);
        float[] actions = { 1.5f, -2.0f, 0.3f };
        double[][] state =
        {
            new[] { 1.0678051619302962, 1.3561032386059226 },
            new[] { 1.1534657462597302, 1.713211686588682 },
            new[] { 1.275657862033591, 2.4438423154772173 },
        };
        double[][] obs =
        {
            new[] { 0.48204838409011624, 0.8761445973103457, 1.3561032386059226 },
            new[] { 0.40532158575502103, 0.9141741694671947, 1.713211686588682 },
            new[] { 0.29087233071636914, 0.9567618759250534, 2.4438423154772173 },
        };
        double[] rewards = { -1.02725, -1.3281094632207342, -1.6240826561080726 };
        for (int t = 0; t < actions.Length; t++)
        {
            var (o, r) = env.Step(new[] { actions[t] });
            Close(state[t][0], env.State.Theta); Close(state[t][1], env.State.ThetaDot);
            CloseObs(obs[t], o);
            Close(rewards[t], r.Reward, 1e-9);
            Assert.False(r.Terminated);
            Assert.False(r.Truncated);
        }
    }

    [Fact]
    public void PendulumRewardNormalizesTheAngle()
    {
        var env = Fresh<Pendulum>();
        env.State = (4.0, 7.9); // 4 rad normalizes to 4 - 2 pi
        var (o, r) = env.Step(new[] { 2.0f });
        double an = 4.0 - 2 * Math.PI;
        Close(-(an * an + 0.1 * 7.9 * 7.9 + 0.001 * 4.0), r.Reward, 1e-12);
        Close(-11.457935146920741, r.Reward, 1e-12);
        CloseObs(new[] { -0.32477050902178434, -0.9457928507182379, 7.632398128519054 }, o);
    }

    [Fact]
    public void PendulumClipsSpeed()
    {
        var env = Fresh<Pendulum>();
        env.State = (1.5, 7.9);
        var (o, r) = env.Step(new[] { 2.0f });
        Assert.Equal((1.9, 8.0), (Math.Round(env.State.Theta, 12), env.State.ThetaDot));
        CloseObs(new[] { -0.32328956686350335, 0.9463000876874145, 8.0 }, o);
        Close(-8.495, r.Reward, 1e-12);
        env.State = (-1.5, -7.9);
        env.Step(new[] { -2.0f });
        Assert.Equal(-8.0, env.State.ThetaDot);
    }

    [Fact]
    public void PendulumParametersChangeTheStep()
    {
        var env = (Pendulum)((Wrapper)EnvRegistry.Make("Pendulum-v1", new Dictionary<string, string>
        {
            ["g"] = "9.81", ["m"] = "2", ["l"] = "0.5", ["dt"] = "0.1",
        })).Unwrapped;
        env.Reset(0);
        env.State = (1.0, 0.5);
        var (o, r) = env.Step(new[] { 1.0f });
        CloseObs(new[] { 0.21154104183337466, 0.977369115339773, 3.5764491082896397 }, o);
        Close(-1.0259999999999998, r.Reward, 1e-12);
    }

    [Fact]
    public void PendulumMaxTorqueAndMaxSpeedReshapeTheSpaces()
    {
        var env = new Pendulum();
        Assert.Equal(new[] { 2f }, ((Spaces.Box)env.ActionSpace).High);
        Assert.Equal(new[] { 1f, 1f, 8f }, ((Spaces.Box)env.ObservationSpace).High);
        env.MaxTorque = 3;
        env.MaxSpeed = 10;
        Assert.Equal(new[] { -3f }, ((Spaces.Box)env.ActionSpace).Low);
        Assert.Equal(new[] { 1f, 1f, 10f }, ((Spaces.Box)env.ObservationSpace).High);
    }

    [Theory]
    [InlineData(-7.0, -0.7168146928204138)]
    [InlineData(-3.5, 2.7831853071795862)]
    [InlineData(0.0, 0.0)]
    [InlineData(3.2, -3.083185307179586)]
    [InlineData(10.0, -2.5663706143591725)]
    public void AngleNormalizeMatchesPythonsFlooredModulo(double x, double expected) =>
        Close(expected, Pendulum.AngleNormalize(x), 1e-14);

    [Fact]
    public void PendulumResetDistribution()
    {
        var env = new Pendulum();
        for (int seed = 0; seed < 100; seed++)
        {
            env.Reset(seed);
            Assert.InRange(env.State.Theta, -Math.PI, Math.PI);
            Assert.InRange(env.State.ThetaDot, -1.0, 1.0);
        }
    }
}
