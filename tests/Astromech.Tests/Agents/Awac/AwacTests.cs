using System.Globalization;
using Astromech.Agents.Awac;
using Astromech.Agents.Bc;
using Astromech.Agents.Sac;
using Astromech.Datasets;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Tests.Training;
using TorchSharp;

namespace Astromech.Tests.Agents.Awac;

[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class AwacTests
{
    private static readonly float[] Adv = { 1f, 0f, -1f, 2f };

    private static float[] Weights(AwacWeighting w, double lambda, double maxWeight)
    {
        using var a = torch.tensor(Adv);
        using var r = AwacLearner.Weights(a, w, lambda, maxWeight);
        return r.data<float>().ToArray();
    }

    [Fact]
    public void BatchSoftmaxWeightsAreTheBatchSizeTimesTheSoftmaxOfAOverLambda()
    {
        // λ = 0.5: exp(2A) = e², 1, e⁻², e⁴; weights = 4 · exp(2A) / Σ exp(2A).
        double[] e = Adv.Select(a => Math.Exp(a / 0.5)).ToArray();
        double sum = e.Sum();
        var w = Weights(AwacWeighting.BatchSoftmax, 0.5, 100);
        for (int i = 0; i < 4; i++) Assert.Equal(4 * e[i] / sum, w[i], 4);
        Assert.Equal(4.0, w.Sum(), 4);
    }

    [Fact]
    public void ClippedExpWeightsAreExpAOverLambdaClippedAtMaxWeight()
    {
        var w = Weights(AwacWeighting.ClippedExp, 0.5, 10.0);
        Assert.Equal(Math.Exp(2), w[0], 4);      // e² = 7.39, under the clip
        Assert.Equal(1.0, w[1], 5);
        Assert.Equal(Math.Exp(-2), w[2], 5);
        Assert.Equal(10.0, w[3], 5);             // e⁴ = 54.6, clipped
    }

    [Fact]
    public void NormalizedWeightsWhitenTheAdvantagesOverTheBatchFirst()
    {
        // mean 0.5, unbiased std √(5/3); w = exp(((A − 0.5)/(std + 1e-5))/λ), λ = 2.
        double std = Math.Sqrt((0.25 + 0.25 + 2.25 + 2.25) / 3) + 1e-5;
        var w = Weights(AwacWeighting.Normalized, 2.0, 1.0); // max_weight does not apply
        for (int i = 0; i < 4; i++) Assert.Equal(Math.Exp((Adv[i] - 0.5) / std / 2.0), w[i], 4);
        Assert.True(w[3] > 1.0, "the clip is for clipped_exp only");
    }

    /// <summary>A dataset of one-step episodes from a 1-D bandit: the action −0.5 earns 0, +0.5 earns 1, half each.</summary>
    private static OfflineDataset Bandit(int rows, int seed)
    {
        var rng = new Random(seed);
        var b = new OfflineDatasetBuilder(1, 1);
        for (int i = 0; i < rows; i++)
        {
            float s = (float)(rng.NextDouble() * 2 - 1);
            bool good = i % 2 == 0;
            b.Add(new[] { s }, new[] { good ? 0.5f : -0.5f }, good ? 1f : 0f, terminal: true, truncated: false, new[] { s });
        }
        return b.Build();
    }

    private static readonly Box BanditObs = new(new[] { -1f }, new[] { 1f });
    private static readonly Box BanditAct = new(new[] { -1f }, new[] { 1f });

    private static float MeanAction(IAgent agent)
    {
        var obs = Enumerable.Range(0, 21).Select(i => -1f + i * 0.1f).ToArray();
        var act = new float[obs.Length];
        agent.Act(obs, act, new Progress(0, 1), deterministic: true);
        return act.Average();
    }

    /// <summary>
    /// The learning test: offline on the bandit data, BC's policy sits between the two actions (their mean is 0) while
    /// AWAC's advantage weights pull it to the rewarded one. Seed 0, 1,500 updates of batch 128 on [32, 32] nets (a few
    /// seconds), λ = 0.3. Why 0.3: a weighted likelihood fit to the two actions ±0.5 puts the mean near
    /// 0.5 · (w₊ − w₋)/(w₊ + w₋), so acting above 0.3 needs w₊/w₋ ≥ 4, i.e. exp(ΔA/λ) ≥ 4: the critic must have
    /// separated the two actions by ΔA ≥ 0.42 of their true gap of 1 (a learned critic gives ≈ 1, so ≈ 0.47). Unweighted
    /// (BC) the ratio is 1 and the mean 0; BC must stay within 0.15 of it.
    /// </summary>
    [Theory]
    [InlineData(AwacWeighting.BatchSoftmax)]
    [InlineData(AwacWeighting.ClippedExp)]
    [InlineData(AwacWeighting.Normalized)]
    public void OfflineAwacPicksTheRewardedActionWhereBcAveragesOnSeedZero(AwacWeighting weighting)
    {
        torch.set_num_threads(1);
        var data = Bandit(2000, 0);
        using var awac = new AwacAgent(new AwacConfig { BatchSize = 128, NetArch = new[] { 32, 32 }, LearningRate = 1e-3, Weighting = weighting, Lambda = 0.3 },
            BanditObs, BanditAct, seed: 0);
        awac.LoadDataset(data);
        for (int u = 0; u < 1500; u++) awac.OfflineUpdate();
        using var bc = new BcAgent(new BcConfig { BatchSize = 128, NetArch = new[] { 32, 32 }, LearningRate = 1e-3 }, BanditObs, BanditAct, seed: 0);
        bc.LoadDataset(data);
        for (int u = 0; u < 1500; u++) bc.OfflineUpdate();
        float a = MeanAction(awac), b = MeanAction(bc);
        Assert.True(a > 0.3f, $"AWAC ({weighting}) acts {a:F3} on average; the rewarded action is 0.5");
        Assert.True(Math.Abs(b) < 0.15f, $"BC acts {b:F3} on average; the data's actions average 0");
    }

    private static OfflineDataset RandomPendulum(int episodes) =>
        DatasetRollouts.Record(null, () => EnvRegistry.Make("Pendulum-v1"), episodes, new RolloutOptions { Seed = 5, PolicyName = "random", EnvId = "Pendulum-v1" });

    private static AwacConfig Small => new() { BatchSize = 64, NetArch = new[] { 32, 32 } };

    private static TrainerOptions Options(string dir, long offline, long steps, OfflineDataset? data, string? resume = null) => new()
    {
        EnvId = "Pendulum-v1", Seed = 3, TotalSteps = steps, OfflineSteps = offline, Dataset = data, EvalEpisodes = 1,
        EvalInterval = 25, CheckpointInterval = 0, ShowProgress = false, OutDir = dir, ResumeFrom = resume,
    };

    private static AwacAgent NewAgent(int seed = 1)
    {
        using var env = EnvRegistry.Make("Pendulum-v1");
        return new AwacAgent(Small, env.ObservationSpace, env.ActionSpace, seed);
    }

    [Fact]
    public void TheOfflinePhaseRunsExactlyNUpdatesBeforeTheFirstEnvStepAndMarksTheSwitchAtStepZero()
    {
        torch.set_num_threads(1);
        var data = RandomPendulum(2); // 400 rows
        using var dir = new TempDir();
        using var agent = NewAgent();
        var summary = Trainer.Run(agent, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.Path, 60, 200, data));
        Assert.Equal(60, agent.OfflineUpdates);
        Assert.Equal(60, summary.OfflineUpdates);
        Assert.Equal(200, summary.EnvSteps);
        // learning_starts 0, one update per env step: 60 offline + 200 online.
        Assert.Equal(260, agent.Learner.Updates);
        var rows = File.ReadAllLines(new RunDirectory(dir.Path).MetricsCsv).Skip(1).Select(l => l.Split(',')).ToList();
        int stepCol = 0, nameCol = 1, valueCol = 2;
        var header = File.ReadLines(new RunDirectory(dir.Path).MetricsCsv).First().Split(',');
        stepCol = Array.IndexOf(header, "step"); nameCol = Array.IndexOf(header, "name"); valueCol = Array.IndexOf(header, "value");
        Assert.True(stepCol >= 0 && nameCol >= 0 && valueCol >= 0, $"metrics.csv header: {string.Join(",", header)}");
        var phase = rows.Where(r => r[nameCol] == "train/phase").Select(r => (Step: long.Parse(r[stepCol]), Value: double.Parse(r[valueCol], CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(new[] { (-60L, 0.0), (0L, 1.0) }, phase);
        // Losses every 1,000 offline updates and at the last: 60 updates give one row, at step 0 (the check that the first
        // row is not skipped needs ≥ 1,000 updates, see the next assertion's run).
        Assert.Equal(new[] { 0L }, rows.Where(r => r[nameCol] == "train/critic_loss" && long.Parse(r[stepCol]) <= 0).Select(r => long.Parse(r[stepCol])));
        var offlineEvals = rows.Where(r => r[nameCol] == "eval/offline_mean_return").Select(r => long.Parse(r[stepCol])).ToList();
        Assert.Equal(new[] { -35L, -10L, 0L }, offlineEvals); // updates 25, 50 and the last one (60), at u − 60
    }

    [Fact]
    public void OfflineLossesAreLoggedEveryThousandUpdatesAtStepsBeforeTheSwitch()
    {
        torch.set_num_threads(1);
        var data = RandomPendulum(2);
        using var dir = new TempDir();
        using var agent = new AwacAgent(new AwacConfig { BatchSize = 16, NetArch = new[] { 8 } }, EnvRegistry.Make("Pendulum-v1").ObservationSpace, EnvRegistry.Make("Pendulum-v1").ActionSpace, 1);
        Trainer.Run(agent, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.Path, 2500, 0, data) with { EvalInterval = 0 });
        var header = File.ReadLines(new RunDirectory(dir.Path).MetricsCsv).First().Split(',');
        int stepCol = Array.IndexOf(header, "step"), nameCol = Array.IndexOf(header, "name");
        var steps = File.ReadAllLines(new RunDirectory(dir.Path).MetricsCsv).Skip(1).Select(l => l.Split(','))
            .Where(r => r[nameCol] == "train/actor_loss").Select(r => long.Parse(r[stepCol])).ToList();
        Assert.Equal(new[] { -1500L, -500L, 0L }, steps); // updates 1,000, 2,000 and the last (2,500)
    }

    [Fact]
    public void TheDatasetStaysInTheReplayAfterTheSwitchAndOnlineStepsAreAddedBehindIt()
    {
        torch.set_num_threads(1);
        var data = RandomPendulum(2);
        using var dir = new TempDir();
        using var agent = NewAgent();
        Trainer.Run(agent, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.Path, 30, 150, data) with { EvalInterval = 0 });
        var replay = (Astromech.Replay.TransitionReplay)agent.Replay;
        Assert.Equal(data.Count + 150, replay.Count);
        for (int i = 0; i < data.Count; i++)
        {
            Assert.True(replay.ObservationAt(i).SequenceEqual(data.Observation(i)), $"replay row {i} is no longer dataset row {i}");
            Assert.Equal(data.Rewards[i], replay.RewardAt(i));
        }
    }

    private static Dictionary<string, byte[]> Sections(IAgent agent)
    {
        var c = new Checkpoint();
        agent.Save(c);
        return c.SectionNames.ToDictionary(n => n, n => c.GetBytes(n));
    }

    [Fact]
    public void AResumeInTheOfflinePhaseFinishesTheRemainingUpdatesAndEndsBitForBitWhereAnUninterruptedRunEnds()
    {
        torch.set_num_threads(1);
        var data = RandomPendulum(2);
        using var dir = new TempDir();
        using var straight = NewAgent();
        Trainer.Run(straight, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.File("straight"), 60, 120, data) with { EvalInterval = 0 });

        // Stopped after 25 of the 60 offline updates (its final checkpoint is then a mid-offline one), then resumed.
        using var first = NewAgent();
        Trainer.Run(first, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.File("first"), 25, 0, data) with { EvalInterval = 0 });
        Assert.Equal(25, first.OfflineUpdates);
        using var resumed = NewAgent(seed: 42);
        var s = Trainer.Run(resumed, () => EnvRegistry.Make("Pendulum-v1"),
            Options(dir.File("resumed"), 60, 120, null, new RunDirectory(dir.File("first")).Checkpoint) with { EvalInterval = 0 });
        Assert.Equal(60, resumed.OfflineUpdates);
        Assert.Equal(180, resumed.Learner.Updates);
        Assert.Equal(data.Count + 120, resumed.Replay.Count);
        var a = Sections(straight);
        var b = Sections(resumed);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (k, v) in a) Assert.True(v.AsSpan().SequenceEqual(b[k]), $"section '{k}' differs between the uninterrupted and the resumed run");
    }

    [Fact]
    public void AResumeInTheOnlinePhaseDoesNotRepeatTheOfflinePhaseAndKeepsTheDataset()
    {
        torch.set_num_threads(1);
        var data = RandomPendulum(2);
        using var dir = new TempDir();
        using var first = NewAgent();
        Trainer.Run(first, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.File("first"), 40, 100, data) with { EvalInterval = 0 });
        using var resumed = NewAgent(seed: 9);
        var s = Trainer.Run(resumed, () => EnvRegistry.Make("Pendulum-v1"),
            Options(dir.File("second"), 40, 250, data, new RunDirectory(dir.File("first")).Checkpoint) with { EvalInterval = 0 });
        Assert.Equal(250, s.EnvSteps);
        Assert.Equal(40, resumed.OfflineUpdates);
        Assert.Equal(40 + 250, resumed.Learner.Updates);
        Assert.Equal(data.Count + 250, resumed.Replay.Count); // the dataset was not loaded a second time
        var replay = (Astromech.Replay.TransitionReplay)resumed.Replay;
        Assert.True(replay.ObservationAt(data.Count - 1).SequenceEqual(data.Observation(data.Count - 1)));
    }

    [Fact]
    public void ADatasetOfTheWrongShapeIsRefusedNamingBothSpaces()
    {
        using var cartpole = EnvRegistry.Make("CartPole-v1");
        var wrong = DatasetRollouts.Record(null, () => EnvRegistry.Make("CartPole-v1"), 1, new RolloutOptions { EnvId = "CartPole-v1" });
        using var agent = NewAgent();
        var e = Assert.Throws<ArgumentException>(() => agent.LoadDataset(wrong));
        Assert.Contains("CartPole-v1", e.Message);
        Assert.Contains("observation", e.Message);
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void AnAlgorithmWithoutAnOfflinePhaseRefusesADataset()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var info = Astromech.Agents.Algorithms.Get("dqn");
        using var dqn = info.Create(info.DefaultConfig(), env.ObservationSpace, env.ActionSpace, 0);
        using var dir = new TempDir();
        var data = DatasetRollouts.Record(null, () => EnvRegistry.Make("CartPole-v1"), 1);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Run(dqn, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", TotalSteps = 10, OutDir = dir.Path, Dataset = data, OfflineSteps = 5, ShowProgress = false,
        }));
        Assert.Contains("dqn", e.Message);
        Assert.Contains("dataset", e.Message);
    }

    [Fact]
    public void SacFromDataRunsItsOfflineUpdatesThenKeepsTrainingOnDatasetAndOnlineData()
    {
        torch.set_num_threads(1);
        var data = RandomPendulum(2);
        using var dir = new TempDir();
        using var env = EnvRegistry.Make("Pendulum-v1");
        using var sac = new SacAgent(new SacConfig { LearningStarts = 0, BatchSize = 64, NetArch = new[] { 32, 32 } }, env.ObservationSpace, env.ActionSpace, 0);
        var s = Trainer.Run(sac, () => EnvRegistry.Make("Pendulum-v1"), Options(dir.Path, 30, 100, data) with { EvalInterval = 0 });
        Assert.Equal(30, sac.OfflineUpdates);
        Assert.Equal(130, sac.Learner.Updates);
        Assert.Equal(data.Count + 100, sac.Replay.Count);
        Assert.Equal(30, s.OfflineUpdates);
    }
}
