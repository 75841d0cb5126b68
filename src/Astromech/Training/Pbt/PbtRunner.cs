using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Training.Meta;

namespace Astromech.Training.Pbt;

/// <summary>One member of the population: its hyperparameters now, where its state lives, and its history.</summary>
public sealed class PbtMember
{
    public int Id { get; }
    /// <summary>The member's own folder (its run directory: checkpoint, logs, curve).</summary>
    public string Dir { get; }
    public Dictionary<string, double> Hyperparameters { get; set; }
    /// <summary>Env steps trained so far (its own plus those inherited with copied state).</summary>
    public long Steps { get; set; }
    public PbtScore? LastScore { get; set; }
    /// <summary>The member whose state this one carries since the last copy (its own id when it never copied).</summary>
    public int Lineage { get; set; }

    public PbtMember(int id, string dir, Dictionary<string, double> hyperparameters)
    {
        Id = id;
        Dir = dir;
        Hyperparameters = hyperparameters;
        Lineage = id;
    }
}

/// <summary>
/// What PBT needs from a learner: train a member from its saved state (or from scratch) up to a step count with its
/// current hyperparameters and return its score, and copy whole members' state (weights, optimizer state, counters).
/// <see cref="TrainerMemberTrainer"/> does this for every agent the <see cref="Trainer"/> can run; tests use synthetic members.
/// Members may be trained on several threads at once (<see cref="PbtOptions.Workers"/>); copies never overlap training.
/// </summary>
public interface IPbtMemberTrainer
{
    PbtScore TrainSlice(PbtMember member, long untilStep);

    /// <summary>Copies the state of each pair's source into its destination, all at once: a member may be a source
    /// and a destination in the same call, and every destination receives its source's state from before the call.</summary>
    void CopyStates(IReadOnlyList<(PbtMember From, PbtMember To)> copies);

    /// <summary>Evaluates the member's current state deterministically on <paramref name="episodes"/> episodes from
    /// <paramref name="seed"/>, without training it (the final held-out selection, <see cref="PbtOptions.FinalEvalEpisodes"/>).</summary>
    PbtScore Evaluate(PbtMember member, int episodes, int seed);
}

/// <summary>One row of the hyperparameter/score trace: a member at a ready point, and whom it copied there (if anyone).</summary>
public sealed record PbtTraceRow(int Generation, long Step, int Member, PbtScore Score, IReadOnlyDictionary<string, double> Hyperparameters,
    int? CopiedFrom, IReadOnlyDictionary<string, double>? NewHyperparameters);

/// <param name="Best">The chosen member: by the final evaluation when there is one, else by the last ready point's scores.</param>
/// <param name="BestScore">The score it was chosen by.</param>
/// <param name="FinalScores">Every member's final held-out evaluation (by member id), or null without one (final_eval_episodes = 0).</param>
/// <param name="LastReadyBest">The member the last ready point ranked best (the choice without a final evaluation).</param>
public sealed record PbtResult(IReadOnlyList<PbtMember> Members, IReadOnlyList<PbtTraceRow> Trace, int Best, PbtScore BestScore,
    IReadOnlyList<PbtScore>? FinalScores = null, int LastReadyBest = -1);

