using Astromech.Agents.ActorCritic;
using Astromech.Agents.Kickstarting;
using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.Kickstarting;

/// <summary>The distillation term against hand-computed cross-entropies and KLs of known categorical distributions.</summary>
public class KickstartingLossTests
{
    private static Categorical Cat(params float[][] rows)
    {
        var flat = rows.SelectMany(r => r.Select(v => MathF.Log(v))).ToArray();
        return new Categorical(torch.tensor(flat, new long[] { rows.Length, rows[0].Length }));
    }

    // Teacher A: p = (0.2, 0.3, 0.5) on row 0, uniform on row 1. Student: q = (0.5, 0.25, 0.25) on row 0, (0.2, 0.3, 0.5) on row 1.
    //   H(p, q)   = −(0.2 ln 0.5 + 0.3 ln 0.25 + 0.5 ln 0.25) = 1.2476649;  KL = H(p, q) − H(p) = 1.2476649 − 1.0296530 = 0.2180119
    //   H(u, q₁)  = (ln 5 + ln(10/3) + ln 2)/3 = 1.1688527;               KL = 1.1688527 − ln 3 = 0.0702404
    // Teacher B: uniform on both rows. H(u, q₀) = (ln 2 + 2 ln 4)/3 = 1.1552453.
    private static readonly float[] P = { 0.2f, 0.3f, 0.5f }, U = { 1 / 3f, 1 / 3f, 1 / 3f }, Q = { 0.5f, 0.25f, 0.25f };

    [Fact]
    public void CrossEntropyAndKlPerStateMatchHandValues()
    {
        using var scope = NewDisposeScope();
        var teacher = Cat(P, U);
        var student = Cat(Q, P);
        var ce = KickstartingLoss.PerState(teacher, student, KickstartLoss.CrossEntropy).data<float>().ToArray();
        var kl = KickstartingLoss.PerState(teacher, student, KickstartLoss.Kl).data<float>().ToArray();
        Assert.Equal(1.2476649, ce[0], 5);
        Assert.Equal(1.1688527, ce[1], 5);
        Assert.Equal(0.2180119, kl[0], 5);
        Assert.Equal(0.0702404, kl[1], 5);
        // A student that copies its teacher: KL 0, cross-entropy = the teacher's entropy.
        Assert.Equal(0.0, KickstartingLoss.PerState(teacher, Cat(P, U), KickstartLoss.Kl).abs().max().item<float>(), 6);
        Assert.Equal(1.0296530, KickstartingLoss.PerState(teacher, Cat(P, U), KickstartLoss.CrossEntropy).data<float>()[0], 5);
    }

    [Fact]
    public void WeightedTeachersAndTaskRoutingCombineAsHandComputed()
    {
        using var scope = NewDisposeScope();
        var student = Cat(Q, P);
        var teachers = new IActionDistribution[] { Cat(P, U), Cat(U, U) };
        // Every teacher on every state: 0.5·mean(1.2476649, 1.1688527) + 2·mean(1.1552453, 1.1688527) = 0.6041294 + 2.3240980
        var (all, per) = KickstartingLoss.Combine(teachers, student, new[] { 0.5, 2.0 }, new Tensor?[] { null, null }, KickstartLoss.CrossEntropy);
        Assert.Equal(2.9282274, all.item<float>(), 4);
        Assert.Equal(1.2082588, per[0], 5);
        Assert.Equal(1.1620490, per[1], 5);
        // Routed: teacher A on row 0 only, teacher B on row 1 only: 0.5·1.2476649 + 2·1.1688527
        var masks = new Tensor?[] { torch.tensor(new[] { 1f, 0f }), torch.tensor(new[] { 0f, 1f }) };
        var (routed, _) = KickstartingLoss.Combine(teachers, student, new[] { 0.5, 2.0 }, masks, KickstartLoss.CrossEntropy);
        Assert.Equal(2.9615379, routed.item<float>(), 4);
        // A teacher with no routed state adds nothing.
        var none = new Tensor?[] { torch.tensor(new[] { 0f, 0f }), null };
        var (onlyB, _) = KickstartingLoss.Combine(teachers, student, new[] { 0.5, 1.0 }, none, KickstartLoss.CrossEntropy);
        Assert.Equal(1.1620490, onlyB.item<float>(), 5);
    }

    [Fact]
    public void GradientReachesTheStudentOnlyAndIsStudentMinusTeacher()
    {
        using var scope = NewDisposeScope();
        var teacherLogits = torch.tensor(P.Select(v => MathF.Log(v)).ToArray(), new long[] { 1, 3 }).requires_grad_(true);
        var studentLogits = torch.tensor(Q.Select(v => MathF.Log(v)).ToArray(), new long[] { 1, 3 }).requires_grad_(true);
        var (loss, _) = KickstartingLoss.Combine(new IActionDistribution[] { new Categorical(teacherLogits) }, new Categorical(studentLogits),
            new[] { 1.0 }, new Tensor?[] { null }, KickstartLoss.Kl);
        loss.backward();
        Assert.True(teacherLogits.grad is null || teacherLogits.grad.abs().max().item<float>() == 0f);
        // ∂H(p, softmax(z))/∂z = softmax(z) − p = (0.3, −0.05, −0.25)
        var g = studentLogits.grad!.data<float>().ToArray();
        Assert.Equal(0.3, g[0], 5);
        Assert.Equal(-0.05, g[1], 5);
        Assert.Equal(-0.25, g[2], 5);
    }

