using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Memory;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Checkpoints;

namespace Astromech.Tests.Training;

/// <summary>The env's is_success reaching EvalResult.SuccessRate, summary.json and the metrics.</summary>
public class EvaluationSuccessTests
{
    /// <summary>
    /// A hand-written T-maze policy that never trains: it walks east and, at the junction, turns up or down. With
    /// <c>remember</c> it keeps each row's cue from the episode's first observation (a one-slot memory reset by
    /// <see cref="OnEpisodeStart"/>) and turns to it; without, it always turns up. On other envs it always takes action 0.
    /// </summary>
    private sealed class ScriptedAgent : IStreamAgent
    {
        private readonly bool _remember;
        private readonly int _obsSize;
        private int[] _cue = Array.Empty<int>(); // per row: 0 unknown, 1 up, 2 down

        public ScriptedAgent(Space obs, Space act, bool remember, int numEnvs = 2)
        {
            ObservationSpace = obs;
            ActionSpace = act;
            _remember = remember;
            _obsSize = obs.FlatSize;
            NumEnvs = numEnvs;
        }

        public string Algo => "scripted";
        public Space ObservationSpace { get; }
        public Space ActionSpace { get; }
        public int NumEnvs { get; }
        public int EpisodeStarts { get; private set; }

        public void OnEpisodeStart(ReadOnlySpan<bool> rows)
        {
            if (_cue.Length < rows.Length) Array.Resize(ref _cue, rows.Length);
            for (int i = 0; i < rows.Length; i++)
                if (rows[i]) { _cue[i] = 0; EpisodeStarts++; }
        }

        public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
        {
            int rows = actions.Length;
            if (_obsSize != 3)
            {
                actions.Clear();
                return;
            }
            for (int i = 0; i < rows; i++)
            {
                var o = observations.Slice(i * 3, 3);
                if (o[0] == 1) _cue[i] = 1;
                else if (o[1] == 1) _cue[i] = 2;
                if (o[2] == 1)
                    actions[i] = _remember ? (_cue[i] == 2 ? TMaze.Down : TMaze.Up) : TMaze.Up;
                else
                    actions[i] = TMaze.East;
            }
        }

