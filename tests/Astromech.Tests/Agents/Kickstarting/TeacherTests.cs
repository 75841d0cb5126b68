using System.Text.Json.Nodes;
using Astromech.Agents.A2c;
using Astromech.Agents.ActorCritic;
using Astromech.Agents.Dqn;
using Astromech.Agents.Kickstarting;
using Astromech.Agents.Ppo;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Tests.Training;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.Kickstarting;

/// <summary>Teachers load frozen from checkpoints of any layout; bad teacher files fail before training with messages naming the problem.</summary>
public class TeacherTests
{
    /// <summary>Writes <paramref name="agent"/> as `astromech train` would (trainer/meta, trainer/config and the agent's sections).</summary>
    internal static string SaveAsTrained(IAgent agent, object config, string envId, string path)
    {
        var c = new Checkpoint();
        c.SetJson("trainer/meta", new JsonObject
        {
            ["algo"] = agent.Algo, ["env"] = envId, ["env_args"] = new JsonObject(), ["seed"] = 0, ["env_steps"] = 0, ["wall_seconds"] = 0.0,
            ["observation_space"] = agent.ObservationSpace.ToString(), ["action_space"] = agent.ActionSpace.ToString(),
        });
        c.SetJson("trainer/config", ConfigBinder.ToJson(config));
        agent.Save(c);
        CheckpointFile.Write(path, c);
        return path;
    }

    private static (Space Obs, Space Act) Spaces(string envId)
    {
        using var env = EnvRegistry.Make(envId);
        return (env.ObservationSpace, env.ActionSpace);
    }

    private static readonly float[] Observations = { 0.01f, -0.02f, 0.03f, 0.04f, -0.2f, 0.5f, 0.1f, -0.3f };

    [Theory]
    [InlineData("recurrent")]
    [InlineData("normalize_observations")]
    public void RecurrentAndNormalizingCheckpointsAreRefusedAsTeachersAtLoad(string which)
    {
        using var dir = new TempDir();
        var (obs, act) = Spaces("CartPole-v1");
        var cfg = which == "recurrent" ? new PpoConfig { Recurrent = CoreKind.Lstm, CoreSize = 8, NSteps = 16, BatchSize = 16 } : new PpoConfig { NormalizeObservations = true };
        using var trained = new PpoAgent(cfg, obs, act, 3);
        string path = SaveAsTrained(trained, cfg, "CartPole-v1", dir.File("teacher.ckpt"));
        var e = Assert.Throws<CheckpointException>(() => Teacher.Load(path, obs, act, temperature: 1.0));
        Assert.Contains(which == "recurrent" ? "recurrent" : "normalize_observations", e.Message);
    }

    [Fact]
    public void AnActorCriticTeacherOfAnotherLayoutGivesItsOwnPolicyFrozen()
    {
        using var dir = new TempDir();
        var (obs, act) = Spaces("CartPole-v1");
        var cfg = new PpoConfig { Hidden = new[] { 16 }, ShareTorso = true, Activation = Activation.ReLU };
        using var trained = new PpoAgent(cfg, obs, act, 3);
        string path = SaveAsTrained(trained, cfg, "CartPole-v1", dir.File("teacher.ckpt"));

        using var teacher = Teacher.Load(path, obs, act, temperature: 1.0);
        Assert.Equal("ppo", teacher.Algo);
        using var scope = NewDisposeScope();
        var x = torch.tensor(Observations, new long[] { 2, 4 });
        var expected = new Categorical(trained.Network.forward(x).PolicyOut).Probs.detach().data<float>().ToArray();
        var got = (Categorical)teacher.Policy(x);
        Assert.Equal(expected, got.Probs.data<float>().ToArray());
        Assert.False(got.Logits.requires_grad);

        // A student with a different network (A2C, 64-64 tanh, separate torsos) loads it as its teacher.
        var studentCfg = new A2cConfig { KickstartTeachers = new[] { path } };
        using var student = new A2cAgent(studentCfg, obs, act, 0);
        Assert.NotNull(student.Kickstarter);
        Assert.Single(student.Kickstarter!.Teachers);
    }

