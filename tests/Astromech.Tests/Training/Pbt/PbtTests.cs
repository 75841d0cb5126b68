using Astromech.Envs;
using Astromech.Tests.Training;
using Astromech.Training.Pbt;

namespace Astromech.Tests.Training.Pbt;

/// <summary>PBT's exploit and explore on synthetic members whose score is a known function of their hyperparameters.</summary>
public class PbtTests
{
    private static PbtScore S(double mean) => new(mean, 1.0, 10);

    [Fact]
    public void TruncationMakesTheBottomFifthCopyTheTopFifth()
    {
        var scores = new[] { 5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.0 }.Select(S).ToArray();
        var donors = PbtSelection.Truncation(scores, 0.2, new Rng(7));
        // Bottom 2 (scores 0 and 1: members 9 and 1) copy from the top 2 (scores 9 and 8: members 2 and 6); the rest keep training.
        for (int i = 0; i < 10; i++)
        {
            if (i is 9 or 1) Assert.Contains(donors[i]!.Value, new[] { 2, 6 });
            else Assert.Null(donors[i]);
        }
        // A population of 4 still exploits: one member (the worst) copies the best.
        var four = PbtSelection.Truncation(new[] { 1.0, 4.0, 2.0, 3.0 }.Select(S).ToArray(), 0.2, new Rng(1));
        Assert.Equal(new int?[] { 1, null, null, null }, four);
        // The same seed gives the same choices.
        Assert.Equal(donors, PbtSelection.Truncation(scores, 0.2, new Rng(7)));
    }

    [Fact]
    public void WelchTTestMatchesTablesAndTTestSelectionCopiesOnlySignificantlyBetterMembers()
    {
        // Student's t: P(|T| ≥ 2) with 10 degrees of freedom = 0.07339; P(|T| ≥ 2.228) = 0.05.
        Assert.Equal(0.07339, PbtSelection.StudentTTwoSided(2.0, 10), 4);
        Assert.Equal(0.05, PbtSelection.StudentTTwoSided(2.228139, 10), 4);
        Assert.Equal(1.0, PbtSelection.StudentTTwoSided(0, 5), 10);
        // Equal sizes and variances: t = (1 − 0)/sqrt(2·(1·10/9)/10) = 2.1213, df = 18 → p = 0.0480.
        Assert.Equal(0.0480, PbtSelection.WelchPValue(new PbtScore(1, 1, 10), new PbtScore(0, 1, 10)), 3);

        var scores = new[] { new PbtScore(0, 1, 20), new PbtScore(100, 1, 20), new PbtScore(0.1, 1, 20) };
        for (int seed = 0; seed < 20; seed++)
        {
            var d = PbtSelection.TTest(scores, 0.05, new Rng(seed));
            Assert.Null(d[1]);                                  // the best never copies
            Assert.True(d[0] is null or 1, $"seed {seed}: member 0 copied {d[0]}"); // 0 vs 0.1 is not significant
            Assert.True(d[2] is null or 1);
        }
        // Over seeds, each weak member sometimes draws the strong one and then copies it.
        Assert.Contains(Enumerable.Range(0, 20), s => PbtSelection.TTest(scores, 0.05, new Rng(s))[0] == 1);
    }

    [Fact]
    public void ExplorePerturbsByPointEightOrOnePointTwoWithinRangeOrResamples()
    {
        var space = new[] { new HyperparameterRange("learning_rate", 1e-4, 1e-2, Log: true), new HyperparameterRange("kickstart_lambda", 0, 1) };
        var copied = new Dictionary<string, double> { ["learning_rate"] = 1e-3, ["kickstart_lambda"] = 0.9 };
        var o = new PbtOptions();
        var seen = new HashSet<double>();
        var rng = new Rng(3);
        for (int i = 0; i < 50; i++)
        {
            var next = PbtSelection.Explore(copied, space, o, rng);
            Assert.True(Math.Abs(next["learning_rate"] - 8e-4) < 1e-12 || Math.Abs(next["learning_rate"] - 1.2e-3) < 1e-12);
            Assert.True(Math.Abs(next["kickstart_lambda"] - 0.72) < 1e-12 || next["kickstart_lambda"] == 1.0); // 1.08 clamped to 1
            seen.Add(next["learning_rate"]);
        }
        Assert.Equal(2, seen.Count);
        var resample = o with { Explore = PbtExplore.Resample, ResampleProbability = 1.0 };
        var drawn = Enumerable.Range(0, 50).Select(_ => PbtSelection.Explore(copied, space, resample, rng)["learning_rate"]).ToArray();
        Assert.All(drawn, v => Assert.InRange(v, 1e-4, 1e-2));
        Assert.True(drawn.Distinct().Count() > 40);
    }

