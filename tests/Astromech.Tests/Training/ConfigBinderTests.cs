using System.Text.Json.Nodes;
using Astromech.Training.Config;

namespace Astromech.Tests.Training;

public enum TestLoss { Huber, MeanSquared }

public sealed record TestDqnConfig : IValidatableConfig
{
    [ConfigRange(0, double.PositiveInfinity, MinExclusive = true)]
    public double LearningRate { get; init; } = 1e-4;

    [ConfigRange(0, 1)]
    public float Gamma { get; init; } = 0.99f;

    [ConfigRange(1, 100)]
    public int NStep { get; init; } = 1;

    public long BufferSize { get; init; } = 1_000_000;
    public bool DoubleQ { get; init; } = true;
    public string Name { get; init; } = "dqn";
    public string? Note { get; init; }
    public TestLoss Loss { get; init; } = TestLoss.Huber;
    public int? TargetUpdate { get; init; }
    public double MaxGradNorm { get; init; } = double.PositiveInfinity;

    [ConfigRange(1, 4096)]
    public int[] HiddenSizes { get; init; } = { 64, 64 };

    public double EpsilonStart { get; init; } = 1.0;
    public double EpsilonEnd { get; init; } = 0.05;

    public double Computed => LearningRate * 2; // read-only: not a key

    public IEnumerable<string> Validate()
    {
        if (EpsilonEnd > EpsilonStart) yield return $"epsilon_end ({EpsilonEnd}) must not exceed epsilon_start ({EpsilonStart})";
    }
}

public class ConfigBinderTests
{
    [Fact]
    public void Defaults_WhenNothingGiven()
    {
        var c = ConfigBinder.Bind<TestDqnConfig>();
        Assert.Equal(new TestDqnConfig() with { HiddenSizes = c.HiddenSizes }, c);
    }

    [Fact]
    public void BindsJson_ThenOverrides_AllTypes()
    {
        var json = JsonNode.Parse("""
            { "algo": "dqn", "env": "CartPole-v1", "seed": 3,
              "learning_rate": 3e-4, "gamma": 0.9, "n_step": 3, "buffer_size": 1e5, "double_q": false,
              "name": "x", "note": null, "loss": "mean_squared", "target_update": 500, "hidden_sizes": [128, 32] }
            """)!.AsObject();
        var c = ConfigBinder.Bind<TestDqnConfig>(json, new[] { "learning_rate=0.001", "LOSS=huber", "note=hello", "n-step=5",
            "target_update=null", "max_grad_norm=10", "hidden_sizes=256,256,8" }, ignoreKeys: new[] { "algo", "env", "seed" });
        Assert.Equal(0.001, c.LearningRate);
        Assert.Equal(0.9f, c.Gamma);
        Assert.Equal(5, c.NStep);
        Assert.Equal(100_000L, c.BufferSize);
        Assert.False(c.DoubleQ);
        Assert.Equal("x", c.Name);
        Assert.Equal("hello", c.Note);
        Assert.Equal(TestLoss.Huber, c.Loss);
        Assert.Null(c.TargetUpdate);
        Assert.Equal(10, c.MaxGradNorm);
        Assert.Equal(new[] { 256, 256, 8 }, c.HiddenSizes);
    }

    [Fact]
    public void Baseline_IsCopiedNotMutated()
    {
        var baseline = new TestDqnConfig { LearningRate = 0.5 };
        var c = ConfigBinder.Bind(new[] { "gamma=0.5" }, baseline);
        Assert.Equal(0.5, c.LearningRate);
        Assert.Equal(0.5f, c.Gamma);
        Assert.Equal(0.99f, baseline.Gamma);
    }

