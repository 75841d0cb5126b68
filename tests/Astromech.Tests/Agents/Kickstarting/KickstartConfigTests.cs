using System.Text.Json.Nodes;
using Astromech.Agents.ActorCritic;
using Astromech.Agents.Kickstarting;
using Astromech.Agents.Ppo;
using Astromech.Envs.Registry;
using Astromech.Nn;
using Astromech.Tests.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.Kickstarting;

/// <summary>Kickstarting's keys live in a nested <c>kickstart</c> record; the flat keys they had before still bind, and
/// checkpoints whose configs were written flat still load.</summary>
public class KickstartConfigTests
{
    // Every flat key kickstarting had in the on-policy config, with a non-default value, and where it now lives.
    private static readonly (string Flat, string Nested, string Value)[] FlatKeys =
    {
        ("kickstart_teachers", "kickstart.teachers", """["a.ckpt","b.ckpt"]"""),
        ("kickstart_weights", "kickstart.weights", "[0.5,2]"),
        ("kickstart_tasks", "kickstart.tasks", "[4,7]"),
        ("kickstart_task_index", "kickstart.task_index", "3"),
        ("kickstart_lambda", "kickstart.lambda", "0.25"),
        ("kickstart_schedule", "kickstart.schedule", "\"Exponential\""),
        ("kickstart_lambda_end", "kickstart.lambda_end", "0.125"),
        ("kickstart_decay_steps", "kickstart.decay_steps", "5000"),
        ("kickstart_loss", "kickstart.loss", "\"Kl\""),
        ("kickstart_temperature", "kickstart.temperature", "0.5"),
        ("rl_loss_weight", "kickstart.rl_loss_weight", "0.75"),
    };

    private static JsonObject FlatJson()
    {
        var o = new JsonObject { ["n_steps"] = 64 };
        foreach (var (flat, _, value) in FlatKeys) o[flat] = JsonNode.Parse(value);
        return o;
    }

    [Fact]
    public void EveryFlatKickstartKey_BindsToItsNestedKey()
    {
        var c = ConfigBinder.Bind<PpoConfig>(FlatJson());
        var k = c.Kickstart;
        Assert.Equal(new[] { "a.ckpt", "b.ckpt" }, k.Teachers);
        Assert.Equal(new[] { 0.5, 2.0 }, k.Weights);
        Assert.Equal(new[] { 4, 7 }, k.Tasks);
        Assert.Equal(3, k.TaskIndex);
        Assert.Equal(0.25, k.Lambda);
        Assert.Equal(KickstartSchedule.Exponential, k.Schedule);
        Assert.Equal(0.125, k.LambdaEnd);
        Assert.Equal(5000, k.DecaySteps);
        Assert.Equal(KickstartLoss.Kl, k.Loss);
        Assert.Equal(0.5, k.Temperature);
        Assert.Equal(0.75, k.RlLossWeight);
        foreach (var (flat, nested, value) in FlatKeys)
        {
            Assert.Equal(JsonNode.Parse(value)!.ToJsonString(), ConfigBinder.ValueOf(c, nested)!.ToJsonString());
            Assert.Equal(JsonNode.Parse(value)!.ToJsonString(), ConfigBinder.ValueOf(c, flat)!.ToJsonString());
        }
        // The nested spellings bind the same record.
        var nestedJson = new JsonObject { ["n_steps"] = 64, ["kickstart"] = ConfigBinder.ToJson(k) };
        Assert.Equal(ConfigBinder.ToJsonString(c), ConfigBinder.ToJsonString(ConfigBinder.Bind<PpoConfig>(nestedJson)));
        string[] dotted =
        {
            "kickstart.teachers=[a.ckpt,b.ckpt]", "kickstart.weights=0.5,2", "kickstart.tasks=[4,7]", "kickstart.task_index=3", "kickstart.lambda=0.25",
            "kickstart.schedule=exponential", "kickstart.lambda_end=0.125", "kickstart.decay_steps=5e3", "kickstart.loss=kl",
            "kickstart.temperature=0.5", "kickstart.rl_loss_weight=0.75",
        };
        Assert.Equal(ConfigBinder.ToJsonString(c), ConfigBinder.ToJsonString(ConfigBinder.Bind<PpoConfig>(dotted.Append("n_steps=64"))));
    }