    [Fact]
    public void KickstarterAddsLambdaTimesTheTeacherCrossEntropyToTheWeightedRlLoss()
    {
        using var dir = new TempDir();
        var (obs, act) = Spaces("CartPole-v1");
        var cfg = new PpoConfig { Hidden = new[] { 8 } };
        using var trained = new PpoAgent(cfg, obs, act, 5);
        string path = SaveAsTrained(trained, cfg, "CartPole-v1", dir.File("t.ckpt"));
        var student = new PpoConfig { KickstartTeachers = new[] { path }, KickstartLambda = 2, KickstartSchedule = KickstartSchedule.Linear,
            KickstartDecaySteps = 100, KickstartLambdaEnd = 0, RlLossWeight = 0.5 };
        using var agent = new PpoAgent(student, obs, act, 1);
        using var scope = NewDisposeScope();
        var x = torch.tensor(Observations, new long[] { 2, 4 });
        var (studentPolicy, _) = agent.Network.Evaluate(x);
        var p = new Categorical(trained.Network.forward(x).PolicyOut).Probs;
        double ce = (-(p * ((Categorical)studentPolicy).LogProbs).sum(1)).mean().item<float>();
        var (loss, terms) = agent.Kickstarter!.Apply(torch.tensor(3f), x, studentPolicy, envStep: 25);
        // λ at step 25 of a linear 2 → 0 over 100 steps is 1.5; loss = 0.5·3 + 1.5·CE.
        Assert.Equal(1.5, terms.Lambda, 10);
        Assert.Equal(ce, terms.Distill, 5);
        Assert.Equal(1.5 + 1.5 * ce, loss.item<float>(), 4);
    }

    [Fact]
    public void ADqnTeacherActsBySoftmaxOfItsQValuesOverTheTemperature()
    {
        using var dir = new TempDir();
        var (obs, act) = Spaces("CartPole-v1");
        var cfg = new DqnConfig();
        using var dqn = new DqnAgent(cfg, obs, act, 2);
        string path = SaveAsTrained(dqn, cfg, "CartPole-v1", dir.File("dqn.ckpt"));
        using var teacher = Teacher.Load(path, obs, act, temperature: 0.5);
        var q = dqn.QValues(Observations.AsSpan(0, 4));
        double z0 = Math.Exp(q[0] / 0.5), z1 = Math.Exp(q[1] / 0.5);
        using var scope = NewDisposeScope();
        var probs = ((Categorical)teacher.Policy(torch.tensor(Observations.AsSpan(0, 4).ToArray(), new long[] { 1, 4 }))).Probs.data<float>().ToArray();
        Assert.Equal(z0 / (z0 + z1), probs[0], 5);
        Assert.Equal(z1 / (z0 + z1), probs[1], 5);
    }

    [Fact]
    public void ATeacherWithAnotherActionSpaceIsRejectedNamingBothSpaces()
    {
        using var dir = new TempDir();
        var (cpObs, cpAct) = Spaces("CartPole-v1");
        var (acObs, acAct) = Spaces("Acrobot-v1");
        var cfg = new PpoConfig();
        using var cartpole = new PpoAgent(cfg, cpObs, cpAct, 0);
        string path = SaveAsTrained(cartpole, cfg, "CartPole-v1", dir.File("cartpole.ckpt"));
        var e = Assert.Throws<CheckpointException>(() => Teacher.Load(path, acObs, acAct, 1.0));
        Assert.Contains(path, e.Message);
        Assert.Contains(cpAct.ToString()!, e.Message);
        Assert.Contains(acAct.ToString()!, e.Message);
        // The same error surfaces when the student is built: before any training.
        var e2 = Assert.Throws<CheckpointException>(() => new PpoAgent(new PpoConfig { KickstartTeachers = new[] { path } }, acObs, acAct, 0));
        Assert.Contains("action space", e2.Message);
    }

