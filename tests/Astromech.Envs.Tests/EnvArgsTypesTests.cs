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
}