    [Fact]
    public void ToJson_WritesKickstartAsANestedObjectOnly_AndRoundTrips()
    {
        var c = ConfigBinder.Bind<PpoConfig>(FlatJson());
        var json = ConfigBinder.ToJson(c);
        foreach (var (flat, _, _) in FlatKeys) Assert.False(json.ContainsKey(flat), $"ToJson wrote the alias {flat}");
        var kick = json["kickstart"]!.AsObject();
        Assert.Equal(new[] { "teachers", "weights", "tasks", "task_index", "lambda", "schedule", "lambda_end", "decay_steps", "loss", "temperature", "rl_loss_weight" },
            kick.Select(kv => kv.Key));
        var back = ConfigBinder.Bind<PpoConfig>(JsonNode.Parse(json.ToJsonString())!.AsObject());
        Assert.Equal(json.ToJsonString(), ConfigBinder.ToJson(back).ToJsonString());
        Assert.Equal(c.Kickstart with { Teachers = back.Kickstart.Teachers, Weights = back.Kickstart.Weights, Tasks = back.Kickstart.Tasks }, back.Kickstart);
    }

    [Fact]
    public void FlatAndNestedKickstartKeysWithDifferentValues_AreAnErrorNamingBoth()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<PpoConfig>(
            JsonNode.Parse("""{"kickstart_lambda": 0.5, "kickstart": {"lambda": 2}}""")!.AsObject(), source: "config file 'k.json'"));
        Assert.Equal("config file 'k.json': 'kickstart_lambda' (the flat alias of 'kickstart.lambda') and 'kickstart.lambda' are both given, with different values (0.5 and 2); give only one of them", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<PpoConfig>(new[] { "kickstart.teachers=[a.ckpt]", "kickstart_teachers=[b.ckpt]" }));
        Assert.Contains("'kickstart_teachers' (the flat alias of 'kickstart.teachers') and 'kickstart.teachers'", e.Message);
        Assert.Equal(new[] { "a.ckpt" }, ConfigBinder.Bind<PpoConfig>(new[] { "kickstart.teachers=[a.ckpt]", "kickstart_teachers=[a.ckpt]" }).Kickstart.Teachers);
    }

    [Fact]
    public void NestedKickstartErrors_NameTheDottedKeyAndItsAlias()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<PpoConfig>(new[] { "kickstart.lamda=2" }));
        Assert.Equal("--set kickstart.lamda=2: unknown key 'kickstart.lamda' for PpoConfig; did you mean 'kickstart.lambda'?", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<PpoConfig>(new[] { "kickstart.temperature=0" }));
        Assert.Equal("kickstart.temperature (alias kickstart_temperature) = 0 is out of range for KickstartConfig: allowed (0, 1000000]", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<PpoConfig>(new[] { "kickstart.teachers=[a.ckpt]", "kickstart.weights=[1,2]" }));
        Assert.Equal("kickstart.weights (alias kickstart_weights) has 2 entries but kickstart.teachers (alias kickstart_teachers) names 1 teachers (give one weight per teacher, or none)", e.Message);
    }

    [Fact]
    public void TheCSharpFlatPropertiesReadAndWriteThroughToTheRecord()
    {
        var c = new PpoConfig { KickstartTeachers = new[] { "t.ckpt" }, KickstartLambda = 3, RlLossWeight = 0 };
        Assert.Equal(new[] { "t.ckpt" }, c.Kickstart.Teachers);
        Assert.Equal(3, c.Kickstart.Lambda);
        Assert.Equal(0, c.Kickstart.RlLossWeight);
        var d = c with { KickstartSchedule = KickstartSchedule.Linear };
        Assert.Equal(KickstartSchedule.Linear, d.Kickstart.Schedule);
        Assert.Equal(KickstartSchedule.Constant, c.Kickstart.Schedule);
        Assert.Equal(3, d.KickstartLambda);
        var stripped = (PpoConfig)Teacher.WithoutTeachers(c);
        Assert.Empty(stripped.Kickstart.Teachers);
        Assert.Equal(1.0, stripped.Kickstart.RlLossWeight);
        Assert.Equal(3, stripped.Kickstart.Lambda);
    }

    [Fact]
    public void PbtMembersTakeKickstartLambdaByEitherName()
    {
        var keys = ConfigBinder.KeysOf(typeof(PpoConfig));
        Assert.Contains("kickstart.lambda", keys);
        Assert.Contains("kickstart_lambda", keys);
        using var env = EnvRegistry.Make("CartPole-v1");
        var algo = Astromech.Agents.Algorithms.Get("ppo");
        var baseConfig = ConfigBinder.ToJson(new PpoConfig { KickstartSchedule = KickstartSchedule.Pbt, NSteps = 64 });
        var members = new Astromech.Training.Pbt.TrainerMemberTrainer(algo.ConfigType, baseConfig, (cfg, seed) => algo.Create(cfg, env.ObservationSpace, env.ActionSpace, seed),
            () => EnvRegistry.Make("CartPole-v1"), "CartPole-v1", new Dictionary<string, string>(), seed: 0, evalEpisodes: 1, rewardThreshold: null);
        foreach (var key in new[] { "kickstart.lambda", "kickstart_lambda" })
        {
            var cfg = (PpoConfig)members.ConfigFor(new Astromech.Training.Pbt.PbtMember(0, "unused", new Dictionary<string, double> { [key] = 0.375 }));
            Assert.Equal(0.375, cfg.Kickstart.Lambda);
            Assert.Equal(KickstartSchedule.Pbt, cfg.Kickstart.Schedule);
            Assert.Equal(64, cfg.NSteps);
        }
    }

    /// <summary>The config as the code before the kickstart record wrote it: every key flat, kickstarting's under their old names.</summary>
    private static JsonObject AsFlatShape(JsonObject json)
    {
        var flat = new JsonObject();
        foreach (var (key, node) in json)
        {
            if (key != "kickstart") { flat[key] = node?.DeepClone(); continue; }
            foreach (var (inner, value) in node!.AsObject())
                flat[inner == "rl_loss_weight" ? inner : "kickstart_" + inner] = value?.DeepClone();
        }
        return flat;
    }

    [Fact]
    public void ACheckpointWithTheFlatConfigShape_StillLoads_AsAgentAndAsTeacher()
    {
        using var dir = new TempDir();
        using var env = EnvRegistry.Make("CartPole-v1");
        var (obs, act) = (env.ObservationSpace, env.ActionSpace);
        var cfg = new PpoConfig { Hidden = new[] { 16 }, KickstartLambda = 0.5, KickstartTemperature = 2 };
        using var trained = new PpoAgent(cfg, obs, act, 3);
        string path = TeacherTests.SaveAsTrained(trained, cfg, "CartPole-v1", dir.File("new.ckpt"));

        // Rewrite both config sections in the flat shape, as checkpoints written before this change hold them.
        var ckpt = CheckpointFile.Read(path);
        var flatTrainer = AsFlatShape(ckpt.GetJsonNode("trainer/config").AsObject());
        Assert.True(flatTrainer.ContainsKey("kickstart_lambda") && flatTrainer.ContainsKey("rl_loss_weight") && !flatTrainer.ContainsKey("kickstart"));
        ckpt.SetJson("trainer/config", flatTrainer);
        ckpt.SetJson("ppo/config", AsFlatShape(ckpt.GetJsonNode("ppo/config").AsObject()));
        string old = dir.File("old.ckpt");
        CheckpointFile.Write(old, ckpt);

        var reloaded = ConfigBinder.Bind<PpoConfig>(CheckpointFile.Read(old).GetJsonNode("trainer/config").AsObject());
        Assert.Equal(ConfigBinder.ToJsonString(cfg), ConfigBinder.ToJsonString(reloaded));

        using var agent = new PpoAgent(reloaded, obs, act, 9);
        agent.Load(CheckpointFile.Read(old));
        using var teacher = Teacher.Load(old, obs, act, temperature: 1.0);
        using var scope = NewDisposeScope();
        var x = torch.tensor(new[] { 0.01f, -0.02f, 0.03f, 0.04f, -0.2f, 0.5f, 0.1f, -0.3f }, new long[] { 2, 4 });
        var expected = new Categorical(trained.Network.forward(x).PolicyOut).Probs.detach().data<float>().ToArray();
        Assert.Equal(expected, new Categorical(agent.Network.forward(x).PolicyOut).Probs.detach().data<float>().ToArray());
        Assert.Equal(expected, ((Categorical)teacher.Policy(x)).Probs.detach().data<float>().ToArray());
    }
}
