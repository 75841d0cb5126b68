using System.Text.Json.Nodes;
using Astromech.Training.Config;

namespace Astromech.Tests.Training;

public sealed record TestLrScheduleConfig
{
    [ConfigRange(0, 1)] public double Start { get; init; } = 1.0;
    [ConfigRange(0, 1)] public double End { get; init; } = 0.0;
}

public sealed record TestAdamConfig : IValidatableConfig
{
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 1e-3;
    [ConfigRange(0, 1)] public double Eps { get; init; } = 1e-8;
    public double[] Betas { get; init; } = { 0.9, 0.999 };
    public TestLrScheduleConfig LrSchedule { get; init; } = new();

    public IEnumerable<string> Validate() => Validate(ConfigPath.Root);

    public IEnumerable<string> Validate(ConfigPath at)
    {
        if (Betas.Length != 2) yield return $"{at.Name("betas")} needs two values, got {Betas.Length}";
    }
}

/// <summary>A learner config with a nested optimizer record and two flat aliases into it (one at depth two).</summary>
public sealed record TestNestedConfig
{
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.99;
    public TestAdamConfig Optimizer { get; init; } = new();
    public int Seedless { get; init; } = 3;

    [ConfigAlias("optimizer.learning_rate")]
    public double LearningRate { get => Optimizer.LearningRate; init => Optimizer = Optimizer with { LearningRate = value }; }

    [ConfigAlias("optimizer.lr_schedule.end")]
    public double LrEnd { get => Optimizer.LrSchedule.End; init => Optimizer = Optimizer with { LrSchedule = Optimizer.LrSchedule with { End = value } }; }
}

