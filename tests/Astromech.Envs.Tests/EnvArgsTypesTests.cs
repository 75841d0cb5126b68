using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests;

public class EnvArgsTypesTests
{
    private sealed class ParamEnv : Env
    {
        public override Space ObservationSpace { get; } = new Box(-1f, 1f, new[] { 1 });
        public override Space ActionSpace { get; } = new Discrete(2);

        [EnvArg("count", Help = "an int")] public int Count { get; set; } = 3;
        [EnvArg("scale")] public float Scale { get; set; } = 1.5f;
        [EnvArg("flag")] public bool Flag { get; set; }
        public double NotAnArg { get; set; }

        protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs) { obs[0] = 0; return null; }
        protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs) { obs[0] = 0; return new StepResult(0, true, false); }
    }

    [Fact]
    public void IntFloatBoolAreParsedInvariantlyThroughWrappers()
    {
        var inner = new ParamEnv();
        IEnv env = new TimeLimit(new TimeLimit(inner, 10), 5);
        EnvArgs.Apply(env, new Dictionary<string, string> { ["count"] = " 7 ", ["scale"] = "2.25", ["flag"] = "1" });
        Assert.Equal(7, inner.Count);
        Assert.Equal(2.25f, inner.Scale);
        Assert.True(inner.Flag);
        Assert.Throws<ArgumentException>(() => EnvArgs.Apply(env, new Dictionary<string, string> { ["count"] = "2.5" }));
        var e = Assert.Throws<ArgumentException>(() => EnvArgs.Apply(env, new Dictionary<string, string> { ["NotAnArg"] = "1" }));
        Assert.Contains("ParamEnv", e.Message); // no spec: the type name stands in for the id
        Assert.Contains("count, flag, scale", e.Message);
        Assert.Equal(new[] { "count", "flag", "scale" }, EnvArgs.Describe(env).Select(a => a.Name).ToArray());
        Assert.Equal("2.25", EnvArgs.Describe(env).Single(a => a.Name == "scale").FormattedValue);
    }

    [Fact]
    public void NonFiniteValuesAndPhysicsAreRefusedNamingTheEnv()
    {
        var inner = new ParamEnv();
        var e = Assert.Throws<ArgumentException>(() => EnvArgs.Apply(inner, new Dictionary<string, string> { ["scale"] = "NaN" }));
        Assert.Contains("not a finite number", e.Message);
        Assert.Throws<ArgumentException>(() => EnvArgs.Apply(inner, new Dictionary<string, string> { ["scale"] = "inf" }));

        // A push so large that one Euler step overflows: the step is refused, not passed on as infinities.
        var cartPole = EnvRegistry.Make("CartPole-v1");
        EnvArgs.Apply(cartPole, new Dictionary<string, string> { ["force_mag"] = "1e308" });
        var obs = new float[4];
        cartPole.Reset(obs, seed: 0);
        var err = Assert.Throws<InvalidOperationException>(() => cartPole.Step(new float[] { 1 }, obs));
        Assert.Contains("CartPole-v1", err.Message);
        Assert.Contains("non-finite observation", err.Message);
    }
}
