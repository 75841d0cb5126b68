using Astromech.Envs.Checking;
using Astromech.Envs.ClassicControl;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests;

public class RegistryTests
{
    public static TheoryData<string> RegisteredIds()
    {
        var data = new TheoryData<string>();
        foreach (var spec in EnvRegistry.Specs) data.Add(spec.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(RegisteredIds))]
    public void EveryRegisteredEnvPassesTheChecker(string id)
    {
        using var env = EnvRegistry.Make(id);
        var problems = EnvChecker.Check(env, seed: 3);
        Assert.True(problems.Count == 0, $"{id}:\n" + string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(RegisteredIds))]
    public void EveryRegisteredEnvPassesTheCheckerUnwrapped(string id)
    {
        var env = EnvRegistry.Spec(id).Factory();
        EnvChecker.EnsureValid(env, seed: 1, steps: 100);
    }

    [Theory]
    [InlineData("CartPole-v1", 500, 475.0)]
    [InlineData("Acrobot-v1", 500, -100.0)]
    [InlineData("MountainCar-v0", 200, -110.0)]
    [InlineData("MountainCarContinuous-v0", 999, 90.0)]
    [InlineData("Pendulum-v1", 200, null)]
    public void BuiltInSpecsCarryGymnasiumLimitsAndThresholds(string id, int maxSteps, double? threshold)
    {
        var spec = EnvRegistry.Spec(id);
        Assert.Equal(maxSteps, spec.MaxEpisodeSteps);
        Assert.Equal(threshold, spec.RewardThreshold);
        using var env = EnvRegistry.Make(id);
        var tl = Assert.IsType<TimeLimit>(env);
        Assert.Equal(maxSteps, tl.MaxEpisodeSteps);
        Assert.Same(spec, env.Spec);
        Assert.Same(spec, tl.Unwrapped.Spec);
    }

    [Fact]
    public void MakeBuildsFreshIndependentEnvs()
    {
        var a = EnvRegistry.Make("CartPole-v1");
        var b = EnvRegistry.Make("CartPole-v1");
        Assert.NotSame(((Wrapper)a).Unwrapped, ((Wrapper)b).Unwrapped);
        Assert.IsType<CartPole>(((Wrapper)a).Unwrapped);
        Assert.Equal(a.Reset(seed: 5), b.Reset(seed: 5));
    }

    [Fact]
    public void MaxEpisodeStepsOverrideWinsAndIsRecordedInTheSpec()
    {
        using var env = EnvRegistry.Make("Pendulum-v1", maxEpisodeSteps: 7);
        Assert.Equal(7, Assert.IsType<TimeLimit>(env).MaxEpisodeSteps);
        Assert.Equal(7, env.Spec!.MaxEpisodeSteps);
        Assert.Equal(200, EnvRegistry.Spec("Pendulum-v1").MaxEpisodeSteps);
        env.Reset(seed: 0);
        for (int t = 1; t <= 7; t++)
            Assert.Equal(t == 7, env.Step(new[] { 0f }).Result.Truncated);
    }

    [Theory]
    [InlineData("CartPole-v1", 500)]
    [InlineData("Pendulum-v1", 200)]
    [InlineData("MountainCarContinuous-v0", 999)]
    [InlineData("MountainCar-v0", 200)]
    [InlineData("Acrobot-v1", 500)]
    public void TimeLimitTruncatesAtTheSpecLimit(string id, int limit)
    {
        using var env = EnvRegistry.Make(id);
        var inner = ((Wrapper)env).Unwrapped;
        var obs = new float[env.ObservationSpace.FlatSize];
        var action = new float[env.ActionSpace.FlatSize];
        // A "do nothing" action keeps every env well away from termination: CartPole is held upright by
        // resetting its state each step; the others do not reach their goals by coasting.
        if (env.ActionSpace is Discrete d) action[0] = id.StartsWith("CartPole") ? 0 : d.N / 2;
        env.Reset(obs, seed: 0);
        for (int t = 1; t <= limit; t++)
        {
            if (inner is CartPole cp) cp.State = (0, 0, 0, 0);
            var r = env.Step(action, obs);
            Assert.False(r.Terminated);
            Assert.Equal(t == limit, r.Truncated);
            Assert.Equal(t, ((TimeLimit)env).ElapsedSteps);
        }
        Assert.Throws<InvalidOperationException>(() => env.Step(action, obs));
        env.Reset(obs);
        Assert.Equal(0, ((TimeLimit)env).ElapsedSteps);
        Assert.False(env.Step(action, obs).Done);
    }