public class NestedConfigBinderTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void NestedJson_BindsEachDepth_AndKeepsTheOtherDefaults()
    {
        var c = ConfigBinder.Bind<TestNestedConfig>(Json("""
            {"gamma": 0.9, "optimizer": {"learning_rate": 3e-4, "Betas": [0.5, 0.6], "lr_schedule": {"end": 0.1}}}
            """));
        Assert.Equal(0.9, c.Gamma);
        Assert.Equal(3e-4, c.Optimizer.LearningRate);
        Assert.Equal(new[] { 0.5, 0.6 }, c.Optimizer.Betas);
        Assert.Equal(0.1, c.Optimizer.LrSchedule.End);
        Assert.Equal(1.0, c.Optimizer.LrSchedule.Start);
        Assert.Equal(1e-8, c.Optimizer.Eps);
        Assert.Equal(3, c.Seedless);
    }

    [Fact]
    public void DottedKeys_BindFromOverridesAndJson_OverridesWinning()
    {
        var c = ConfigBinder.Bind<TestNestedConfig>(Json("""{"optimizer.eps": 1e-5, "optimizer": {"learning_rate": 0.5}}"""),
            new[] { "optimizer.learning_rate=3e-4", "optimizer.lr_schedule.end=0.2", "Optimizer.LrSchedule.Start=0.75" });
        Assert.Equal(1e-5, c.Optimizer.Eps);
        Assert.Equal(3e-4, c.Optimizer.LearningRate);
        Assert.Equal(0.2, c.Optimizer.LrSchedule.End);
        Assert.Equal(0.75, c.Optimizer.LrSchedule.Start);

        // A whole nested record as a JSON object value on the command line.
        var d = ConfigBinder.Bind<TestNestedConfig>(new[] { """optimizer={"eps": 0.25, "lr_schedule": {"start": 0.5}}""" });
        Assert.Equal(0.25, d.Optimizer.Eps);
        Assert.Equal(0.5, d.Optimizer.LrSchedule.Start);
        Assert.Equal(1e-3, d.Optimizer.LearningRate);
    }

    [Fact]
    public void BindingOverABaseline_LeavesTheBaselinesNestedRecordsAlone()
    {
        var baseline = new TestNestedConfig { Optimizer = new TestAdamConfig { Eps = 0.5 } };
        var c = ConfigBinder.Bind(new[] { "optimizer.learning_rate=0.25", "optimizer.lr_schedule.end=0.5" }, baseline);
        Assert.Equal(0.25, c.Optimizer.LearningRate);
        Assert.Equal(0.5, c.Optimizer.Eps);
        Assert.Equal(1e-3, baseline.Optimizer.LearningRate);
        Assert.Equal(0.0, baseline.Optimizer.LrSchedule.End);
        // Defaults are not shared either: a second bind starts from fresh nested defaults.
        Assert.Equal(0.0, ConfigBinder.Bind<TestNestedConfig>().Optimizer.LrSchedule.End);
    }

    [Theory]
    [InlineData("optimizer.learnin_rate=1", "unknown key 'optimizer.learnin_rate' for TestNestedConfig; did you mean 'optimizer.learning_rate'?")]
    [InlineData("optimiser.eps=1", "unknown key 'optimiser.eps' for TestNestedConfig; did you mean 'optimizer.eps'?")]
    [InlineData("optimizer.lr_schedule.ned=1", "unknown key 'optimizer.lr_schedule.ned' for TestNestedConfig; did you mean 'optimizer.lr_schedule.end'?")]
    [InlineData("lerning_rate=1", "unknown key 'lerning_rate' for TestNestedConfig; did you mean 'learning_rate'?")]
    [InlineData("optimizer.zzzzzzzzzz=1", "unknown key 'optimizer.zzzzzzzzzz' for TestNestedConfig; valid keys: optimizer.learning_rate, optimizer.eps, optimizer.betas, optimizer.lr_schedule.start, optimizer.lr_schedule.end")]
    [InlineData("gamma.x=1", "key 'gamma.x': 'gamma' is a value, not a section with keys of its own")]
    public void UnknownNestedKey_NamesTheDottedPathAndTheNearestKey(string item, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { item }));
        Assert.Equal($"--set {item}: {expected}", e.Message);
    }

    [Fact]
    public void UnknownKeyInsideANestedJsonObject_NamesItsDottedPath()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(Json("""{"optimizer": {"lr_schedule": {"strat": 0.1}}}"""), source: "config file 'x.json'"));
        Assert.Equal("config file 'x.json': unknown key 'optimizer.lr_schedule.strat' for TestNestedConfig; did you mean 'optimizer.lr_schedule.start'?", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(Json("""{"optimizer": 3}""")));
        Assert.Equal("JSON config: invalid value 3 for key 'optimizer' of TestNestedConfig: expected an object of TestAdamConfig keys", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { "optimizer=fast" }));
        Assert.StartsWith("--set optimizer=fast: invalid value fast for key 'optimizer' of TestNestedConfig: expected a JSON object of TestAdamConfig keys", e.Message);
    }

    [Fact]
    public void WrongTypedNestedValue_NamesThePathAndTheAliasTyped()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { "optimizer.eps=abc" }));
        Assert.Equal("--set optimizer.eps=abc: invalid value abc for key 'optimizer.eps' of TestAdamConfig: expected a number (double)", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(Json("""{"learning_rate": "fast"}""")));
        Assert.Equal("JSON config: invalid value \"fast\" for key 'learning_rate' (alias of 'optimizer.learning_rate') of TestAdamConfig: expected a number (double)", e.Message);
    }

    [Fact]
    public void Validation_RunsAtEveryDepth_WithDottedPathsAndAliases()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { "optimizer.eps=2" }));
        Assert.Equal("optimizer.eps = 2 is out of range for TestAdamConfig: allowed [0, 1]", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { "learning_rate=0" }));
        Assert.Equal("optimizer.learning_rate (alias learning_rate) = 0 is out of range for TestAdamConfig: allowed (0, 1]", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { "optimizer.lr_schedule.start=3", "optimizer.betas=[0.9]", "gamma=2" }));
        Assert.Equal(3, e.Errors.Count);
        Assert.Contains("gamma = 2 is out of range for TestNestedConfig: allowed [0, 1]", e.Errors);
        Assert.Contains("optimizer.lr_schedule.start = 3 is out of range for TestLrScheduleConfig: allowed [0, 1]", e.Errors);
        Assert.Contains("optimizer.betas needs two values, got 1", e.Errors);
        // Validate on its own (a config built in code) reports the same paths.
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Validate(new TestNestedConfig { LrEnd = 5 }));
        Assert.Equal("optimizer.lr_schedule.end (alias lr_end) = 5 is out of range for TestLrScheduleConfig: allowed [0, 1]", e.Message);
    }

    [Fact]
    public void FlatAliases_BindToTheirNestedKeys()
    {
        var c = ConfigBinder.Bind<TestNestedConfig>(Json("""{"learning_rate": 0.01, "LrEnd": 0.3}"""));
        Assert.Equal(0.01, c.Optimizer.LearningRate);
        Assert.Equal(0.3, c.Optimizer.LrSchedule.End);
        c = ConfigBinder.Bind<TestNestedConfig>(new[] { "lr-end=0.4", "learning_rate=0.02" });
        Assert.Equal(0.4, c.Optimizer.LrSchedule.End);
        Assert.Equal(0.02, c.Optimizer.LearningRate);
        Assert.Equal(0.02, (double)ConfigBinder.ValueOf(c, "learning_rate")!);
        Assert.Equal(0.4, (double)ConfigBinder.ValueOf(c, "optimizer.lr_schedule.end")!);
    }

    [Fact]
    public void AliasAndNestedKeyWithDifferentValues_IsAnErrorNamingBoth()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(Json("""{"learning_rate": 0.01, "optimizer": {"learning_rate": 0.02}}""")));
        Assert.Equal("JSON config: 'learning_rate' (the flat alias of 'optimizer.learning_rate') and 'optimizer.learning_rate' are both given, with different values (0.01 and 0.02); give only one of them", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(new[] { "optimizer.lr_schedule.end=0.5", "lr_end=0.25" }));
        Assert.Contains("'lr_end' (the flat alias of 'optimizer.lr_schedule.end') and 'optimizer.lr_schedule.end' are both given, with different values (0.25 and 0.5)", e.Message);

        // The same value twice is no conflict; among overrides the same spelling repeated still lets the last one win;
        // and an override may change what the JSON said through either spelling.
        Assert.Equal(0.01, ConfigBinder.Bind<TestNestedConfig>(Json("""{"learning_rate": 0.01, "optimizer.learning_rate": 0.01}""")).Optimizer.LearningRate);
        Assert.Equal(0.3, ConfigBinder.Bind<TestNestedConfig>(new[] { "learning_rate=0.1", "learning_rate=0.3" }).Optimizer.LearningRate);
        Assert.Equal(0.3, ConfigBinder.Bind<TestNestedConfig>(Json("""{"optimizer": {"learning_rate": 0.02}}"""), new[] { "learning_rate=0.3" }).Optimizer.LearningRate);
        // The same key twice in one JSON object is still an error, at any depth.
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestNestedConfig>(Json("""{"optimizer": {"eps": 0.1}, "optimizer.eps": 0.1}""")));
        Assert.Contains("key 'optimizer.eps' is given twice (as 'optimizer.eps' and 'optimizer.eps')", e.Message);
    }

    [Fact]
    public void ToJson_WritesTheNestedShapeWithoutAliases_AndRoundTrips()
    {
        var c = new TestNestedConfig { Gamma = 0.5, Optimizer = new TestAdamConfig { Eps = 0.125, Betas = new[] { 0.1, 0.2 } }, LrEnd = 0.75 };
        var json = ConfigBinder.ToJson(c);
        Assert.Equal(new[] { "gamma", "optimizer", "seedless" }, json.Select(kv => kv.Key));
        var opt = json["optimizer"]!.AsObject();
        Assert.Equal(new[] { "learning_rate", "eps", "betas", "lr_schedule" }, opt.Select(kv => kv.Key));
        Assert.Equal(0.75, (double)opt["lr_schedule"]!["end"]!);

        var back = ConfigBinder.Bind<TestNestedConfig>(JsonNode.Parse(ConfigBinder.ToJsonString(c))!.AsObject());
        Assert.Equal(ConfigBinder.ToJsonString(c), ConfigBinder.ToJsonString(back));
        Assert.Equal(c.Optimizer.LrSchedule, back.Optimizer.LrSchedule);
        Assert.Equal(new[] { 0.1, 0.2 }, back.Optimizer.Betas);
        Assert.Equal(0.5, back.Gamma);

        Assert.Equal(new[] { "gamma", "optimizer.learning_rate", "optimizer.eps", "optimizer.betas", "optimizer.lr_schedule.start",
            "optimizer.lr_schedule.end", "seedless", "learning_rate", "lr_end" }, ConfigBinder.KeysOf(typeof(TestNestedConfig)));
    }
}
