using Astromech.Nn;
using Astromech.Training;
using static TorchSharp.torch;

namespace Astromech.Agents.ActorCritic;

/// <summary>The value of each loss term of one update, read back from the graph for logging and the NaN check.</summary>
public readonly record struct LossTerms(double PolicyLoss, double ValueLoss, double Entropy)
{
    /// <summary>Throws <see cref="NonFiniteLossException"/> naming the first non-finite term.</summary>
    public void EnsureFinite(string algo, long envSteps, long update) =>
        NonFiniteLossException.ThrowIfAny(algo, envSteps, update,
            ("policy_loss", PolicyLoss), ("value_loss", ValueLoss), ("entropy", Entropy));
}

/// <summary>
/// The advantage actor-critic loss A2C, A3C and IMPALA share (Mnih et al. 2016; Espeholt et al. 2018):
/// <code>
///   L = −mean(Â · log π(a|s)) + c_v · mean((G − V(s))²) − c_e · mean(H[π(·|s)])
/// </code>
/// where Â and G are constants: GAE/n-step advantages and returns for A2C/A3C, and for IMPALA the V-trace
/// policy-gradient advantages ρ_s(r_s + γ v_{s+1} − V(x_s)) and targets v_s.
/// </summary>
public static class ActorCriticLoss
{
    public static (Tensor Loss, LossTerms Terms) PolicyGradient(IActionDistribution policy, Tensor values, Tensor actions,
        Tensor advantages, Tensor targets, double vfCoef, double entCoef)
    {
        var logp = policy.LogProb(actions);
        var pg = -(advantages.detach() * logp).mean();
        var vl = (targets.detach() - values).Squared().mean();
        var ent = policy.Entropy().mean();
        var loss = pg.Plus(vl.mul(Scalars.Of(vfCoef))) - ent.mul(Scalars.Of(entCoef));
        return (loss, new LossTerms(pg.item<float>(), vl.item<float>(), ent.item<float>()));
    }

    /// <summary>(x − mean) / (std + 1e-8) over the whole tensor.</summary>
    public static Tensor Normalize(Tensor x) => (x - x.mean()) / x.std().Plus(1e-8);

    /// <summary>1 − Var(returns − V)/Var(returns): how much of the return the value head explains.</summary>
    public static double ExplainedVariance(ReadOnlySpan<float> values, ReadOnlySpan<float> returns)
    {
        int n = returns.Length;
        double mr = 0, md = 0;
        for (int i = 0; i < n; i++) { mr += returns[i]; md += returns[i] - values[i]; }
        mr /= n; md /= n;
        double vr = 0, vd = 0;
        for (int i = 0; i < n; i++)
        {
            vr += (returns[i] - mr) * (returns[i] - mr);
            double d = returns[i] - values[i] - md;
            vd += d * d;
        }
        return vr == 0 ? double.NaN : 1 - vd / vr;
    }

}