    [Fact]
    public void MissingAndCorruptTeacherFilesFailBeforeTrainingNamingTheFile()
    {
        using var dir = new TempDir();
        var (obs, act) = Spaces("CartPole-v1");
        string missing = dir.File("nope.ckpt");
        var e = Assert.Throws<CheckpointException>(() => new PpoAgent(new PpoConfig { KickstartTeachers = new[] { missing } }, obs, act, 0));
        Assert.Contains(missing, e.Message);
        Assert.Contains("not found", e.Message);

        string corrupt = dir.File("corrupt.ckpt");
        File.WriteAllBytes(corrupt, Enumerable.Range(0, 200).Select(i => (byte)(i * 37)).ToArray());
        e = Assert.Throws<CheckpointException>(() => new A2cAgent(new A2cConfig { KickstartTeachers = new[] { corrupt } }, obs, act, 0));
        Assert.Contains(corrupt, e.Message);

        // A valid checkpoint file whose bytes were damaged afterwards (checksum mismatch).
        var cfg = new PpoConfig();
        using var good = new PpoAgent(cfg, obs, act, 0);
        string damaged = SaveAsTrained(good, cfg, "CartPole-v1", dir.File("damaged.ckpt"));
        var bytes = File.ReadAllBytes(damaged);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(damaged, bytes);
        e = Assert.Throws<CheckpointException>(() => Teacher.Load(damaged, obs, act, 1.0));
        Assert.Contains(damaged, e.Message);
    }

    [Fact]
    public void ATeacherForOtherObservationsIsRejected()
    {
        using var dir = new TempDir();
        // Same action space (Discrete(3)) but different observations: Acrobot (6 floats) vs MountainCar (2 floats).
        var (acObs, acAct) = Spaces("Acrobot-v1");
        var (mcObs, mcAct) = Spaces("MountainCar-v0");
        Assert.Equal(acAct.ToString(), mcAct.ToString());
        var cfg = new PpoConfig();
        using var acrobot = new PpoAgent(cfg, acObs, acAct, 0);
        string path = SaveAsTrained(acrobot, cfg, "Acrobot-v1", dir.File("acrobot.ckpt"));
        var e = Assert.Throws<CheckpointException>(() => Teacher.Load(path, mcObs, mcAct, 1.0));
        Assert.Contains(path, e.Message);
        Assert.Contains("observation", e.Message);
    }

    [Fact]
    public void MultiTaskRoutingSendsEachStateToTheTeacherOfItsTask()
    {
        using var dir = new TempDir();
        var (obs, act) = Spaces("CartPole-v1");
        var cfg = new PpoConfig { Hidden = new[] { 8 } };
        using var a = new PpoAgent(cfg, obs, act, 11);
        using var b = new PpoAgent(cfg, obs, act, 12);
        string pa = SaveAsTrained(a, cfg, "CartPole-v1", dir.File("a.ckpt")), pb = SaveAsTrained(b, cfg, "CartPole-v1", dir.File("b.ckpt"));
        // Feature 0 carries the task id here: rows 0 and 2 belong to task 7 (teacher a), row 1 to task 3 (teacher b).
        var student = new PpoConfig { KickstartTeachers = new[] { pa, pb }, KickstartTasks = new[] { 7, 3 }, KickstartTaskIndex = 0,
            KickstartWeights = new[] { 1.0, 0.5 } };
        using var agent = new PpoAgent(student, obs, act, 1);
        using var scope = NewDisposeScope();
        var x = torch.tensor(new[] { 7f, 0.1f, 0.2f, 0.3f, 2.9f, -0.1f, 0.0f, 0.5f, 7.1f, 0.3f, -0.2f, 0.1f }, new long[] { 3, 4 });
        var (sp, _) = agent.Network.Evaluate(x);
        var logq = ((Categorical)sp).LogProbs;
        Tensor Ce(PpoAgent t) => -(new Categorical(t.Network.forward(x).PolicyOut).Probs * logq).sum(1);
        var ceA = Ce(a).data<float>().ToArray();
        var ceB = Ce(b).data<float>().ToArray();
        double expected = 1.0 * (ceA[0] + ceA[2]) / 2 + 0.5 * ceB[1];
        var (_, terms) = agent.Kickstarter!.Apply(torch.tensor(0f), x, sp, 0);
        Assert.Equal(expected, terms.Distill, 5);
        Assert.Equal((ceA[0] + ceA[2]) / 2, terms.PerTeacher[0], 5);
        Assert.Equal(ceB[1], terms.PerTeacher[1], 5);
    }
}