    [Fact]
    public void UnknownKey_SuggestsNearest()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "learnig_rate=0.1" }));
        Assert.Equal("--set learnig_rate=0.1: unknown key 'learnig_rate' for TestDqnConfig; did you mean 'learning_rate'?", e.Message);

        var json = new JsonObject { ["gama"] = 0.9 };
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(json, source: "config file 'a.json'"));
        Assert.Equal("config file 'a.json': unknown key 'gama' for TestDqnConfig; did you mean 'gamma'?", e.Message);
    }

    [Fact]
    public void UnknownKey_FarFromAll_ListsValidKeys()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new JsonObject { ["env"] = "CartPole-v1" }));
        Assert.Contains("unknown key 'env' for TestDqnConfig; valid keys: learning_rate, gamma, n_step, buffer_size, double_q, name, note, loss, target_update, max_grad_norm, hidden_sizes, epsilon_start, epsilon_end", e.Message);
        Assert.DoesNotContain("computed", e.Message);
    }

    [Theory]
    [InlineData("learning_rate=abc", "invalid value abc for key 'learning_rate' of TestDqnConfig: expected a number (double)")]
    [InlineData("n_step=2.5", "invalid value 2.5 for key 'n_step' of TestDqnConfig: expected an integer (int)")]
    [InlineData("n_step=3000000000", "invalid value 3000000000 for key 'n_step' of TestDqnConfig: expected an integer (int)")]
    [InlineData("double_q=maybe", "invalid value maybe for key 'double_q' of TestDqnConfig: expected true or false")]
    [InlineData("loss=l1", "invalid value l1 for key 'loss' of TestDqnConfig: expected one of huber, mean_squared")]
    [InlineData("loss=1", "invalid value 1 for key 'loss' of TestDqnConfig: expected one of huber, mean_squared")]
    [InlineData("target_update=soon", "invalid value soon for key 'target_update' of TestDqnConfig: expected an integer (int) or null")]
    [InlineData("gamma=null", "invalid value null for key 'gamma' of TestDqnConfig: expected a number (float)")]
    [InlineData("hidden_sizes=64,x", "invalid value 64,x for key 'hidden_sizes' of TestDqnConfig: expected a list of integers (int)")]
    public void WrongTypedOverride_NamesKeyValueAndType(string item, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { item }));
        Assert.Equal($"--set {item}: {expected}", e.Message);
    }

    [Fact]
    public void WrongTypedJson_NamesKeyValueAndType()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(JsonNode.Parse("""{"learning_rate": "fast"}""")!.AsObject()));
        Assert.Equal("JSON config: invalid value \"fast\" for key 'learning_rate' of TestDqnConfig: expected a number (double)", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(JsonNode.Parse("""{"double_q": 1}""")!.AsObject()));
        Assert.Contains("invalid value 1 for key 'double_q'", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(JsonNode.Parse("""{"name": null}""")!.AsObject()));
        Assert.Contains("invalid value null for key 'name' of TestDqnConfig: expected a string", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(JsonNode.Parse("""{"gamma": 0.9, "Gamma": 0.8}""")!.AsObject()));
        Assert.Contains("key 'gamma' is given twice", e.Message);
    }

    [Fact]
    public void MalformedOverride_Explains()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "learning_rate" }));
        Assert.Contains("must have the form key=value", e.Message);
    }

    [Fact]
    public void OutOfRange_NamesKeyValueAndRange()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "learning_rate=0" }));
        Assert.Equal("learning_rate = 0 is out of range for TestDqnConfig: allowed (0, +inf)", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "gamma=1.5" }));
        Assert.Equal("gamma = 1.5 is out of range for TestDqnConfig: allowed [0, 1]", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "hidden_sizes=64,0" }));
        Assert.Equal("hidden_sizes = [64, 0] is out of range for TestDqnConfig: allowed [1, 4096]", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "learning_rate=nan" }));
        Assert.Contains("learning_rate = NaN is out of range", e.Message);
    }

    [Fact]
    public void CrossFieldValidation_AndMultipleErrorsListed()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<TestDqnConfig>(new[] { "epsilon_end=0.5", "epsilon_start=0.1", "n_step=0" }));
        Assert.Equal(2, e.Errors.Count);
        Assert.StartsWith("TestDqnConfig has 2 errors:", e.Message);
        Assert.Contains("n_step = 0 is out of range for TestDqnConfig: allowed [1, 100]", e.Message);
        Assert.Contains("epsilon_end (0.5) must not exceed epsilon_start (0.1)", e.Message);
    }

    [Fact]
    public void ToJson_IsSnakeCase_AndRoundTrips()
    {
        var c = new TestDqnConfig { LearningRate = 2.5e-4, Gamma = 0.97f, Note = null, Loss = TestLoss.MeanSquared, TargetUpdate = 8000, HiddenSizes = new[] { 32 } };
        var json = ConfigBinder.ToJson(c);
        Assert.Equal(ConfigBinder.KeysOf(typeof(TestDqnConfig)), json.Select(kv => kv.Key));
        Assert.Equal("inf", (string)json["max_grad_norm"]!);
        Assert.Equal("MeanSquared", (string)json["loss"]!);
        var back = ConfigBinder.Bind<TestDqnConfig>(JsonNode.Parse(ConfigBinder.ToJsonString(c))!.AsObject());
        Assert.Equal(c with { HiddenSizes = back.HiddenSizes }, back);
        Assert.Equal(c.HiddenSizes, back.HiddenSizes);
    }

    [Fact]
    public void BindFile_ReportsBadJsonWithFileName()
    {
        using var dir = new TempDir();
        var path = dir.File("dqn.json");
        File.WriteAllText(path, "{ // comment\n \"gamma\": 0.5, }");
        Assert.Equal(0.5f, ConfigBinder.BindFile<TestDqnConfig>(path).Gamma);
        File.WriteAllText(path, "{ \"gamma\": }");
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.BindFile<TestDqnConfig>(path));
        Assert.Contains($"config file '{path}' is not valid JSON", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.BindFile<TestDqnConfig>(dir.File("missing.json")));
        Assert.Contains("cannot read config file", e.Message);
        File.WriteAllText(path, "{ \"gamm\": 0.5 }");
        e = Assert.Throws<ConfigException>(() => ConfigBinder.BindFile<TestDqnConfig>(path));
        Assert.Equal($"config file '{path}': unknown key 'gamm' for TestDqnConfig; did you mean 'gamma'?", e.Message);
    }

    [Theory]
    [InlineData("LearningRate", "learning_rate")]
    [InlineData("NStep", "n_step")]
    [InlineData("UseGAE", "use_gae")]
    [InlineData("GAELambda", "gae_lambda")]
    [InlineData("Layer1Size", "layer1_size")]
    [InlineData("Gamma", "gamma")]
    public void SnakeCase(string pascal, string snake) => Assert.Equal(snake, ConfigBinder.ToSnakeCase(pascal));
}