    [Fact]
    public void UnknownIdErrorSuggestsTheNearestIds()
    {
        var e = Assert.Throws<UnknownEnvException>(() => EnvRegistry.Make("CartPole-v0"));
        Assert.Contains("'CartPole-v0'", e.Message);
        Assert.Contains("CartPole-v1", e.Message);
        Assert.Equal("CartPole-v1", e.Suggestions[0]);
        Assert.IsAssignableFrom<ArgumentException>(e);

        e = Assert.Throws<UnknownEnvException>(() => EnvRegistry.Spec("cartpole-v1")); // ids are case-sensitive
        Assert.Equal("CartPole-v1", e.Suggestions[0]);

        e = Assert.Throws<UnknownEnvException>(() => EnvRegistry.Spec("MountainCarContinous-v0"));
        Assert.Equal("MountainCarContinuous-v0", e.Suggestions[0]);

        e = Assert.Throws<UnknownEnvException>(() => EnvRegistry.Spec("Zzzzzzzzzzzzzzzzzzzzzzzz"));
        Assert.Empty(e.Suggestions);
        Assert.Contains("Registered ids", e.Message);
        Assert.Contains("Pendulum-v1", e.Message);
    }

    [Fact]
    public void RegisterAcceptsNamespacedIdsAndRejectsDuplicatesAndBadIds()
    {
        string id = "AstromechTest/Dummy-v3";
        if (!EnvRegistry.Contains(id))
            EnvRegistry.Register(new EnvSpec(id, () => new MountainCar(), 10));
        Assert.Contains(EnvRegistry.Specs, s => s.Id == id);
        using (var env = EnvRegistry.Make(id))
            Assert.Equal(10, Assert.IsType<TimeLimit>(env).MaxEpisodeSteps);
        Assert.Throws<ArgumentException>(() => EnvRegistry.Register(new EnvSpec(id, () => new MountainCar())));
        EnvRegistry.Register(new EnvSpec(id, () => new MountainCar(), 20), replace: true);
        Assert.Equal(20, EnvRegistry.Spec(id).MaxEpisodeSteps);
        Assert.Throws<ArgumentException>(() => EnvRegistry.Register(new EnvSpec("bad id with spaces", () => new CartPole())));
        Assert.Throws<ArgumentException>(() => EnvRegistry.Register(new EnvSpec("Zero-v0", () => new CartPole(), 0)));
    }

    [Fact]
    public void SpecWithoutLimitIsNotWrapped()
    {
        string id = "AstromechTest/NoLimit-v0";
        if (!EnvRegistry.Contains(id))
            EnvRegistry.Register(new EnvSpec(id, () => new Pendulum()));
        using var env = EnvRegistry.Make(id);
        Assert.IsType<Pendulum>(env);
        Assert.Equal(id, env.Spec!.Id);
        Assert.IsType<TimeLimit>(EnvRegistry.Make(id, maxEpisodeSteps: 5));
    }

    [Fact]
    public void EditDistance()
    {
        Assert.Equal(0, Names.EditDistance("abc", "abc"));
        Assert.Equal(1, Names.EditDistance("abc", "abd"));
        Assert.Equal(3, Names.EditDistance("", "abc"));
        Assert.Equal(3, Names.EditDistance("kitten", "sitting"));
    }
}

public class EnvArgsTests
{
    private static readonly Dictionary<string, string> NoArgs = new();

    [Fact]
    public void ApplySetsTypedPropertiesOnTheInnermostEnv()
    {
        using var env = EnvRegistry.Make("CartPole-v1", new Dictionary<string, string>
        {
            ["gravity"] = "12.5", ["masscart"] = "2", ["length"] = "1e-1", ["sutton_barto_reward"] = "true",
            ["kinematics_integrator"] = "semi-implicit euler",
        });
        var cp = (CartPole)((Wrapper)env).Unwrapped;
        Assert.Equal(12.5, cp.Gravity);
        Assert.Equal(2.0, cp.MassCart);
        Assert.Equal(0.1, cp.Length);
        Assert.True(cp.SuttonBartoReward);
        Assert.Equal("semi-implicit euler", cp.KinematicsIntegrator);
        Assert.Equal(2.1, cp.TotalMass, 12);
        Assert.Equal(0.01, cp.PolemassLength, 12);
    }

