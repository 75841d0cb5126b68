using Astromech.Adders;
using Astromech.Agents.ApeX;
using Astromech.Agents.Dqn;
using Astromech.Envs.Registry;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.ApeX;

public class ApexPartsTests
{
    [Fact]
    public void EpsilonsFollowThePaperOverAllActorCopies()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        using var agent = new ApexAgent(new ApexConfig { Actors = 4, NumEnvs = 2, ReplayCapacity = 1000, MinReplaySize = 100, BatchSize = 32 },
            env.ObservationSpace, env.ActionSpace, 0);
        Assert.Equal(0.4, agent.EpsilonOf(0, 0), 12);
        Assert.Equal(Math.Pow(0.4, 1 + 7.0 * 3 / 7), agent.EpsilonOf(1, 1), 12); // copy 3 of 8
        Assert.Equal(Math.Pow(0.4, 8), agent.EpsilonOf(3, 1), 12);
        Assert.Equal(0.4, ApexExploration.Epsilon(0, 1, 0.4, 7), 12);
    }

    [Fact]
    public void ActorSidePrioritiesAreTheLearnersTdErrors()
    {
        // The actors' |δ| (their network copies, no gradient) is what the learner's update computes for the same rows.
        var cfg = new ApexConfig { BatchSize = 16, Hidden = new[] { 16 }, ValueRescaling = true, ReplayCapacity = 100, MinReplaySize = 16 }.ToDqnConfig();
        manual_seed(3);
        using var learner = new DqnLearner(cfg, 4, 2);
        var block = new TransitionBlock(16, 4, 1);
        var rng = new Random(1);
        float[] Row() => Enumerable.Range(0, 4).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        for (int i = 0; i < 16; i++) block.Add(Row(), new float[] { i % 2 }, (float)rng.NextDouble(), i % 5 == 0 ? 0f : 0.97f, Row());
        var fromActor = new float[16];
        DqnLearner.AbsTdErrors(cfg, learner.Online, learner.Target, block, fromActor);
        var batch = new ReplayBatch(16, 4, 1) { Size = 16 };
        block.Obs.CopyTo(batch.Obs, 0); block.NextObs.CopyTo(batch.NextObs, 0); block.Actions.CopyTo(batch.Actions, 0);
        block.Rewards.CopyTo(batch.Rewards, 0); block.Discounts.CopyTo(batch.Discounts, 0);
        learner.Update(batch);
        for (int i = 0; i < 16; i++) Assert.Equal(learner.LastTdErrors[i], fromActor[i], 5);
        Assert.Contains(fromActor, d => d > 0.01f);
    }

    [Fact]
    public void ParameterVectorCopiesANetworkAndRejectsAnotherShape()
    {
        using var a = new QNetwork(4, 2, new[] { 8 }, dueling: true);
        using var b = new QNetwork(4, 2, new[] { 8 }, dueling: true);
        using var c = new QNetwork(4, 2, new[] { 9 }, dueling: true);
        var v = ParameterVector.Read(a);
        Assert.Equal(ParameterVector.Count(a), v.Length);
        ParameterVector.Write(v, b);
        using var scope = NewDisposeScope();
        var x = randn(3, 4);
        Assert.Equal(a.forward(x).data<float>().ToArray(), b.forward(x).data<float>().ToArray());
        var e = Assert.Throws<ArgumentException>(() => ParameterVector.Write(v, c));
        Assert.Contains($"{v.Length} floats", e.Message);
    }

    [Fact]
    public void ParameterStoreServesOnlyNewerIncreasingVersions()
    {
        var s = new ParameterStore();
        Assert.Null(s.GetNewer(-1));
        s.Publish(0, new float[] { 1, 2 });
        Assert.Equal(0, s.GetNewer(-1)!.Version);
        Assert.Null(s.GetNewer(0));
        Assert.Contains("not newer", Assert.Throws<ArgumentException>(() => s.Publish(0, new float[] { 3, 4 })).Message);
        Assert.Contains("3 floats", Assert.Throws<ArgumentException>(() => s.Publish(1, new float[3])).Message);
        s.Publish(7, new float[] { 5, 6 });
        Assert.Equal(new float[] { 5, 6 }, s.GetNewer(0)!.Values);
    }

    [Fact]
    public void RateLimiterKeepsBothSidesNearTheRatioAndRefusesDeadlockingSettings()
    {
        var l = new SampleToInsertRateLimiter(samplesPerInsert: 2, minSizeToSample: 100, tolerance: 50);
        Assert.False(l.CanSample(99, 0, 1));
        Assert.True(l.CanInsert(99, 0, 500)); // below the minimum, inserts always go in
        Assert.True(l.CanSample(100, 0, 50));
        Assert.False(l.CanSample(100, 0, 51));
        Assert.True(l.CanInsert(125, 0, 0)); // owed 50 samples: at the tolerance
        Assert.False(l.CanInsert(125, 0, 1));
        Assert.True(l.CanInsert(125, 10, 5));
        Assert.Contains("tolerance 50 is too small", Assert.Throws<ArgumentException>(() => l.EnsureNoDeadlock(64, 50)).Message);
        l.EnsureNoDeadlock(50, 25);
    }

    [Fact]
    public void ShardInsertsBlocksWithTheirPrioritiesAndSurvivesACheckpoint()
    {
        var shard = new ReplayShard(new PrioritizedReplay(64, 2, 1), new SampleToInsertRateLimiter(0, 1, 0), seed: 1);
        var block = new TransitionBlock(10, 2, 1);
        var adder = new NStepAdder(block, 2, 1, 3, 0.9f);
        for (int t = 0; t < 12; t++) adder.Observe(new float[] { t, -t }, new float[] { t % 2 }, 1f, false, false, new float[] { t + 1, -t - 1 });
        Assert.Equal(10, block.Count); // 12 steps, n = 3: the first 10 are complete
        Assert.Equal(1 + 0.9f + 0.81f, block.Rewards[0], 5);
        Assert.Equal(0.9f * 0.9f * 0.9f, block.Discounts[0], 5);
        Assert.Throws<InvalidOperationException>(() => block.Add(new float[2], new float[1], 0, 0, new float[2]));
        var priorities = new float[10];
        priorities[4] = 100;
        Assert.True(shard.TryInsert(block, priorities));
        var batch = new ReplayBatch(8, 2, 1);
        Assert.True(shard.TrySample(8, 0.4, batch));
        Assert.True(batch.Keys.Count(k => k == 4) >= 6, $"keys sampled: {string.Join(",", batch.Keys)}");
        var c = new Checkpoint();
        shard.Save(c, "s");
        var copy = new ReplayShard(new PrioritizedReplay(64, 2, 1), new SampleToInsertRateLimiter(0, 1, 0), seed: 99);
        copy.Load(CheckpointFile.Parse(CheckpointFileBytes(c)), "s");
        Assert.Equal(shard.Stats, copy.Stats);
        var b1 = new ReplayBatch(8, 2, 1);
        var b2 = new ReplayBatch(8, 2, 1);
        shard.TrySample(8, 0.4, b1);
        copy.TrySample(8, 0.4, b2); // same table, priorities and RNG state: the same rows
        Assert.Equal(b1.Keys, b2.Keys);
        Assert.Equal(b1.Weights, b2.Weights);
    }

    private static byte[] CheckpointFileBytes(Checkpoint c)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("astromech-apex-").FullName, "c.ckpt");
        CheckpointFile.Write(path, c);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void ActorStepsPullsAndPrioritiesLeakNoTensors()
    {
        var cfg = new ApexConfig { NumEnvs = 2, Hidden = new[] { 16 }, FlushSize = 20, ReplayCapacity = 100, MinReplaySize = 10, BatchSize = 8 };
        using var source = new QNetwork(4, 2, cfg.Hidden, cfg.Dueling);
        var store = new ParameterStore();
        using var actor = new ApexActor(() => EnvRegistry.Make("CartPole-v1"), cfg, 4, 2, new[] { 0.4, 0.01 }, new Astromech.Envs.Rng(1), 1);
        void Cycle(int steps)
        {
            for (int t = 0; t < steps; t++)
            {
                actor.Step();
                if (actor.BlockReady)
                {
                    actor.ComputePriorities();
                    actor.Block.Clear();
                }
                if (t % 10 == 0)
                {
                    store.Publish(store.Version + 1, ParameterVector.Read(source, source)); // online and target
                    Assert.True(actor.Pull(store));
                }
            }
        }
        Cycle(50); // warm up
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Cycle(500);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after}");
        Assert.Equal(store.Version, actor.ParameterVersion);
    }

    [Fact]
    public void ConfigRefusesAToleranceThatCouldDeadlockNamingTheKey()
    {
        var e = Assert.ThrowsAny<Exception>(() => ConfigBinder.Bind<ApexConfig>(new System.Text.Json.Nodes.JsonObject
        {
            ["samples_per_insert"] = 32, ["samples_per_insert_tolerance"] = 10,
        }));
        Assert.Contains("samples_per_insert_tolerance", e.Message);
    }
}

