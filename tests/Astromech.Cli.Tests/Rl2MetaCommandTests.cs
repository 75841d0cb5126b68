using System.Text.Json.Nodes;

namespace Astromech.Cli.Tests;

public class Rl2MetaCommandTests
{
    [Theory]
    [InlineData(new[] { "meta" }, "meta eval")]
    [InlineData(new[] { "meta", "baselines", "--trial-episodes", "10" }, "--family")]
    [InlineData(new[] { "meta", "baselines", "--family", "Bandit-k5" }, "--trial-episodes")]
    [InlineData(new[] { "meta", "baselines", "--family", "Bandit-k7", "--trial-episodes", "10" }, "Bandit-k7")]
    [InlineData(new[] { "meta", "baselines", "--family", "CartPole-v1", "--trial-episodes", "10" }, "task family")]
    [InlineData(new[] { "meta", "eval", "/nonexistent/checkpoint.ckpt" }, "/nonexistent/checkpoint.ckpt")]
    public void BadInputIsNamed(string[] args, string mustMention)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.NotEqual(0, code);
        Assert.Contains(mustMention, err);
    }

    [Fact]
    public void BaselinesWriteTheTableAndThePlot()
    {
        string dir = Directory.CreateTempSubdirectory("astromech-meta-").FullName;
        var (code, output, err) = CliRunner.Run("meta", "baselines", "--family", "Bandit-k5", "--trial-episodes", "10", "--tasks", "300", "--out", dir);
        Assert.True(code == 0, err);
        Assert.Contains("gittins", output);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "meta_eval.json")))!;
        var methods = json["methods"]!.AsArray();
        double Mean(string name) => methods.First(m => (string)m!["name"]! == name)!["mean_trial_return"]!.GetValue<double>();
        Assert.True(Mean("gittins") > Mean("random"));
        Assert.Equal(10, methods[0]!["per_episode"]!.AsArray().Count);
        Assert.True(new FileInfo(Path.Combine(dir, "meta_eval.png")).Length > 1000);
        Assert.Equal(1 + 10 * methods.Count, File.ReadAllLines(Path.Combine(dir, "meta_eval.csv")).Length);
    }
}
