using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Envs.Registry;
using Astromech.Tests.Training;
using Astromech.Training;
using Astromech.Training.Config;
using Astromech.Training.Pbt;

namespace Astromech.Tests.Training.Pbt;

/// <summary>PBT over real training runs: members are PPO runs sliced by the trainer; copying a member copies its checkpoint.</summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class TrainerMemberTrainerTests
{
    /// <summary>Records, at every copy, whether each destination's checkpoint now holds exactly its source's bytes.</summary>
    private sealed class Checked(TrainerMemberTrainer inner) : IPbtMemberTrainer
    {
        public readonly List<bool> CopiesExact = new();
        public PbtScore TrainSlice(PbtMember member, long untilStep) => inner.TrainSlice(member, untilStep);
        public void CopyStates(IReadOnlyList<(PbtMember From, PbtMember To)> copies)
        {
            var before = copies.Select(c => File.ReadAllBytes(inner.CheckpointOf(c.From))).ToArray();
            inner.CopyStates(copies);
            for (int i = 0; i < copies.Count; i++) CopiesExact.Add(before[i].SequenceEqual(File.ReadAllBytes(inner.CheckpointOf(copies[i].To))));
        }
        public PbtScore Evaluate(PbtMember member, int episodes, int seed) => inner.Evaluate(member, episodes, seed);
    }

    [Fact]
    public void PpoMembersTrainInSlicesCopyCheckpointsAndTrainOnWithTheirNewHyperparameters()
    {
        using var dir = new TempDir();
        var algo = Algorithms.Get("ppo");
        var baseConfig = new JsonObject { ["num_envs"] = 2, ["n_steps"] = 128, ["batch_size"] = 64, ["n_epochs"] = 2 };
        using var env = EnvRegistry.Make("CartPole-v1");
        var (obs, act) = (env.ObservationSpace, env.ActionSpace);
        var inner = new TrainerMemberTrainer(algo.ConfigType, baseConfig, (cfg, seed) => algo.Create(cfg, obs, act, seed),
            () => EnvRegistry.Make("CartPole-v1"), "CartPole-v1", new Dictionary<string, string>(), seed: 0, evalEpisodes: 3, rewardThreshold: 475);
        var members = new Checked(inner);
        var space = new[] { new HyperparameterRange("learning_rate", 1e-4, 1e-2, Log: true), new HyperparameterRange("ent_coef", 0, 0.05) };
        var result = PbtRunner.Run(new PbtOptions { Population = 3, ReadyInterval = 512, TotalSteps = 1536, EvalEpisodes = 3, Seed = 4 },
            space, members, dir.Path);

        Assert.Equal(9, result.Trace.Count);
        Assert.Equal(2, members.CopiesExact.Count); // one copy at each of the two ready points before the end
        Assert.All(members.CopiesExact, Assert.True);
        // The last slice of every member ran with the hyperparameters the trace says, bound into its config.
        foreach (var row in result.Trace.Where(r => r.Generation == 2))
        {
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, $"member-{row.Member}", "summary.json")))!;
            Assert.Equal(row.Hyperparameters["learning_rate"], (double)summary["config"]!["learning_rate"]!, 12);
            Assert.Equal(row.Hyperparameters["ent_coef"], (double)summary["config"]!["ent_coef"]!, 12);
            Assert.Equal(1536, (long)summary["env_steps"]!);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "pbt_learning_rate.png")));
        Assert.Throws<ConfigException>(() => new TrainerMemberTrainer(algo.ConfigType, new JsonObject { ["lr_anneal"] = true },
            (cfg, seed) => algo.Create(cfg, obs, act, seed), () => EnvRegistry.Make("CartPole-v1"), "CartPole-v1", new Dictionary<string, string>(), 0, 3, null));
    }

    [Fact]
    public void TrainMeanScoreIsTheLastHundredTrainingEpisodesOfTheSlice()
    {
        using var dir = new TempDir();
        var algo = Algorithms.Get("ppo");
        var baseConfig = new JsonObject { ["num_envs"] = 2, ["n_steps"] = 128, ["batch_size"] = 64, ["n_epochs"] = 1 };
        using var env = EnvRegistry.Make("CartPole-v1");
        var (obs, act) = (env.ObservationSpace, env.ActionSpace);
        var trainer = new TrainerMemberTrainer(algo.ConfigType, baseConfig, (cfg, seed) => algo.Create(cfg, obs, act, seed),
            () => EnvRegistry.Make("CartPole-v1"), "CartPole-v1", new Dictionary<string, string>(), seed: 0, evalEpisodes: 1,
            rewardThreshold: 475, score: PbtScoreSource.TrainMean);
        var member = new PbtMember(0, Path.Combine(dir.Path, "member-0"), new Dictionary<string, double>());
        var score = trainer.TrainSlice(member, 1024);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(member.Dir, "summary.json")))!;
        // The score is the training window, not the 1-episode evaluation.
        Assert.Equal((double)summary["final_mean_return"]!, score.Mean, 9);
        Assert.Equal((double)summary["final_std_return"]!, score.Std, 9);
        Assert.Equal(Math.Min(100, (int)summary["episodes"]!), score.Count);
        Assert.True(score.Count > 1, $"{score.Count} episodes");
        Assert.True(score.Std > 0);
    }
    [Fact]
    public void SharedEvalSeedScoresMembersWithTheSameWeightsIdentically()
    {
        using var dir = new TempDir();
        var algo = Algorithms.Get("ppo");
        var baseConfig = new JsonObject { ["num_envs"] = 2, ["n_steps"] = 128, ["batch_size"] = 64, ["n_epochs"] = 1 };
        using var env = EnvRegistry.Make("CartPole-v1");
        var (obs, act) = (env.ObservationSpace, env.ActionSpace);
        TrainerMemberTrainer Make(PbtEvalSeed evalSeed) => new(algo.ConfigType, baseConfig, (cfg, seed) => algo.Create(cfg, obs, act, seed),
            () => EnvRegistry.Make("CartPole-v1"), "CartPole-v1", new Dictionary<string, string>(), seed: 5, evalEpisodes: 10,
            rewardThreshold: 475, evalSeed: evalSeed);
        var shared = Make(PbtEvalSeed.Shared);
        var own = Make(PbtEvalSeed.Member);
        // One seed per ready point, the same for every member; new episodes at the next ready point; none of its own in member mode.
        Assert.Equal(shared.EvalSeedAt(512), shared.EvalSeedAt(512));
        Assert.NotEqual(shared.EvalSeedAt(512), shared.EvalSeedAt(1024));
        Assert.Null(own.EvalSeedAt(512));

        var m0 = new PbtMember(0, Path.Combine(dir.Path, "member-0"), new Dictionary<string, double>());
        var m1 = new PbtMember(1, Path.Combine(dir.Path, "member-1"), new Dictionary<string, double>());
        shared.TrainSlice(m0, 512);
        shared.CopyStates(new[] { (m0, m1) });
        // Both now hold the same weights at step 512: a slice up to 512 trains nothing and only evaluates.
        var a = shared.TrainSlice(m0, 512);
        var b = shared.TrainSlice(m1, 512);
        Assert.Equal(10, a.Count);
        Assert.Equal(a.Mean, b.Mean);
        Assert.Equal(a.Std, b.Std);
        // Evaluate (the final held-out selection) reruns exactly that evaluation from the saved checkpoint, without training.
        var e = shared.Evaluate(m1, 10, shared.EvalSeedAt(512)!.Value);
        Assert.Equal((a.Mean, a.Std, 10), (e.Mean, e.Std, e.Count));
        Assert.Equal(512, (long)JsonNode.Parse(File.ReadAllText(Path.Combine(m1.Dir, "summary.json")))!["env_steps"]!);
        // With each member's own episodes the same weights score differently (member 1's run seed differs).
        var c = own.TrainSlice(m0, 512);
        var d = own.TrainSlice(m1, 512);
        Assert.True(c.Mean != d.Mean || c.Std != d.Std, $"member-seeded evaluations agree: {c} vs {d}");
    }
}
