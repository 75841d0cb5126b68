using System.Text.Json.Nodes;
using Astromech.Training.Checkpoints;

namespace Astromech.Cli.Tests;

/// <summary>--set takes dotted keys into nested config records, and the run's checkpoint stores the nested shape.</summary>
public class SetOverrideTests
{
    private static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "astromech-set-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public void DottedAndFlatSetKeys_ReachTheNestedRecords_AndTheCheckpointStoresThemNested()
    {
        string dir = TempDir();
        try
        {
            var (code, _, err) = CliRunner.Run("train", "--algo", "a2c", "--env", "CartPole-v1", "--steps", "200", "--out", dir,
                "--eval-episodes", "1", "--no-progress", "--set", "kickstart.lambda=0.25", "--set", "kickstart_decay_steps=777",
                "--set", "kickstart.loss=kl");
            Assert.True(code == 0, err);
            var config = CheckpointFile.Read(Path.Combine(dir, "checkpoint.ckpt")).GetJsonNode("trainer/config").AsObject();
            Assert.False(config.ContainsKey("kickstart_lambda"));
            var kick = config["kickstart"]!.AsObject();
            Assert.Equal(0.25, (double)kick["lambda"]!);
            Assert.Equal(777, (long)kick["decay_steps"]!);
            Assert.Equal("Kl", (string)kick["loss"]!);

            // `eval` binds the stored nested config back.
            var (ecode, eout, eerr) = CliRunner.Run("eval", Path.Combine(dir, "checkpoint.ckpt"), "--episodes", "1");
            Assert.True(ecode == 0, eerr);
            Assert.Equal(1, (int)JsonNode.Parse(eout.Trim())!["episodes"]!);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheNestedDefaultsListPrints_AreValidSetArguments()
    {
        var (code, output, err) = CliRunner.Run("list", "algos");
        Assert.True(code == 0, err);
        var lines = output.Split('\n');
        int ppo = Array.FindIndex(lines, l => l.TrimStart().StartsWith("ppo "));
        Assert.True(ppo >= 0, output);
        string setKeys = lines[ppo + 1];
        Assert.Contains("--set keys (defaults):", setKeys);
        var items = setKeys[(setKeys.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string kickstart = Assert.Single(items, i => i.StartsWith("kickstart="));
        Assert.StartsWith("kickstart={\"teachers\":[]", kickstart);
        // Every item printed binds back as an override, the nested one as a JSON object.
        var cfg = (Astromech.Agents.Ppo.PpoConfig)Astromech.Training.Config.ConfigBinder.Bind(typeof(Astromech.Agents.Ppo.PpoConfig), overrides: items);
        Assert.Equal(new Astromech.Agents.Ppo.PpoConfig().Kickstart with { Teachers = cfg.Kickstart.Teachers, Weights = cfg.Kickstart.Weights, Tasks = cfg.Kickstart.Tasks }, cfg.Kickstart);
    }

    [Theory]
    [InlineData("kickstart.lamda=2", "unknown key 'kickstart.lamda' for A2cConfig; did you mean 'kickstart.lambda'?")]
    [InlineData("kickstart.temperature=-1", "kickstart.temperature (alias kickstart_temperature) = -1 is out of range")]
    [InlineData("kickstrat.lambda=2", "did you mean 'kickstart.lambda'?")]
    public void ABadDottedSetKeyIsOneClearLine(string set, string mustMention)
    {
        var (code, _, err) = CliRunner.Run("train", "--algo", "a2c", "--env", "CartPole-v1", "--steps", "200", "--no-progress", "--set", set);
        Assert.NotEqual(0, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(mustMention, lines[0]);
    }
}
