using Astromech.Agents.Dqn;
using Astromech.Agents.Kickstarting;
using Astromech.Envs.Registry;
using Astromech.Tests.Training;
using Astromech.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.Kickstarting;

/// <summary>
/// A DQN student takes teachers through its config's <c>kickstart</c> record: its softmax(Q/τ) is distilled towards the
/// teacher's policy on the replayed states, beside (here: instead of) its TD loss.
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class DqnStudentTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A DQN checkpoint whose online network ignores the state and gives Q = (0, 3): softmax = (0.047, 0.953).</summary>
    private static string FixedTeacher(string path)
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var cfg = new DqnConfig { Hidden = new[] { 16 } };
        using var agent = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, 0);
        using (no_grad())
            foreach (var (name, p) in agent.Learner.Online.named_parameters())
            {
                p.zero_();
                if (name.EndsWith("_head.bias")) p.copy_(torch.tensor(new float[] { 0f, 3f }));
            }
        agent.Learner.UpdateTarget();
        return TeacherTests.SaveAsTrained(agent, cfg, "CartPole-v1", path);
    }

    private static (double P1, RunSummary Summary, string Dir) TrainStudent(TempDir dir, string name, string teacher, double lambda)
    {
        torch.set_num_threads(1);
        using var env = EnvRegistry.Make("CartPole-v1");
        var cfg = new DqnConfig
        {
            LearningStarts = 100, TrainFreq = 1, BatchSize = 32, LearningRate = 1e-3, Hidden = new[] { 32 },
            Kickstart = new KickstartConfig { Teachers = new[] { teacher }, Lambda = lambda, RlLossWeight = 0 },
        };
        using var student = new DqnAgent(cfg, env.ObservationSpace, env.ActionSpace, 1);
        string outDir = dir.File(name);
        var summary = Trainer.Run(student, () => EnvRegistry.Make("CartPole-v1"), new TrainerOptions
        {
            EnvId = "CartPole-v1", Seed = 1, TotalSteps = 1500, EvalEpisodes = 2, ShowProgress = false, OutDir = outDir, CheckpointInterval = 0,
            AgentConfig = Astromech.Training.Config.ConfigBinder.ToJson(cfg),
        });
        using var scope = NewDisposeScope();
        var probe = torch.tensor(new float[] { 0.01f, -0.02f, 0.03f, 0.04f, -0.2f, 0.5f, 0.1f, -0.3f, 0.05f, 0.3f, -0.1f, 0.2f }, new long[] { 3, 4 });
        var p = softmax(student.Learner.Online.forward(probe).detach(), 1).select(1, 1).mean().item<float>();
        return (p, summary, outDir);
    }

    [Fact]
    public void ADqnStudentDistilsItsTeachersPolicy()
    {
        using var dir = new TempDir();
        string teacher = FixedTeacher(dir.File("teacher.ckpt"));
        double target = Math.Exp(3) / (1 + Math.Exp(3)); // 0.9526

        var (kicked, summary, outDir) = TrainStudent(dir, "kicked", teacher, lambda: 1.0);
        // 1,400 updates of pure distillation bring π_student(right) from about 0.5 to the teacher's 0.953.
        Assert.True(Math.Abs(kicked - target) < 0.03, $"student's mean π(right) on the probe states: {kicked}, teacher's {target}");
        Assert.Contains(",train/kickstart_loss,", File.ReadAllText(Path.Combine(outDir, "metrics.csv")));

        // λ = 0 and no TD loss: nothing moves the student's softmax towards the teacher.
        var (control, _, _) = TrainStudent(dir, "control", teacher, lambda: 0.0);
        output.WriteLine($"π(right): teacher {target:F4}, distilled student {kicked:F4}, λ = 0 control {control:F4}");
        Assert.True(Math.Abs(control - target) > 0.2, $"without distillation the student's π(right) is {control}");
    }

    [Fact]
    public void ADistilledDqnCheckpointTeachesWithoutItsOwnTeachers()
    {
        using var dir = new TempDir();
        string teacher = FixedTeacher(dir.File("teacher.ckpt"));
        var (_, summary, _) = TrainStudent(dir, "kicked", teacher, lambda: 1.0);
        File.Delete(teacher); // a student's checkpoint must not need its teachers to load
        using var env = EnvRegistry.Make("CartPole-v1");
        using var asTeacher = Teacher.Load(summary.Checkpoint, env.ObservationSpace, env.ActionSpace, temperature: 1.0);
        Assert.Equal("dqn", asTeacher.Algo);
    }
}