        public void Observe(in VectorTransition t, Progress progress) { }
        public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress) => null;
        public void Save(Checkpoint checkpoint) { }
        public void Load(Checkpoint checkpoint) { }
        public void Dispose() { }
    }

    private static ScriptedAgent Agent(string id, bool remember)
    {
        using var env = EnvRegistry.Make(id);
        return new ScriptedAgent(env.ObservationSpace, env.ActionSpace, remember);
    }

    [Fact]
    public void AnAgentThatRemembersTheCueAlwaysSucceeds()
    {
        using var agent = Agent("TMaze-v0", remember: true);
        var r = Evaluator.Run(agent, () => EnvRegistry.Make("TMaze-v0"), episodes: 50, seed: 7, new Progress(0, 1));
        Assert.Equal(50, r.Returns.Length);
        Assert.Equal(1.0, r.SuccessRate);
        Assert.All(r.Returns, ret => Assert.Equal(4 - 0.1 * 20, ret, 4));
        Assert.All(r.Lengths, len => Assert.Equal(21, len));
    }

    [Fact]
    public void AnAgentWithoutMemorySucceedsAboutHalfTheTime()
    {
        using var agent = Agent("TMaze-v0", remember: false);
        var r = Evaluator.Run(agent, () => EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = "3" }),
            episodes: 400, seed: 3, new Progress(0, 1));
        Assert.NotNull(r.SuccessRate);
        // Binomial(400, 0.5)/400: sd 0.025; ±0.1 is 4 sd.
        Assert.InRange(r.SuccessRate!.Value, 0.4, 0.6);
        // Returns are exactly the two outcomes, in the proportion of the success rate.
        int wins = r.Returns.Count(x => Math.Abs(x - (4 - 0.3)) < 1e-4);
        Assert.Equal(r.Returns.Count(x => Math.Abs(x - (-1 - 0.3)) < 1e-4), 400 - wins);
        Assert.Equal(r.SuccessRate.Value, wins / 400.0, 12);
    }

    [Fact]
    public void EpisodesCutByAnOuterTimeLimitCountAsFailuresWhenOthersReport()
    {
        using var agent = Agent("TMaze-v0", remember: true);
        // An outer limit of 6 steps: length 5 turns on the sixth step (reported, although the limit also hits there);
        // length 10 would need 11 steps, so its episodes are cut before anything reports is_success.
        IEnv Make(int length) => EnvRegistry.Make("TMaze-v0", new Dictionary<string, string> { ["length"] = length.ToString() }, maxEpisodeSteps: 6);
        var reached = Evaluator.Run(agent, () => Make(5), episodes: 8, seed: 1, new Progress(0, 1));
        Assert.Equal(1.0, reached.SuccessRate);
        var cut = Evaluator.Run(agent, () => Make(10), episodes: 8, seed: 1, new Progress(0, 1));
        Assert.Null(cut.SuccessRate); // no episode reported: indistinguishable from an env without success
        int built = 0;
        var mixed = Evaluator.Run(agent, () => Make(built++ % 2 == 0 ? 5 : 10), episodes: 8, seed: 1, new Progress(0, 1));
        Assert.Equal(8, built); // one copy per episode
        Assert.Equal(0.5, mixed.SuccessRate);
    }

    [Fact]
    public void EnvsWithoutSuccessHaveNoSuccessRate()
    {
        using var agent = Agent("CartPole-v1", remember: false);
        var r = Evaluator.Run(agent, () => EnvRegistry.Make("CartPole-v1"), episodes: 5, seed: 2, new Progress(0, 1));
        Assert.Equal(5, r.Returns.Length);
        Assert.Null(r.SuccessRate);
    }

    private static JsonObject TrainAndReadSummary(string id, bool remember, TempDir dir, long evalInterval = 0)
    {
        using var agent = Agent(id, remember);
        var summary = Trainer.Run(agent, () => EnvRegistry.Make(id), new TrainerOptions
        {
            EnvId = id, Seed = 4, TotalSteps = 300, OutDir = dir.Path, EvalEpisodes = 20, EvalInterval = evalInterval,
            ShowProgress = false, RewardThreshold = EnvRegistry.Spec(id).RewardThreshold,
        });
        var json = JsonNode.Parse(File.ReadAllText(dir.File("summary.json")))!.AsObject();
        Assert.Equal(summary.EvalSuccessRate, (double?)json["eval_success_rate"]);
        return json;
    }

    [Fact]
    public void SummaryJsonCarriesTheSuccessRateForTMaze()
    {
        using var dir = new TempDir();
        var json = TrainAndReadSummary("TMaze-v0", remember: true, dir, evalInterval: 100);
        Assert.True(json.ContainsKey("eval_success_rate"));
        Assert.Equal(1.0, (double)json["eval_success_rate"]!);
        Assert.Equal(2.0, (double)json["eval_mean_return"]!, 4);
        // Periodic and final evaluations log the rate as a metric too.
        string metrics = File.ReadAllText(dir.File("metrics.csv"));
        Assert.Contains("eval/success_rate", metrics);

        using var dir2 = new TempDir();
        var half = TrainAndReadSummary("TMaze-v0", remember: false, dir2);
        Assert.InRange((double)half["eval_success_rate"]!, 0.1, 0.9); // 20 episodes of a coin flip
    }

    [Fact]
    public void SummaryJsonHasNoSuccessRateForCartPole()
    {
        using var dir = new TempDir();
        var json = TrainAndReadSummary("CartPole-v1", remember: false, dir, evalInterval: 100);
        Assert.Null(json["eval_success_rate"]);
        Assert.DoesNotContain("eval/success_rate", File.ReadAllText(dir.File("metrics.csv")));
    }
}
