using Astromech.Agents.R2d2;
using Astromech.Training;
using TorchSharp;

namespace Astromech.Tests.Learning;

/// <summary>
/// R2D2 learns a task that needs memory: <see cref="CueRecallEnv"/> with 10 steps between the cue and the
/// answer. Any memoryless policy has expected return 0 (the answer-step observation is the same for both
/// cues), and a perfect one 1; the bar is a best periodic evaluation of ≥ 0.9 over 100 greedy episodes,
/// i.e. ≥ 95 of 100 answers right, which a policy guessing at 50% reaches with probability below 1e-20.
/// Sequences of 12 steps overlapping by 6 with a burn-in of 3: each episode yields one sequence from its start
/// (trained whole, from the exact zero state) and one from step 6 (stored state + burn-in, trained on its
/// last step, the answer), so both paths of the learner are exercised. One actor thread and the learner,
/// rate-limited to 8 samples per inserted sequence so the updates per env step do not depend on thread
/// speed. Threads make the run not bit-repeatable, so it is judged by its best periodic evaluation. On this
/// machine two runs reached 1.0 at 30k and at 20k steps, after evaluations near 0 (the memory is found
/// abruptly) and stayed there; the budget is 60k steps (about 33 s).
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class R2d2LearningTests
{
    [Fact]
    public void R2d2RemembersACueForTenSteps()
    {
        torch.set_num_threads(1);
        TorchSetup.Configure(1);
        var cfg = new R2d2Config
        {
            SequenceLength = 12, Overlap = 6, BurnIn = 3, StartState = StartState.StoredBurnin,
            NStep = 3, Gamma = 0.99, LearningRate = 1e-3, BatchSize = 16, LstmSize = 32, Hidden = new[] { 32 },
            TargetUpdateInterval = 100, ReplayCapacity = 2000, MinReplaySize = 50,
            Actors = 1, NumEnvs = 4, ParamSyncInterval = 10,
            EpsilonSchedule = EpsilonSchedule.Linear, ExplorationInitialEps = 1.0, ExplorationFinalEps = 0.05, ExplorationFraction = 0.3,
            SamplesPerInsert = 8, SamplesPerInsertTolerance = 200,
        };
        var probe = new CueRecallEnv(10);
        using var agent = new R2d2Agent(cfg, probe.ObservationSpace, probe.ActionSpace, 0);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var s = Trainer.Run(agent, () => new CueRecallEnv(10), new TrainerOptions
        {
            EnvId = "CueRecall-10", Seed = 0, TotalSteps = 60_000, EvalEpisodes = 100, EvalInterval = 5_000,
            ShowProgress = false, CheckpointInterval = 0, RewardThreshold = 0.9,
            OutDir = Directory.CreateTempSubdirectory("astromech-learn-").FullName,
        });
        Assert.True(s.BestEvalMeanReturn >= 0.9,
            $"R2D2 best periodic evaluation on the 10-step cue task: {s.BestEvalMeanReturn} (final {s.EvalMeanReturn}, {agent.Updates} updates, {sw.Elapsed.TotalSeconds:F0} s)");
    }
}