[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class ApexAgentTests
{
    private static readonly ApexConfig Small = new()
    {
        Actors = 2, NumEnvs = 2, BatchSize = 32, Hidden = new[] { 32 }, ReplayCapacity = 5000, MinReplaySize = 200, LearningRate = 1e-3,
        TargetUpdateInterval = 50, FlushSize = 20, ParamSyncInterval = 10, PublishInterval = 5, SamplesPerInsert = 4, SamplesPerInsertTolerance = 500,
    };

    private static RunSummary Run(ApexAgent agent, string dir, long steps, string? resume = null) =>
        Trainer.Run(agent, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 1, TotalSteps = steps, EvalEpisodes = 2, ShowProgress = false, OutDir = dir,
            CheckpointInterval = 0, ResumeFrom = resume,
        });

    [Fact]
    public void TrainsUnderTheTrainerReportsItsStatsAndResumesFromACheckpoint()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var dir = Directory.CreateTempSubdirectory("astromech-apex-").FullName;
        long updates;
        ReplayShardStats stats;
        using (var agent = new ApexAgent(Small, env.ObservationSpace, env.ActionSpace, 1))
        {
            var s = Run(agent, dir, 3000);
            Assert.True(s.EnvSteps >= 3000);
            updates = agent.Updates;
            stats = agent.Shard.Stats;
            Assert.True(updates > 0, "the learner never updated");
            // Rate limiter: sampled ≈ 4 per transition inserted beyond the first 200, within the tolerance.
            Assert.InRange(stats.Sampled, 4.0 * (stats.Inserted - 200) - 500 - 32, 4.0 * (stats.Inserted - 200) + 500);
            Assert.True(agent.Parameters.Version > 0 && agent.Parameters.Version <= updates);
            var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!;
            var a = summary["agent_stats"]!;
            Assert.Equal(updates, (long)a["learner_updates"]!);
            Assert.Equal(stats.Inserted, (long)a["transitions_inserted"]!);
            Assert.True((long)a["blocks_inserted"]! > 0);
            Assert.NotNull(a["policy_lag_mean"]);
        }
        var dir2 = Directory.CreateTempSubdirectory("astromech-apex-").FullName;
        using (var resumed = new ApexAgent(Small, env.ObservationSpace, env.ActionSpace, 1))
        {
            var s = Run(resumed, dir2, 5000, Path.Combine(dir, "checkpoint.ckpt"));
            Assert.True(s.EnvSteps >= 5000);
            Assert.True(resumed.Updates > updates, $"resumed learner at {resumed.Updates} updates, the first run ended at {updates}");
            Assert.True(resumed.Shard.Stats.Inserted > stats.Inserted);
        }
        using var other = new ApexAgent(Small with { Hidden = new[] { 16 } }, env.ObservationSpace, env.ActionSpace, 1);
        var e = Assert.Throws<CheckpointException>(() => other.Load(CheckpointFile.Read(Path.Combine(dir, "checkpoint.ckpt"))));
        Assert.Contains("hidden", e.Message);
    }
}
