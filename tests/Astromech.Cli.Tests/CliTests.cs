using System.Text.Json.Nodes;

namespace Astromech.Cli.Tests;

public class CliTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("astromech-cli-").FullName;

    [Theory]
    [InlineData(new[] { "train", "--algo", "dqnn", "--env", "CartPole-v1" }, "unknown algorithm 'dqnn'")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v2" }, "CartPole-v2")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--set", "learning_rat=0.1" }, "learning_rat")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--set", "gamma=1.5" }, "gamma")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--env-arg", "gravityy=3" }, "gravityy")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--stepz", "3" }, "--stepz")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--eval-episodes", "0" }, "--eval-episodes")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--seed", "-3e9" }, "--seed")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "Pendulum-v1" }, "Pendulum-v1")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "Pendulum-v1" }, "dqn")]
    [InlineData(new[] { "train", "--algo", "sac", "--env", "CartPole-v1" }, "CartPole-v1")]
    [InlineData(new[] { "train", "--algo", "sac", "--env", "CartPole-v1" }, "Discrete(2)")]
    [InlineData(new[] { "eval", "/nonexistent/checkpoint.ckpt" }, "/nonexistent/checkpoint.ckpt")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "staleness", "/nonexistent/checkpoint.ckpt" }, "/nonexistent/checkpoint.ckpt")]
    [InlineData(new[] { "staleness" }, "r2d2 checkpoint")]
    [InlineData(new[] { "train", "--algo", "ppo", "--env", "Acrobot-v1", "--kickstart", "/nonexistent/teacher.ckpt" }, "/nonexistent/teacher.ckpt")]
    [InlineData(new[] { "train", "--algo", "ppo", "--env", "Acrobot-v1", "--kickstart", "/nonexistent/teacher.ckpt", "--lambda", "lots" }, "--lambda")]
    [InlineData(new[] { "train", "--algo", "ppo", "--env", "Acrobot-v1", "--lambda", "pbt" }, "--kickstart")]
    [InlineData(new[] { "train", "--algo", "ppo", "--env", "Acrobot-v1", "--population", "4" }, "--lambda pbt")]
    [InlineData(new[] { "train", "--algo", "ppo", "--env", "Acrobot-v1", "--final-eval-episodes", "100" }, "--lambda pbt")]
    [InlineData(new[] { "train", "--algo", "ppo", "--env", "Acrobot-v1", "--set", "kickstart_schedule=cosine" }, "kickstart_schedule")]
    [InlineData(new[] { "pbt" }, "--config")]
    [InlineData(new[] { "pbt", "--config", "/nonexistent/pbt.json" }, "/nonexistent/pbt.json")]
    [InlineData(new[] { "train", "--algo", "dqn", "--env", "CartPole-v1", "--actors", "4" }, "--actors: algorithm 'dqn' has no actor threads")]
    [InlineData(new[] { "train", "--algo", "apex", "--env", "CartPole-v1", "--actors", "0" }, "--actors")]
    [InlineData(new[] { "train", "--algo", "apex", "--env", "Pendulum-v1" }, "Pendulum-v1")]
    [InlineData(new[] { "node", "--role", "lerner", "--algo", "apex", "--env", "CartPole-v1" }, "unknown role 'lerner'; roles: learner, replay, actor")]
    [InlineData(new[] { "node", "--role", "replay", "--algo", "dqn", "--env", "CartPole-v1" }, "algorithm 'dqn' has no cluster roles")]
    [InlineData(new[] { "node", "--role", "replay", "--algo", "apex", "--env", "CartPole-v1", "--seeds", "localhost" }, "seed node 'localhost' is not HOST:PORT")]
    public void BadInputGivesOneClearLineAndNonZeroExit(string[] args, string mustMention)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.NotEqual(0, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(mustMention, lines[0]);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void RolloutPrintsOneJsonObjectPerStep()
    {
        var (code, output, err) = CliRunner.Run("env", "rollout", "CartPole-v1", "--seed", "3", "--actions", "0,1,1");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal(0, (int)lines[0]["t"]!);
        Assert.Equal(4, lines[0]["obs"]!.AsArray().Count);
        Assert.Null(lines[0]["reward"]);
        for (int t = 1; t <= 3; t++)
        {
            Assert.Equal(t, (int)lines[t]["t"]!);
            Assert.Equal(1.0, (double)lines[t]["reward"]!);
            Assert.False((bool)lines[t]["terminated"]!);
            Assert.False((bool)lines[t]["truncated"]!);
        }
        // Same seed, same actions → the same lines.
        Assert.Equal(output, CliRunner.Run("env", "rollout", "CartPole-v1", "--seed", "3", "--actions", "0,1,1").Out);
    }

    [Fact]
    public void RolloutRejectsActionOutsideTheSpace()
    {
        var (code, _, err) = CliRunner.Run("env", "rollout", "CartPole-v1", "--seed", "0", "--actions", "0,2");
        Assert.NotEqual(0, code);
        Assert.Contains("not in the action space", err);
    }

    [Fact]
    public void RolloutTakesOneNumberPerStepForOneDimensionalBox()
    {
        var (code, output, err) = CliRunner.Run("env", "rollout", "Pendulum-v1", "--seed", "0", "--actions", "0.5,-2,2");
        Assert.True(code == 0, err);
        Assert.Equal(4, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void MinAtarIdsWithASlashFindTheirPresetAndBench()
    {
        var (code, output, err) = CliRunner.Run("list", "algos");
        Assert.True(code == 0, err);
        Assert.Contains("configs/dqn/MinAtar/Breakout-v1.json", output);
        var bench = CliRunner.Run("bench", "env", "MinAtar/Breakout-v1", "--envs", "1", "--steps", "20000");
        Assert.True(bench.Code == 0, bench.Err);
        var j = JsonNode.Parse(bench.Out.Trim())!.AsObject();
        Assert.Equal("MinAtar/Breakout-v1", (string)j["env"]!);
        Assert.True((long)j["episodes"]! > 0); // Breakout episodes under random play last tens of frames
        var train = CliRunner.Run("train", "--algo", "dqn", "--env", "MinAtar/Breakout-v1", "--steps", "400", "--out", TempDir(),
            "--no-progress", "--eval-episodes", "1", "--set", "learning_starts=100", "--set", "buffer_size=1000");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("configs/dqn/MinAtar/Breakout-v1.json", train.Out);
    }

    [Fact]
    public void BenchEnvPrintsStepsPerSecond()
    {
        var (code, output, err) = CliRunner.Run("bench", "env", "CartPole-v1", "--envs", "8", "--steps", "20000");
        Assert.True(code == 0, err);
        var j = JsonNode.Parse(output.Trim())!.AsObject();
        Assert.True((double)j["steps_per_second"]! > 0);
    }

    [Fact]
    public void BenchEnvRunsAMuJoCoEnvOnOneCopy()
    {
        var (code, output, err) = CliRunner.Run("bench", "env", "HalfCheetah-v5", "--envs", "1", "--steps", "3000");
        Assert.True(code == 0, err);
        var j = JsonNode.Parse(output.Trim())!.AsObject();
        Assert.Equal("HalfCheetah-v5", (string)j["env"]!);
        Assert.Equal(3000, (long)j["steps"]!);
        Assert.Equal(3, (long)j["episodes"]!); // 1000-step time limit
        Assert.True((double)j["steps_per_second"]! > 0);
    }

    [Fact]
    public void TrainWritesSummaryCheckpointLogsAndCurve_AndEvalReadsTheCheckpoint()
    {
        string dir = TempDir();
        var (code, output, err) = CliRunner.Run("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "1500", "--seed", "5",
            "--out", dir, "--no-progress", "--eval-episodes", "5", "--set", "learning_starts=500", "--env-arg", "gravity=12");
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        Assert.Equal("dqn", (string)s["algo"]!);
        Assert.Equal("CartPole-v1", (string)s["env"]!);
        Assert.Equal(5, (int)s["seed"]!);
        Assert.Equal(1500, (long)s["env_steps"]!);
        Assert.True((double)s["wall_seconds"]! > 0);
        Assert.NotNull(s["final_mean_return"]);
        Assert.True(s.ContainsKey("solved_at_step"));
        Assert.NotNull(s["eval_mean_return"]);
        Assert.Equal("12", (string)s["env_args"]!["gravity"]!);
        foreach (var f in new[] { "checkpoint.ckpt", "metrics.csv", "episodes.csv", "curve.png" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f + " missing");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir, "tb"), "events.out.tfevents.*"));
        Assert.Contains(Path.Combine(dir, "checkpoint.ckpt"), output);

        var (ecode, eout, eerr) = CliRunner.Run("eval", Path.Combine(dir, "checkpoint.ckpt"), "--episodes", "3");
        Assert.True(ecode == 0, eerr);
        var e = JsonNode.Parse(eout.Trim())!.AsObject();
        Assert.Equal(3, (int)e["episodes"]!);
    }

    [Fact]
    public void ActorsFlagSetsTheActorThreadsOfApex()
    {
        string dir = TempDir();
        var (code, _, err) = CliRunner.Run("train", "--algo", "apex", "--env", "CartPole-v1", "--actors", "3", "--steps", "1200", "--out", dir,
            "--no-progress", "--eval-episodes", "2", "--set", "min_replay_size=300", "--set", "hidden=[32]", "--set", "num_envs=1");
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        Assert.Equal("apex", (string)s["algo"]!);
        Assert.Equal(3, (int)s["agent_stats"]!["actors"]!);
        Assert.True((long)s["agent_stats"]!["transitions_inserted"]! > 0);
    }

    [Fact]
    public void ReplayNodeWithUnreachableSeedsFailsNamingThem()
    {
        // Port 9 on loopback: nothing listens there, so the join never completes.
        var (code, _, err) = CliRunner.Run("node", "--role", "replay", "--algo", "apex", "--env", "CartPole-v1", "--seeds", "127.0.0.1:9", "--join-timeout", "3");
        Assert.NotEqual(0, code);
        Assert.Contains("no seed node answered within 3 s (akka.tcp://astromech@127.0.0.1:9)", err);
    }

    [Theory]
    [InlineData("learner", "--steps", "100", "a learner node joins a running cluster: give --seeds HOST:PORT of its replay node")]
    [InlineData("actor", "--actor-index", "5", "--actor-index: 5 is outside the run's 2 actors (0…1; set the count with --actors)")]
    [InlineData("replay", "--steps", "100", "--steps applies to the learner role only")]
    [InlineData("actor", "--seeds", "localhost", "--seeds: seed node 'localhost' is not HOST:PORT")]
    [InlineData("actor", "--discovery", "dns:replay", "--discovery: unknown discovery method 'dns'; methods: kubernetes-api, config")]
    [InlineData("replay", "--prefetch", "2", "--prefetch applies to the learner role only")]
    public void NodeFlagsThatDoNotFitTheRoleAreRefusedBeforeStarting(string role, string flag, string value, string message)
    {
        var args = new List<string> { "node", "--role", role, "--algo", "apex", "--env", "CartPole-v1", flag, value };
        if (role == "actor" && flag is not ("--seeds" or "--discovery")) args.AddRange(new[] { "--seeds", "127.0.0.1:9" });
        var (code, _, err) = CliRunner.Run(args.ToArray());
        Assert.NotEqual(0, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void ClusterUpRefusesAnAlgorithmWithoutClusterRoles()
    {
        var (code, _, err) = CliRunner.Run("cluster", "up", "--algo", "ppo", "--env", "CartPole-v1", "--out", TempDir());
        Assert.NotEqual(0, code);
        Assert.Contains("algorithm 'ppo' has no cluster roles yet; available: apex", err);
    }

    [Fact]
    public void CorruptCheckpointIsRefusedAndLeftUntouched()
    {
        string dir = TempDir();
        string path = Path.Combine(dir, "bad.ckpt");
        var bytes = new byte[300];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var (code, _, err) = CliRunner.Run("eval", path);
        Assert.NotEqual(0, code);
        Assert.Contains(path, err);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void StalenessMeasuresAnR2d2CheckpointsReplay_WritesJsonAndPlot()
    {
        string dir = TempDir();
        var (code, _, err) = CliRunner.Run("train", "--algo", "r2d2", "--env", "CartPole-v1", "--steps", "3000", "--seed", "2",
            "--out", dir, "--no-progress", "--eval-episodes", "2",
            "--set", "sequence_length=10", "--set", "overlap=5", "--set", "burn_in=4", "--set", "lstm_size=16", "--set", "hidden=16",
            "--set", "batch_size=8", "--set", "min_replay_size=20", "--set", "replay_capacity=2000", "--set", "actors=1",
            "--set", "num_envs=2", "--set", "samples_per_insert=1");
        Assert.True(code == 0, err);

        string outDir = Path.Combine(dir, "staleness");
        var (scode, sout, serr) = CliRunner.Run("staleness", Path.Combine(dir, "checkpoint.ckpt"), "--sequences", "64", "--out", outDir);
        Assert.True(scode == 0, serr);
        var j = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "staleness.json")))!.AsObject();
        Assert.Equal("r2d2", (string)j["algo"]!);
        int measured = (int)j["measured_sequences"]!;
        Assert.InRange(measured, 1, 64);
        Assert.True((int)j["eligible_sequences"]! >= measured);
        var strategies = j["strategies"]!.AsArray().Select(n => n!.AsObject()).ToList();
        Assert.Equal(new[] { "zero", "zero_burnin", "stored", "stored_burnin" }, strategies.Select(n => (string)n["strategy"]!));
        foreach (var st in strategies)
        {
            Assert.True(double.IsFinite((double)st["first_step"]!) && (double)st["first_step"]! >= 0, st.ToJsonString());
            Assert.True(double.IsFinite((double)st["last_step"]!) && (double)st["last_step"]! >= 0, st.ToJsonString());
            Assert.Equal(measured, (int)st["sequences"]!);
        }
        Assert.Equal(4, (int)strategies[1]["first_step_index"]!);
        // One network: a burn-in only moves the first measured step, so the last step's ΔQ is shared.
        Assert.Equal((double)strategies[2]["last_step"]!, (double)strategies[3]["last_step"]!);
        Assert.NotNull(j["paper_ordering"]!["stored_burnin_smallest_last_step"]);
        Assert.NotNull(j["paper_ordering"]!["zero_largest_first_step"]);

        var png = File.ReadAllBytes(Path.Combine(outDir, "staleness.png"));
        Assert.True(png.Length > 1000);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        // The table: a header and one row per strategy, then the ordering line.
        var lines = sout.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("strategy") && l.Contains("ΔQ first step") && l.Contains("ΔQ last step"));
        foreach (var name in new[] { "zero ", "zero_burnin ", "stored ", "stored_burnin " })
            Assert.Single(lines, l => l.StartsWith(name));
        Assert.Single(lines, l => l.StartsWith("paper's ordering") && l.Contains("stored_burnin has the smallest") && l.Contains("zero has the largest"));
    }

    [Fact]
    public void StalenessRefusesANonR2d2Checkpoint_NamingItsAlgorithm()
    {
        string dir = TempDir();
        var (code, _, err) = CliRunner.Run("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "400", "--seed", "1",
            "--out", dir, "--no-progress", "--eval-episodes", "1", "--set", "learning_starts=100");
        Assert.True(code == 0, err);
        var (scode, sout, serr) = CliRunner.Run("staleness", Path.Combine(dir, "checkpoint.ckpt"));
        Assert.NotEqual(0, scode);
        var lines = serr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("'dqn' checkpoint", lines[0]);
        Assert.Contains("r2d2", lines[0]);
        Assert.DoesNotContain("   at ", serr);
        Assert.Equal("", sout);
        Assert.False(File.Exists(Path.Combine(dir, "staleness.json")));
    }

    private static string WriteJson(string dir, string json)
    {
        string path = Path.Combine(dir, "pbt.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "hyperparameters": {"learning_rat": {"min": 0.001, "max": 0.01}}}""", "learning_rat")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "hyperparameters": {"learning_rate": {"min": 0.01, "max": 0.001}}}""", "learning_rate")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "hyperparameters": {"learning_rate": {"min": 0.001, "maxx": 0.01}}}""", "maxx")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1"}""", "hyperparameters")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "populaton": 4, "hyperparameters": {"learning_rate": {"min": 0.001, "max": 0.01}}}""", "populaton")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "population": 1, "hyperparameters": {"learning_rate": {"min": 0.001, "max": 0.01}}}""", "population")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "agent": {"lr_anneal": true}, "hyperparameters": {"learning_rate": {"min": 0.001, "max": 0.01}}}""", "lr_anneal")]
    [InlineData("""{"algo": "ppo", "env": "CartPole-v1", "hyperparameters": {"kickstart_lambda": {"min": 0, "max": 2}}}""", "teacher")]
    public void PbtConfigErrorsNameTheKey(string json, string mustMention)
    {
        string dir = TempDir();
        var (code, _, err) = CliRunner.Run("pbt", "--config", WriteJson(dir, json), "--out", Path.Combine(dir, "out"));
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(mustMention, err);
    }

    [Fact]
    public void MultiTaskKickstartingRoutesEachStateToItsTasksTeacher()
    {
        // Three tiny teachers on CartPoleMultiTask-v0 (one per task), then a student trained on task 1 only: with
        // routing (task id = observation feature 4) teacher 1 sees every state and teachers 0 and 2 none.
        string dir = TempDir();
        var teachers = new List<string>();
        for (int k = 0; k < 3; k++)
        {
            string t = Path.Combine(dir, $"teacher{k}");
            var (c, _, e) = CliRunner.Run("train", "--algo", "a2c", "--env", "CartPoleMultiTask-v0", "--env-arg", $"task={k}", "--steps", "400",
                "--seed", k.ToString(), "--out", t, "--eval-episodes", "1", "--no-progress");
            Assert.True(c == 0, e);
            teachers.Add(Path.Combine(t, "checkpoint.ckpt"));
        }
        string student = Path.Combine(dir, "student");
        var (code, _, err) = CliRunner.Run("train", "--algo", "ppo", "--env", "CartPoleMultiTask-v0", "--env-arg", "task=1", "--steps", "1024",
            "--out", student, "--eval-episodes", "1", "--no-progress", "--kickstart", string.Join(",", teachers), "--lambda", "1",
            "--set", "n_steps=256", "--set", "num_envs=2", "--set", "kickstart_tasks=[0,1,2]", "--set", "kickstart_task_index=4");
        Assert.True(code == 0, err);
        var metrics = File.ReadAllLines(Path.Combine(student, "metrics.csv"));
        double[] Values(string key) => metrics.Where(l => l.Contains($",{key},"))
            .Select(l => double.Parse(l.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.NotEmpty(Values("train/kickstart_loss_1"));
        Assert.All(Values("train/kickstart_loss_1"), v => Assert.True(v > 0, $"teacher 1's loss {v}"));
        Assert.All(Values("train/kickstart_loss_0"), v => Assert.Equal(0, v));
        Assert.All(Values("train/kickstart_loss_2"), v => Assert.Equal(0, v));
        Assert.Equal(Values("train/kickstart_loss_0").Length, Values("train/kickstart_loss_1").Length);
    }

    [Fact]
    public void KickstartedTrainingLogsLambdaAndTheDistillationLoss_AndPbtWritesItsTraceAndPlots()
    {
        string dir = TempDir();
        string teacherDir = Path.Combine(dir, "teacher");
        var (code, _, err) = CliRunner.Run("train", "--algo", "a2c", "--env", "CartPole-v1", "--steps", "400", "--out", teacherDir,
            "--eval-episodes", "2", "--no-progress");
        Assert.True(code == 0, err);
        string teacher = Path.Combine(teacherDir, "checkpoint.ckpt");
        string student = Path.Combine(dir, "student");
        (code, _, err) = CliRunner.Run("train", "--algo", "ppo", "--env", "CartPole-v1", "--steps", "2048", "--out", student,
            "--eval-episodes", "2", "--no-progress", "--kickstart", teacher, "--lambda", "0.5", "--set", "n_steps=256", "--set", "num_envs=2",
            "--set", "lr_anneal=false", "--set", "clip_range_anneal=false", "--set", "kickstart_schedule=linear", "--set", "kickstart_decay_steps=1024");
        Assert.True(code == 0, err);
        var metrics = File.ReadAllLines(Path.Combine(student, "metrics.csv"));
        var lambdas = metrics.Where(l => l.Contains(",train/kickstart_lambda,")).Select(l => double.Parse(l.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(lambdas);
        Assert.All(lambdas, l => Assert.InRange(l, 0, 0.5));
        Assert.Contains(metrics, l => l.Contains(",train/kickstart_loss,"));
        // The kickstarted student evaluates on its own, even once its teacher is gone.
        File.Delete(teacher);
        (code, var evalOut, err) = CliRunner.Run("eval", Path.Combine(student, "checkpoint.ckpt"), "--episodes", "2");
        Assert.True(code == 0, err);
        Assert.Contains("mean_return", evalOut);
        // The student itself can teach (its own teachers are not needed).
        string pbtDir = Path.Combine(dir, "pbt");
        string cfg = WriteJson(dir, """
            {"algo": "ppo", "env": "CartPole-v1", "population": 2, "ready_interval": 512, "total_steps": 1024, "eval_episodes": 2,
             "final_eval_episodes": 3, "final_eval_seed": 4321,
             "hyperparameters": {"kickstart_lambda": {"min": 0.1, "max": 2}},
             "agent": {"n_steps": 256, "num_envs": 2, "batch_size": 64, "n_epochs": 1, "kickstart_schedule": "pbt"}}
            """);
        (code, var pbtOut, err) = CliRunner.Run("pbt", "--config", cfg, "--kickstart", Path.Combine(student, "checkpoint.ckpt"), "--out", pbtDir, "--no-progress");
        Assert.True(code == 0, err);
        Assert.Contains("best member", pbtOut);
        foreach (var f in new[] { "pbt_trace.csv", "lineage.json", "pbt_summary.json", "pbt_kickstart_lambda.png", "pbt_scores.png" })
            Assert.True(File.Exists(Path.Combine(pbtDir, f)), f);
        Assert.Equal(1 + 2 * 2, File.ReadAllLines(Path.Combine(pbtDir, "pbt_trace.csv")).Length);
        // final_eval_episodes: the best member is chosen on 3 fresh episodes from seed 4321, the numbers astromech eval gives.
        var pbtSummary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(pbtDir, "pbt_summary.json")))!;
        Assert.Equal("final_eval", (string)pbtSummary["selection"]!);
        var finals = pbtSummary["final_eval_scores"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(2, finals.Length);
        int chosen = (int)pbtSummary["best_member"]!;
        Assert.Equal(finals.Max(), finals[chosen]);
        Assert.Contains("final evaluation (3 episodes, seed 4321", pbtOut);
        for (int m = 0; m < 2; m++)
        {
            (code, var memberEval, err) = CliRunner.Run("eval", Path.Combine(pbtDir, $"member-{m}", "checkpoint.ckpt"), "--episodes", "3", "--seed", "4321");
            Assert.True(code == 0, err);
            Assert.Equal(finals[m], (double)System.Text.Json.Nodes.JsonNode.Parse(memberEval)!["mean_return"]!, 9);
        }

        // train --lambda pbt: every member starts at λ₀ (0.5) and λ stays in [λ₀/10⁴, 2λ₀]; both members are scored on the
        // 2 evaluation episodes asked for, and the best is chosen on the 4 held-out episodes asked for.
        string shortcut = Path.Combine(dir, "pbt-shortcut");
        (code, _, err) = CliRunner.Run("train", "--algo", "ppo", "--env", "CartPole-v1", "--steps", "1536", "--out", shortcut,
            "--eval-episodes", "2", "--no-progress", "--kickstart", Path.Combine(student, "checkpoint.ckpt"), "--set", "kickstart_lambda=0.5",
            "--lambda", "pbt", "--population", "2", "--ready-interval", "512", "--final-eval-episodes", "4", "--set", "n_steps=256", "--set", "num_envs=2",
            "--set", "lr_anneal=false", "--set", "clip_range_anneal=false");
        Assert.True(code == 0, err);
        var trace = File.ReadAllLines(Path.Combine(shortcut, "pbt_trace.csv"));
        Assert.Equal("generation,step,member,score_mean,score_std,score_episodes,copied_from,kickstart_lambda,next_kickstart_lambda", trace[0]);
        var rows = trace.Skip(1).Select(l => l.Split(',')).ToList();
        double Num(string v) => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3 * 2, rows.Count);
        Assert.All(rows.Where(r => r[0] == "0"), r => Assert.Equal(0.5, Num(r[7])));
        Assert.All(rows, r => Assert.InRange(Num(r[8]), 0.5e-4, 1.0));
        Assert.All(rows, r => Assert.Equal("2", r[5]));
        Assert.Contains(rows, r => r[6] != ""); // a population of 2 exploits at every ready point before the last
        var shortcutSummary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(shortcut, "pbt_summary.json")))!;
        Assert.Equal("final_eval", (string)shortcutSummary["selection"]!);
        Assert.Equal(4, (int)shortcutSummary["final_eval_episodes"]!);
        Assert.Equal(2, shortcutSummary["final_eval_scores"]!.AsArray().Count);
    }
}