/// <summary>
/// Population-based training (Jaderberg et al. 2017) over any learner behind <see cref="IPbtMemberTrainer"/>:
/// every member trains ready_interval env steps (round-robin one after another, or on worker threads), is scored,
/// and then the exploit step lets worse members copy the state and hyperparameters of better ones, and the explore
/// step perturbs or resamples the copied hyperparameters. Generations are synchronous, and exploit/explore draw from
/// one RNG seeded by the options, so a seeded run with deterministic members is repeatable. After the last ready point the
/// best member is the one that ranked first there or, with final_eval_episodes &gt; 0, the one with the best mean on a fresh
/// shared evaluation (held-out model selection). Writes pbt_trace.csv, lineage.json, pbt_summary.json and one plot per
/// hyperparameter plus the scores (PNG) into the output folder. The generations run on <see cref="OuterLoop"/>, the loop the
/// meta runner (<see cref="MetaRunner"/>) shares: members are its units, a slice their step, the ready point its update.
/// </summary>
public static class PbtRunner
{
    public static PbtResult Run(PbtOptions o, IReadOnlyList<HyperparameterRange> space, IPbtMemberTrainer trainer, string outDir,
        Action<string>? log = null)
    {
        Astromech.Training.Config.ConfigBinder.Validate(o);
        if (space.Count == 0) throw new ArgumentException("PBT needs at least one hyperparameter to search");
        foreach (var h in space) h.Validate();
        if (space.Select(h => h.Key).Distinct().Count() != space.Count) throw new ArgumentException("a hyperparameter is listed twice in the search space");
        Directory.CreateDirectory(outDir);
        var rng = new Rng(o.Seed);
        var members = Enumerable.Range(0, o.Population)
            .Select(i => new PbtMember(i, Path.Combine(outDir, $"member-{i}"), PbtSelection.Initial(space, rng))).ToList();
        var trace = new List<PbtTraceRow>();
        var lineage = new JsonArray();
        foreach (var m in members) lineage.Add(new JsonObject { ["generation"] = 0, ["step"] = 0, ["member"] = m.Id, ["event"] = "start", ["hyperparameters"] = Json(m.Hyperparameters) });

        int generations = (int)((o.TotalSteps + o.ReadyInterval - 1) / o.ReadyInterval);
        long Until(int g) => Math.Min(o.TotalSteps, (g + 1) * o.ReadyInterval);
        // The shared outer loop: every member trains its slice (on o.Workers threads), then the ready point runs here.
        OuterLoop.Run(0, generations, _ => members, (g, m) => Slice(trainer, m, Until(g)), (g, _, scores) =>
        {
            long until = Until(g);
            bool last = g == generations - 1;
            var donors = last ? new int?[members.Count] : PbtSelection.Exploit(scores, o, rng);
            var before = members.Select(m => new Dictionary<string, double>(m.Hyperparameters)).ToArray();
            var copies = new List<(PbtMember, PbtMember)>();
            var newHp = new Dictionary<string, double>?[members.Count];
            for (int i = 0; i < members.Count; i++)
            {
                if (donors[i] is not int d) continue;
                newHp[i] = PbtSelection.Explore(before[d], space, o, rng);
                copies.Add((members[d], members[i]));
            }
            if (copies.Count > 0) trainer.CopyStates(copies);
            var lineageBefore = members.Select(m => m.Lineage).ToArray();
            for (int i = 0; i < members.Count; i++)
            {
                trace.Add(new PbtTraceRow(g, until, i, scores[i], before[i], donors[i], newHp[i]));
                if (donors[i] is not int d) continue;
                members[i].Hyperparameters = newHp[i]!;
                members[i].Lineage = lineageBefore[d];
                members[i].Steps = members[d].Steps;
                lineage.Add(new JsonObject
                {
                    ["generation"] = g, ["step"] = until, ["member"] = i, ["event"] = "exploit", ["copied_from"] = d,
                    ["score"] = scores[i].Mean, ["donor_score"] = scores[d].Mean, ["hyperparameters"] = Json(newHp[i]!),
                });
            }
            log?.Invoke($"ready point {g + 1}/{generations} at {until:N0} steps: " + string.Join("  ", members.Select(m =>
                $"#{m.Id} {scores[m.Id].Mean:F1}{(donors[m.Id] is int d ? $"←#{d}" : "")}")));
            WriteOutputs(outDir, space, trace, lineage, members);
        }, o.Workers);
        var lastScores = trace.Where(r => r.Generation == generations - 1).OrderBy(r => r.Member).Select(r => r.Score).ToArray();
        int lastBest = BestOf(lastScores);
        PbtScore[]? finalScores = null;
        if (o.FinalEvalEpisodes > 0)
        {
            finalScores = OuterLoop.StepAll(members, o.Workers, m => trainer.Evaluate(m, o.FinalEvalEpisodes, o.FinalEvalSeed));
            log?.Invoke($"final evaluation ({o.FinalEvalEpisodes} episodes, seed {o.FinalEvalSeed}): " + string.Join("  ", members.Select(m =>
                $"#{m.Id} {finalScores[m.Id].Mean:F2}")));
        }
        int best = finalScores is null ? lastBest : BestOf(finalScores);
        var result = new PbtResult(members, trace, best, (finalScores ?? lastScores)[best], finalScores, lastBest);
        WriteSummary(outDir, o, members, lastScores, result);
        return result;
    }

    /// <summary>The index of the highest mean; ties go to the lower index.</summary>
    public static int BestOf(IReadOnlyList<PbtScore> scores) =>
        Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i].Mean).ThenBy(i => i).First();

    private static PbtScore Slice(IPbtMemberTrainer trainer, PbtMember m, long until)
    {
        var s = trainer.TrainSlice(m, until);
        m.Steps = until;
        m.LastScore = s;
        return s;
    }

    private static JsonObject Json(IReadOnlyDictionary<string, double> hp)
    {
        var o = new JsonObject();
        foreach (var (k, v) in hp) o[k] = v;
        return o;
    }

    private static void WriteOutputs(string outDir, IReadOnlyList<HyperparameterRange> space, List<PbtTraceRow> trace, JsonArray lineage,
        List<PbtMember> members)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("generation,step,member,score_mean,score_std,score_episodes,copied_from");
        foreach (var h in space) sb.Append(',').Append(h.Key);
        foreach (var h in space) sb.Append(",next_").Append(h.Key);
        sb.Append('\n');
        foreach (var r in trace)
        {
            sb.Append(inv, $"{r.Generation},{r.Step},{r.Member},{r.Score.Mean:R},{r.Score.Std:R},{r.Score.Count},{(r.CopiedFrom is int d ? d.ToString(inv) : "")}");
            foreach (var h in space) sb.Append(',').Append(r.Hyperparameters[h.Key].ToString("R", inv));
            foreach (var h in space) sb.Append(',').Append((r.NewHyperparameters ?? r.Hyperparameters)[h.Key].ToString("R", inv));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "pbt_trace.csv"), sb.ToString());
        RunDirectory.WriteJsonAtomic(Path.Combine(outDir, "lineage.json"), lineage.DeepClone());
        PbtPlot.SaveAll(outDir, space.Select(h => h.Key).ToList(), trace, members.Count);
    }

    /// <summary>pbt_summary.json: the chosen member and how it was chosen. best_score is the score it was chosen by (the final
    /// evaluation's mean when there is one); scores are the last ready point's; final_eval_* are present with a final evaluation.</summary>
    private static void WriteSummary(string outDir, PbtOptions o, List<PbtMember> members, PbtScore[] lastScores, PbtResult r)
    {
        var summary = new JsonObject
        {
            ["best_member"] = r.Best,
            ["best_score"] = r.BestScore.Mean,
            ["best_hyperparameters"] = Json(members[r.Best].Hyperparameters),
            ["best_dir"] = members[r.Best].Dir,
            ["selection"] = r.FinalScores is null ? "last_ready_point" : "final_eval",
            ["scores"] = new JsonArray(lastScores.Select(s => (JsonNode)s.Mean).ToArray()),
            ["mean_score"] = lastScores.Average(s => s.Mean),
            ["last_ready_point_best_member"] = r.LastReadyBest,
        };
        if (r.FinalScores is { } f)
        {
            summary["final_eval_episodes"] = o.FinalEvalEpisodes;
            summary["final_eval_seed"] = o.FinalEvalSeed;
            summary["final_eval_scores"] = new JsonArray(f.Select(s => (JsonNode)s.Mean).ToArray());
            summary["final_eval_stds"] = new JsonArray(f.Select(s => (JsonNode)s.Std).ToArray());
            summary["final_eval_mean"] = f.Average(s => s.Mean);
        }
        RunDirectory.WriteJsonAtomic(Path.Combine(outDir, "pbt_summary.json"), summary);
    }
}
