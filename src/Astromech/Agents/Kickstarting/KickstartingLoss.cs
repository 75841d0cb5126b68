using Astromech.Agents.ActorCritic;
using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Kickstarting;

/// <summary>
/// The distillation term of kickstarting (Schmitt et al. 2018, eq. 2), on states the student sampled itself:
/// <code>
///   L_distill = Σ_k w_k · mean_{s routed to k} H(π_k(·|s), π(·|s))
///   H(p, q) = −Σ_a p(a) log q(a)            (cross-entropy, the paper's)
///   KL(p ‖ q) = Σ_a p(a) (log p(a) − log q(a)) = H(p, q) − H(p)
/// </code>
/// Both have the same gradient in the student; KL reads 0 when the student copies the teacher. For Gaussian
/// policies the closed-form KL is used, and the cross-entropy is KL + H(teacher). Routing: with no task ids every
/// teacher sees every state; with them, teacher k's mean runs over the states whose task id is k's task.
/// </summary>
public static class KickstartingLoss
{
    /// <summary>H(teacher, student) or KL(teacher ‖ student) per row, [B]; gradients flow into the student only.</summary>
    public static Tensor PerState(IActionDistribution teacher, IActionDistribution student, KickstartLoss kind)
    {
        if (teacher is Categorical t && student is Categorical s)
        {
            var p = t.Probs.detach();
            var ce = -(p * s.LogProbs).sum(1);
            return kind == KickstartLoss.CrossEntropy ? ce : ce - t.Entropy().detach();
        }
        if (teacher is DiagGaussian tg && student is DiagGaussian sg)
        {
            var frozen = new DiagGaussian(tg.Mean.detach(), tg.LogStd.detach());
            var kl = frozen.KL(sg);
            return kind == KickstartLoss.Kl ? kl : kl.Plus(frozen.Entropy());
        }
        throw new ArgumentException($"kickstarting: a {teacher.GetType().Name} teacher cannot teach a {student.GetType().Name} student (the action spaces differ)");
    }

    /// <summary>
    /// Σ_k w_k · (masked) mean of each teacher's per-state term. <paramref name="masks"/>[k] is null (all rows) or a
    /// [B] float tensor of 1s on the rows routed to teacher k; a teacher with no routed row contributes 0.
    /// Returns the total and each teacher's unweighted mean for logging.
    /// </summary>
    public static (Tensor Total, double[] PerTeacher) Combine(IReadOnlyList<IActionDistribution> teachers, IActionDistribution student,
        IReadOnlyList<double> weights, IReadOnlyList<Tensor?> masks, KickstartLoss kind)
    {
        if (teachers.Count == 0) throw new ArgumentException("kickstarting needs at least one teacher");
        Tensor? total = null;
        var per = new double[teachers.Count];
        for (int k = 0; k < teachers.Count; k++)
        {
            var h = PerState(teachers[k], student, kind);
            Tensor mean;
            if (masks[k] is Tensor m) mean = (h * m).sum() / m.sum().clamp_min(Scalars.One);
            else mean = h.mean();
            per[k] = mean.item<float>();
            var term = mean.mul(Scalars.Of(weights[k]));
            total = total is null ? term : total.Plus(term);
        }
        return (total!, per);
    }
}
