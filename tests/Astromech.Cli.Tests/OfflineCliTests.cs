using System.Text.Json.Nodes;
using Astromech.Datasets;
using Astromech.Envs.Registry;

namespace Astromech.Cli.Tests;

/// <summary>The offline path end to end through the CLI: a dataset file, awac/bc training with an offline phase, eval of
/// the checkpoints, the prior-data recipe, the seeds plot, and the refusals.</summary>
public class OfflineCliTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("astromech-offline-cli-").FullName;

    [Fact]
    public void AwacTrainsFromADatasetFileEvalReadsTheCheckpointAndThePriorRecipeWritesAFile()
    {
        string dir = TempDir();
        var data = DatasetRollouts.Record(null, () => EnvRegistry.Make("Pendulum-v1"), 2, new RolloutOptions { Seed = 1, PolicyName = "random", EnvId = "Pendulum-v1" });
        string file = Path.Combine(dir, "random.hdf5");
        DatasetFile.Write(data, file, DatasetLayout.D4rl);

        string run = Path.Combine(dir, "awac");
        var (code, output, err) = CliRunner.Run("train", "--algo", "awac", "--env", "Pendulum-v1", "--dataset", file, "--offline-steps", "40",
            "--steps", "100", "--out", run, "--no-progress", "--eval-episodes", "1", "--eval-interval", "20", "--set", "net_arch=[16,16]", "--set", "batch_size=32");
        Assert.True(code == 0, err);
        Assert.Contains("400 transitions", output);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "summary.json")))!.AsObject();
        Assert.Equal(40, (long)s["offline_updates"]!);
        Assert.Equal(100, (long)s["env_steps"]!);

        var (ecode, eout, eerr) = CliRunner.Run("eval", Path.Combine(run, "checkpoint.ckpt"), "--episodes", "2");
        Assert.True(ecode == 0, eerr);
        Assert.Equal("awac", (string)JsonNode.Parse(eout.Trim())!["algo"]!);

        string bcRun = Path.Combine(dir, "bc");
        (code, _, err) = CliRunner.Run("train", "--algo", "bc", "--env", "Pendulum-v1", "--dataset", file, "--offline-steps", "30", "--steps", "0",
            "--out", bcRun, "--no-progress", "--eval-episodes", "1", "--eval-interval", "30", "--set", "net_arch=[16,16]", "--set", "batch_size=32");
        Assert.True(code == 0, err);
        Assert.Equal(0, (long)JsonNode.Parse(File.ReadAllText(Path.Combine(bcRun, "summary.json")))!["env_steps"]!);

        string prior = Path.Combine(dir, "prior.hdf5");
        (code, output, err) = CliRunner.Run("dataset", "awac-prior", "--checkpoint", Path.Combine(run, "checkpoint.ckpt"), "--out", prior,
            "--demos", "2", "--bc-episodes", "1", "--bc-updates", "20");
        Assert.True(code == 0, err);
        var p = DatasetFile.Read(prior);
        Assert.Equal(600, p.Count); // three 200-step episodes
        Assert.Equal(3, p.Episodes().Count);
        Assert.Equal("Pendulum-v1", p.EnvId);

        string png = Path.Combine(dir, "seeds.png");
        (code, output, err) = CliRunner.Run("plot", "seeds", "--series", $"AWAC={run}", "--series", $"BC={bcRun}", "--switch", "--out", png);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(png));
        Assert.Contains("AWAC,-20,", output); // the offline evaluation at update 20 of 40
        Assert.Contains("AWAC,100,", output);
    }

    [Fact]
    public void ADatasetFromAnotherEnvOrForAnOnlineOnlyAlgorithmIsRefused()
    {
        string dir = TempDir();
        var data = DatasetRollouts.Record(null, () => EnvRegistry.Make("CartPole-v1"), 1, new RolloutOptions { EnvId = "CartPole-v1" });
        string file = Path.Combine(dir, "cartpole.hdf5");
        DatasetFile.Write(data, file, DatasetLayout.D4rl);
        var (code, _, err) = CliRunner.Run("train", "--algo", "awac", "--env", "Pendulum-v1", "--dataset", file, "--offline-steps", "10", "--out", Path.Combine(dir, "a"), "--no-progress");
        Assert.Equal(2, code);
        Assert.Contains("CartPole-v1", err);
        Assert.Contains("Pendulum-v1", err);
        (code, _, err) = CliRunner.Run("train", "--algo", "dqn", "--env", "CartPole-v1", "--dataset", file, "--offline-steps", "10", "--out", Path.Combine(dir, "b"), "--no-progress");
        Assert.Equal(2, code);
        Assert.Contains("dqn", err);
        Assert.Contains("awac", err);
    }
}