    /// <summary>Members whose "weights" are a number that grows each slice by a rate set by their hyperparameter x: the best
    /// x is 0.3. Copying copies the weights.</summary>
    private sealed class SyntheticMembers : IPbtMemberTrainer
    {
        public readonly Dictionary<int, double> Weights = new();
        public int Slices;
        public PbtScore TrainSlice(PbtMember m, long untilStep)
        {
            Interlocked.Increment(ref Slices);
            double x = m.Hyperparameters["x"];
            lock (Weights)
            {
                Weights[m.Id] = Weights.GetValueOrDefault(m.Id) + 1.0 - Math.Abs(x - 0.3);
                return new PbtScore(Weights[m.Id], 0.1, 10);
            }
        }

        public void CopyStates(IReadOnlyList<(PbtMember From, PbtMember To)> copies)
        {
            var snapshot = copies.Select(c => Weights[c.From.Id]).ToArray();
            for (int i = 0; i < copies.Count; i++) Weights[copies[i].To.Id] = snapshot[i];
        }

        public PbtScore Evaluate(PbtMember m, int episodes, int seed) { lock (Weights) return new PbtScore(Weights[m.Id], 0.1, episodes); }
    }

    /// <summary>Members whose true quality is their hyperparameter x, but whose ready-point scores rank them the other way
    /// round (a stand-in for ranking noise); the final evaluation measures x itself and records how it was asked.</summary>
    private sealed class MisrankedMembers : IPbtMemberTrainer
    {
        public readonly List<(int Member, int Episodes, int Seed)> Evaluations = new();
        public PbtScore TrainSlice(PbtMember m, long untilStep) => new(-m.Hyperparameters["x"], 0.1, 10);
        public void CopyStates(IReadOnlyList<(PbtMember From, PbtMember To)> copies) { }
        public PbtScore Evaluate(PbtMember m, int episodes, int seed)
        {
            lock (Evaluations) Evaluations.Add((m.Id, episodes, seed));
            return new PbtScore(m.Hyperparameters["x"], 0.2, episodes);
        }
    }