    [Fact]
    public void GaussianCrossEntropyIsKlPlusTeacherEntropy()
    {
        using var scope = NewDisposeScope();
        var t = new DiagGaussian(torch.tensor(new[] { 0f }, new long[] { 1, 1 }), torch.tensor(new[] { 0f }));
        var s = new DiagGaussian(torch.tensor(new[] { 1f }, new long[] { 1, 1 }), torch.tensor(new[] { 0.5f }));
        // KL(N(0,1) ‖ N(1, e)) = 0.3678794; H(N(0,1)) = ½ + ½ ln 2π = 1.4189385
        Assert.Equal(0.3678794, KickstartingLoss.PerState(t, s, KickstartLoss.Kl).item<float>(), 5);
        Assert.Equal(1.7868179, KickstartingLoss.PerState(t, s, KickstartLoss.CrossEntropy).item<float>(), 5);
        Assert.Throws<ArgumentException>(() => KickstartingLoss.PerState(t, Cat(P), KickstartLoss.Kl));
    }

    [Fact]
    public void LambdaSchedulesFollowTheirConfigKeys()
    {
        var cfg = new Astromech.Agents.Ppo.PpoConfig { KickstartLambda = 2.0, KickstartDecaySteps = 1000, KickstartLambdaEnd = 0.25 };
        var constant = Kickstarter.LambdaSchedule(cfg);
        Assert.Equal(2.0, constant.Value(0));
        Assert.Equal(2.0, constant.Value(1_000_000));
        var linear = Kickstarter.LambdaSchedule(cfg with { KickstartSchedule = KickstartSchedule.Linear });
        Assert.Equal(2.0, linear.Value(0));
        Assert.Equal(1.125, linear.Value(500), 10); // 2 + ½(0.25 − 2)
        Assert.Equal(0.25, linear.Value(1000));
        Assert.Equal(0.25, linear.Value(5000));
        var exp = Kickstarter.LambdaSchedule(cfg with { KickstartSchedule = KickstartSchedule.Exponential });
        Assert.Equal(2.0, exp.Value(0));
        Assert.Equal(1.0, exp.Value(1000), 10);    // one halving
        Assert.Equal(0.5, exp.Value(2000), 10);
        Assert.Equal(0.25, exp.Value(10_000), 10); // floored at kickstart_lambda_end
        var pbt = Kickstarter.LambdaSchedule(cfg with { KickstartSchedule = KickstartSchedule.Pbt, KickstartLambda = 0.7 });
        Assert.Equal(0.7, pbt.Value(0));
        Assert.Equal(0.7, pbt.Value(999_999));
    }

    [Fact]
    public void KickstartKeysBindByNameAndBadCombinationsAreRejected()
    {
        var cfg = Astromech.Training.Config.ConfigBinder.Bind<Astromech.Agents.Impala.ImpalaConfig>(new[]
        {
            "kickstart_teachers=[a.ckpt,b.ckpt]", "kickstart_weights=[1,0.5]", "kickstart_schedule=exponential", "kickstart_loss=kl", "rl_loss_weight=0",
        });
        Assert.Equal(new[] { "a.ckpt", "b.ckpt" }, cfg.KickstartTeachers);
        Assert.Equal(KickstartSchedule.Exponential, cfg.KickstartSchedule);
        Assert.Equal(KickstartLoss.Kl, cfg.KickstartLoss);
        var e = Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            Astromech.Training.Config.ConfigBinder.Bind<Astromech.Agents.Ppo.PpoConfig>(new[] { "kickstart_teachers=[a.ckpt,b.ckpt]", "kickstart_weights=[1]" }));
        Assert.Contains("kickstart_weights", e.Message);
        e = Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            Astromech.Training.Config.ConfigBinder.Bind<Astromech.Agents.Ppo.PpoConfig>(new[] { "rl_loss_weight=0" }));
        Assert.Contains("rl_loss_weight", e.Message);
        e = Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            Astromech.Training.Config.ConfigBinder.Bind<Astromech.Agents.Ppo.PpoConfig>(new[] { "kickstart_teachers=[a.ckpt]", "kickstart_tasks=[0]" }));
        Assert.Contains("kickstart_task_index", e.Message);
        e = Assert.Throws<Astromech.Training.Config.ConfigException>(() =>
            Astromech.Training.Config.ConfigBinder.Bind<Astromech.Agents.Ppo.PpoConfig>(new[] { "kickstart_lambda=-1" }));
        Assert.Contains("kickstart_lambda", e.Message);
    }
}
