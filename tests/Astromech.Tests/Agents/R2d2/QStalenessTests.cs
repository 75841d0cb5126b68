using Astromech.Agents.R2d2;
using Astromech.Adders;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Replay;
using Astromech.Training;

namespace Astromech.Tests.Agents.R2d2;

public class QStalenessTests
{
    private static R2d2Config Cfg => new()
    {
        BatchSize = 8, SequenceLength = 10, Overlap = 5, BurnIn = 4, NStep = 2, Gamma = 0.9, LstmSize = 16, Hidden = new[] { 16 },
        ReplayCapacity = 500, MinReplaySize = 8, Actors = 1, NumEnvs = 2, LearningRate = 3e-3, TargetUpdateInterval = 10,
    };

    private static IEnv CartPole() => EnvRegistry.Make("CartPole-v1");

    [Fact]
    public void StoredStateIsExactForTheNetworkThatActedAndDriftsOnceItTrains()
    {
        var cfg = Cfg;
        using var agent = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        var adder = new VectorSequenceAdder(cfg.NumEnvs, agent.Replay, cfg.SequenceLength, cfg.Overlap, cfg.BurnIn + 1);
        using (var actor = new R2d2Actor(CartPole, cfg.NumEnvs, agent.NewNetworkCopy(), adder, new Rng(0), 0))
            while (agent.Replay.Count < 150) actor.Step(new[] { 0.2, 0.2 });

        // The replay was filled by the learner's own (untrained) network: stored states are the true states.
        var fresh = agent.MeasureStaleness().ToDictionary(r => r.Strategy);
        Assert.True(fresh[StartState.Stored].Sequences > 20, $"measured {fresh[StartState.Stored].Sequences} sequences");
        Assert.All(fresh.Values, r => Assert.Equal(fresh[StartState.Stored].Eligible, r.Eligible));
        Assert.True(fresh[StartState.Stored].Eligible >= fresh[StartState.Stored].Sequences);
        // A cap measures that many of the eligible sequences.
        Assert.All(agent.MeasureStaleness(5), r => Assert.Equal(Math.Min(5, fresh[StartState.Stored].Eligible), r.Sequences));
        Assert.True(fresh[StartState.Stored].FirstStep < 1e-4, $"stored ΔQ at the first step: {fresh[StartState.Stored].FirstStep}");
        Assert.True(fresh[StartState.StoredBurnin].LastStep < 1e-4);
        Assert.True(fresh[StartState.Zero].FirstStep > 1e-3, $"zero ΔQ at the first step: {fresh[StartState.Zero].FirstStep}");
        // Burn-in shrinks the zero state's error (the LSTM forgets its start).
        Assert.True(fresh[StartState.ZeroBurnin].FirstStep < fresh[StartState.Zero].FirstStep);

        // After training the network differs from the one that acted: the stored state is stale.
        var batch = new SequenceBatch(cfg.BatchSize, cfg.SequenceLength, 4, cfg.LstmSize);
        for (int i = 0; i < 100; i++) agent.TrainOnce(batch, new Progress(1000, 2000));
        var trained = agent.MeasureStaleness().ToDictionary(r => r.Strategy);
        Assert.True(trained[StartState.Stored].FirstStep > 1e-3, $"stored ΔQ after 100 updates: {trained[StartState.Stored].FirstStep}");
        Assert.All(trained.Values, r => Assert.True(double.IsFinite(r.FirstStep) && double.IsFinite(r.LastStep)));
    }

    [Fact]
    public void SequencesWithoutTheirEpisodePrefixAreSkipped()
    {
        var cfg = Cfg;
        using var agent = new R2d2Agent(cfg, CartPole().ObservationSpace, CartPole().ActionSpace, 0);
        var adder = new VectorSequenceAdder(1, agent.Replay, cfg.SequenceLength, cfg.Overlap, 1);
        using (var actor = new R2d2Actor(CartPole, 1, agent.NewNetworkCopy(), adder, new Rng(0), 0))
            while (agent.Replay.Count < 40) actor.Step(new[] { 0.0 });
        var all = agent.Replay.Snapshot();
        using var net = agent.NewNetworkCopy();
        int withPrefix = QStaleness.Measure(net, all, 5, 4)[0].Sequences;
        // Without the episode-start sequences no chain is complete.
        var noStarts = all.Where(s => s.EpisodeStep != 0).ToList();
        Assert.True(withPrefix > 0);
        Assert.Equal(0, QStaleness.Measure(net, noStarts, 5, 4)[0].Sequences);
        Assert.True(double.IsNaN(QStaleness.Measure(net, noStarts, 5, 4)[0].FirstStep));
    }
}