    [Fact]
    public void UnknownArgNamesTheKeyTheEnvAndTheValidNames()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("CartPole-v1", new Dictionary<string, string> { ["gravty"] = "12" }));
        Assert.Contains("'gravty'", e.Message);
        Assert.Contains("CartPole-v1", e.Message);
        foreach (var name in new[] { "gravity", "masscart", "masspole", "length", "force_mag", "tau", "sutton_barto_reward" })
            Assert.Contains(name, e.Message);
    }

    [Fact]
    public void UnparsableValueNamesKeyAndValue()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("Pendulum-v1", new Dictionary<string, string> { ["g"] = "ten" }));
        Assert.Contains("'g'", e.Message);
        Assert.Contains("'ten'", e.Message);
        Assert.Contains("Pendulum-v1", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("CartPole-v1", new Dictionary<string, string> { ["sutton_barto_reward"] = "maybe" }));
        Assert.Contains("'maybe'", e.Message);

        // Decimal commas are not accepted: parsing is culture-invariant.
        Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("Pendulum-v1", new Dictionary<string, string> { ["g"] = "9,81" }));
    }

    [Fact]
    public void RejectedValueNamesKeyAndReason()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("CartPole-v1", new Dictionary<string, string> { ["masspole"] = "-1" }));
        Assert.Contains("'masspole'", e.Message);
        Assert.Contains("-1", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            EnvRegistry.Make("Acrobot-v1", new Dictionary<string, string> { ["book_or_nips"] = "paper" }));
        Assert.Contains("book_or_nips", e.Message);
    }

    [Fact]
    public void DescribeListsNamesValuesAndHelp()
    {
        using var env = EnvRegistry.Make("Pendulum-v1");
        var args = EnvArgs.Describe(env);
        Assert.Equal(new[] { "dt", "g", "l", "m", "max_speed", "max_torque" }, args.Select(a => a.Name).ToArray());
        var g = args.Single(a => a.Name == "g");
        Assert.Equal(10.0, g.Value);
        Assert.Equal(typeof(double), g.Type);
        Assert.False(string.IsNullOrEmpty(g.Help));
        Assert.Equal("10", g.FormattedValue);
        EnvArgs.Apply(env, new Dictionary<string, string> { ["g"] = "9.81" });
        Assert.Equal(9.81, EnvArgs.Get(env, "g"));
        EnvArgs.Apply(env, NoArgs);
    }

    [Theory]
    [InlineData("CartPole-v1", "gravity,masscart,masspole,length,force_mag,tau,sutton_barto_reward")]
    [InlineData("Acrobot-v1", "link_length_1,link_length_2,link_mass_1,link_mass_2,link_com_pos_1,link_com_pos_2,link_moi,dt")]
    [InlineData("MountainCar-v0", "force,gravity")]
    [InlineData("MountainCarContinuous-v0", "power")]
    [InlineData("Pendulum-v1", "g,m,l,max_speed,max_torque,dt")]
    public void ClassicEnvsExposeGymnasiumsParameterNames(string id, string names)
    {
        using var env = EnvRegistry.Make(id);
        var have = EnvArgs.Describe(env).Select(a => a.Name).ToHashSet();
        foreach (var n in names.Split(','))
            Assert.Contains(n, have);
    }
}

public class TimeLimitTests
{
    [Fact]
    public void TruncatedEvenWhenTheLastStepTerminates()
    {
        var cp = new CartPole();
        var env = new TimeLimit(cp, 3);
        env.Reset(seed: 0);
        Assert.False(env.Step(1).Result.Done);
        Assert.False(env.Step(1).Result.Done);
        cp.State = (0, 0, 0.2094, 0.5);
        var r = env.Step(1).Result;
        Assert.True(r.Terminated);
        Assert.True(r.Truncated); // Gymnasium: truncated = elapsed >= max, independent of terminated
    }

    [Fact]
    public void StepBeforeResetAndBadActionsAreNotCounted()
    {
        var env = new TimeLimit(new CartPole(), 5);
        Assert.Throws<InvalidOperationException>(() => env.Step(0));
        env.Reset(seed: 0);
        Assert.Throws<ArgumentException>(() => env.Step(2));
        Assert.Equal(0, env.ElapsedSteps);
        env.Step(0);
        Assert.Equal(1, env.ElapsedSteps);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeLimit(new CartPole(), 0));
    }
}