    [Fact]
    public void FinalEvaluationChoosesTheBestMemberOnFreshEpisodesAndTheSummaryRecordsBothChoices()
    {
        using var dir = new TempDir();
        var space = new[] { new HyperparameterRange("x", 0, 1) }; // no initial value: every member draws its own x
        // One ready point (the last), so nobody copies and each member keeps its drawn x.
        var o = new PbtOptions { Population = 4, ReadyInterval = 100, TotalSteps = 100, Seed = 3, FinalEvalEpisodes = 250, FinalEvalSeed = 91 };
        foreach (int workers in new[] { 1, 3 })
        {
            var members = new MisrankedMembers();
            string outDir = Path.Combine(dir.Path, $"w{workers}");
            var r = PbtRunner.Run(o with { Workers = workers }, space, members, outDir);
            var x = r.Members.Select(m => m.Hyperparameters["x"]).ToArray();
            Assert.Equal(4, x.Distinct().Count());
            int truest = Array.IndexOf(x, x.Max()), lowest = Array.IndexOf(x, x.Min());
            Assert.Equal(lowest, r.LastReadyBest);   // the ready point ranked the worst member first
            Assert.Equal(truest, r.Best);            // the final evaluation chose the best one
            Assert.Equal(x.Max(), r.BestScore.Mean);
            Assert.Equal(x, r.FinalScores!.Select(s => s.Mean).ToArray());
            // Every member evaluated once, on the same episodes: the configured count and seed.
            Assert.Equal(new[] { 0, 1, 2, 3 }, members.Evaluations.Select(e => e.Member).OrderBy(i => i));
            Assert.All(members.Evaluations, e => Assert.Equal((250, 91), (e.Episodes, e.Seed)));

            var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "pbt_summary.json")))!;
            Assert.Equal("final_eval", (string)summary["selection"]!);
            Assert.Equal(truest, (int)summary["best_member"]!);
            Assert.Equal(lowest, (int)summary["last_ready_point_best_member"]!);
            Assert.Equal(x.Max(), (double)summary["best_score"]!);
            Assert.Equal(x, summary["final_eval_scores"]!.AsArray().Select(v => (double)v!).ToArray());
            Assert.Equal(x.Select(v => -v).ToArray(), summary["scores"]!.AsArray().Select(v => (double)v!).ToArray());
            Assert.Equal(250, (int)summary["final_eval_episodes"]!);
            Assert.Equal(91, (int)summary["final_eval_seed"]!);
        }

        // Off (the default): no member is evaluated again and the last ready point's ranking chooses, as before.
        var plain = new MisrankedMembers();
        var r0 = PbtRunner.Run(o with { FinalEvalEpisodes = 0 }, space, plain, Path.Combine(dir.Path, "off"));
        Assert.Empty(plain.Evaluations);
        Assert.Null(r0.FinalScores);
        Assert.Equal(r0.LastReadyBest, r0.Best);
        var s0 = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "off", "pbt_summary.json")))!;
        Assert.Equal("last_ready_point", (string)s0["selection"]!);
        Assert.Null(s0["final_eval_scores"]);
        Assert.Equal(-r0.Members[r0.Best].Hyperparameters["x"], (double)s0["best_score"]!);
    }

    [Fact]
    public void APopulationOfSyntheticMembersMovesTowardTheBestHyperparameterRepeatably()
    {
        using var dir = new TempDir();
        var space = new[] { new HyperparameterRange("x", 0.01, 2.0, Log: true) };
        var o = new PbtOptions { Population = 10, ReadyInterval = 100, TotalSteps = 3000, Seed = 11 };
        var members = new SyntheticMembers();
        var r1 = PbtRunner.Run(o, space, members, Path.Combine(dir.Path, "a"));
        Assert.Equal(10 * 30, members.Slices);
        var first = r1.Trace.Where(t => t.Generation == 0).Average(t => Math.Abs(t.Hyperparameters["x"] - 0.3));
        var last = r1.Trace.Where(t => t.Generation == 29).Average(t => Math.Abs(t.Hyperparameters["x"] - 0.3));
        Assert.True(last < first / 2, $"mean |x − 0.3| went from {first:F3} to {last:F3}");
        // Every exploit row copied from a member scoring higher at that ready point.
        foreach (var row in r1.Trace.Where(t => t.CopiedFrom is not null))
            Assert.True(r1.Trace.Single(t => t.Generation == row.Generation && t.Member == row.CopiedFrom).Score.Mean > row.Score.Mean);
        foreach (var f in new[] { "pbt_trace.csv", "lineage.json", "pbt_summary.json", "pbt_x.png", "pbt_scores.png" })
            Assert.True(new FileInfo(Path.Combine(dir.Path, "a", f)).Length > 0, f);
        Assert.Equal(1 + 10 * 30, File.ReadAllLines(Path.Combine(dir.Path, "a", "pbt_trace.csv")).Length);

        // Same seed, same lineage, also with members trained on worker threads.
        var r2 = PbtRunner.Run(o with { Workers = 3 }, space, new SyntheticMembers(), Path.Combine(dir.Path, "b"));
        Assert.Equal(r1.Trace.Select(t => (t.Member, t.CopiedFrom, t.Hyperparameters["x"], t.Score.Mean)),
                     r2.Trace.Select(t => (t.Member, t.CopiedFrom, t.Hyperparameters["x"], t.Score.Mean)));
        Assert.Equal(r1.Best, r2.Best);
    }

    [Fact]
    public void CopyingCarriesTheDonorsStateFromBeforeTheRound()
    {
        var members = new SyntheticMembers();
        members.Weights[0] = 1; members.Weights[1] = 2; members.Weights[2] = 3;
        var m = Enumerable.Range(0, 3).Select(i => new PbtMember(i, "", new())).ToArray();
        // 0 copies 1 while 1 copies 2: 0 must get 1's old weights.
        members.CopyStates(new[] { (m[1], m[0]), (m[2], m[1]) });
        Assert.Equal(2, members.Weights[0]);
        Assert.Equal(3, members.Weights[1]);
    }

    [Fact]
    public void BadSearchSpacesAndSchedulesAreRejectedByName()
    {
        Assert.Contains("x", Assert.Throws<Astromech.Training.Config.ConfigException>(() => new HyperparameterRange("x", 2, 1).Validate()).Message);
        Assert.Contains("log", Assert.Throws<Astromech.Training.Config.ConfigException>(() => new HyperparameterRange("lr", 0, 1, Log: true).Validate()).Message);
        var e = Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            PbtRunner.Run(new PbtOptions { ReadyInterval = 10, TotalSteps = 5 }, new[] { new HyperparameterRange("x", 0, 1) }, new SyntheticMembers(), Path.GetTempPath()));
        Assert.Contains("ready_interval", e.Message);
        Assert.Contains("population", Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            Astromech.Training.Config.ConfigBinder.Bind<PbtOptions>(new[] { "population=1" })).Message);
        Assert.Contains("final_eval_episodes", Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            Astromech.Training.Config.ConfigBinder.Bind<PbtOptions>(new[] { "final_eval_episodes=-1" })).Message);
    }
}
