namespace Astromech.Cli.Tests;

/// <summary>
/// Resuming a checkpoint into a run it does not fit is refused by the CLI with the checkpoint's value first and the
/// run's second. The unit test of <c>Checkpoint.EnsureMatches</c> cannot catch a call site that swaps the two; these go
/// through <c>astromech train --resume</c> as a user does.
/// </summary>
public class ResumeMismatchTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("astromech-resume-").FullName;

    private static string TrainTiny(string algo, string env, params string[] extra)
    {
        string dir = TempDir();
        var args = new List<string> { "train", "--algo", algo, "--env", env, "--steps", "200", "--out", dir, "--no-progress", "--eval-episodes", "1" };
        args.AddRange(extra);
        var (code, _, err) = CliRunner.Run(args.ToArray());
        Assert.True(code == 0, err);
        return Path.Combine(dir, "checkpoint.ckpt");
    }

    private static string ResumeError(params string[] args)
    {
        string outDir = Path.Combine(TempDir(), "resumed");
        var (code, _, err) = CliRunner.Run(args.Concat(new[] { "--steps", "400", "--out", outDir, "--no-progress", "--eval-episodes", "1" }).ToArray());
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(outDir), "a refused --resume left its --out folder behind");
        return err.Trim();
    }

    [Fact]
    public void AcrobotCheckpointInACartPoleRunNamesAcrobotAsTheCheckpointsEnv()
    {
        string ckpt = TrainTiny("dqn", "Acrobot-v1", "--set", "learning_starts=100");
        string err = ResumeError("train", "--algo", "dqn", "--env", "CartPole-v1", "--set", "learning_starts=100", "--resume", ckpt);
        Assert.Contains("made for env Acrobot-v1, but this run uses CartPole-v1", err);
        Assert.Contains(ckpt, err);
    }

    [Fact]
    public void DqnCheckpointInAPpoRunNamesDqnAsTheCheckpointsAlgorithm()
    {
        string ckpt = TrainTiny("dqn", "CartPole-v1", "--set", "learning_starts=100");
        string err = ResumeError("train", "--algo", "ppo", "--env", "CartPole-v1", "--resume", ckpt);
        Assert.Contains("made for algorithm dqn, but this run uses ppo", err);
        Assert.Contains(ckpt, err);
    }

    [Fact]
    public void SacWithALearnedTemperatureNamesTheCheckpointsChoiceFirst()
    {
        string ckpt = TrainTiny("sac", "Pendulum-v1", "--set", "ent_coef=auto", "--set", "buffer_size=1000");
        string err = ResumeError("train", "--algo", "sac", "--env", "Pendulum-v1", "--set", "ent_coef=0.1", "--set", "buffer_size=1000", "--resume", ckpt);
        Assert.Contains("or fixed) True, but this run uses False", err);
    }

    [Fact]
    public void OtherHiddenLayersNameTheCheckpointsLayersFirst()
    {
        string ckpt = TrainTiny("dqn", "CartPole-v1", "--set", "learning_starts=100", "--set", "hidden=[32]");
        string err = ResumeError("train", "--algo", "dqn", "--env", "CartPole-v1", "--set", "learning_starts=100", "--set", "hidden=[48,48]", "--resume", ckpt);
        Assert.Contains("made for hidden [32], but this run uses [48,48]", err);
        Assert.Contains(ckpt, err);
    }
}
