using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Nn;

/// <summary>
/// An action distribution over a batch: B rows of actions, each a float vector of the action space's flat
/// size (1 for a discrete index). Log-probabilities and entropies come back as [B].
/// </summary>
public interface IActionDistribution
{
    /// <summary>log π(a|s) of actions shaped [B, A] (or [B] for a discrete index), as [B].</summary>
    Tensor LogProb(Tensor actions);
    /// <summary>Entropy per row, [B] (an estimate where no closed form exists; see the class).</summary>
    Tensor Entropy();
    /// <summary>The most likely action (argmax, or the mean), [B, A].</summary>
    Tensor Mode();
    /// <summary>A sample, [B, A]; reparameterized (differentiable) where the distribution allows it.</summary>
    Tensor Sample();
    /// <summary>KL(this ‖ other) per row, [B], for two distributions of the same kind.</summary>
    Tensor KL(IActionDistribution other);
}

/// <summary>A categorical distribution over N actions from unnormalized logits [B, N].</summary>
public sealed class Categorical : IActionDistribution
{
    public Tensor Logits { get; }
    /// <summary>log-softmax of the logits, [B, N].</summary>
    public Tensor LogProbs { get; }

    public Categorical(Tensor logits)
    {
        Logits = logits;
        LogProbs = nn.functional.log_softmax(logits, 1);
    }

    public Tensor Probs => LogProbs.exp();

    public Tensor LogProb(Tensor actions)
    {
        var idx = actions.dim() == 2 ? actions.squeeze(1) : actions;
        return LogProbs.gather(1, idx.to_type(ScalarType.Int64).unsqueeze(1)).squeeze(1);
    }

    /// <summary>H = −Σ p log p.</summary>
    public Tensor Entropy() => -(Probs * LogProbs).sum(1);

    public Tensor Mode() => Logits.argmax(1, keepdim: true).to_type(ScalarType.Float32);

    public Tensor Sample() => multinomial(Probs, 1).to_type(ScalarType.Float32);

    /// <summary>KL(p ‖ q) = Σ p (log p − log q).</summary>
    public Tensor KL(IActionDistribution other)
    {
        if (other is not Categorical q) throw new ArgumentException($"KL between a categorical and a {other.GetType().Name} is not defined");
        return (Probs * (LogProbs - q.LogProbs)).sum(1);
    }
}

/// <summary>
/// A diagonal Gaussian N(μ, diag σ²) over A-dimensional actions, from means [B, A] and log standard
/// deviations [B, A] or [A] (a state-independent parameter, as in PPO and A2C for continuous control).
/// </summary>
public sealed class DiagGaussian : IActionDistribution
{
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    public Tensor Mean { get; }
    public Tensor LogStd { get; }
    public Tensor Std { get; }

    public DiagGaussian(Tensor mean, Tensor logStd)
    {
        Mean = mean;
        LogStd = logStd.dim() == 1 ? logStd.expand_as(mean) : logStd;
        Std = LogStd.exp();
    }

    /// <summary>Σ_i [−(a_i − μ_i)²/(2σ_i²) − log σ_i − ½ log 2π].</summary>
    public Tensor LogProb(Tensor actions)
    {
        var z = (actions - Mean) / Std;
        return (z.Squared().mul(Scalars.Of(-0.5)) - LogStd).sub(Scalars.Of(HalfLog2Pi)).sum(1);
    }

    /// <summary>Σ_i [½ + ½ log 2π + log σ_i].</summary>
    public Tensor Entropy() => LogStd.Plus(0.5 + HalfLog2Pi).sum(1);

    public Tensor Mode() => Mean;

    /// <summary>μ + σ·ε with ε ~ N(0, I): differentiable in μ and σ.</summary>
    public Tensor Sample() => Sample(null);

    /// <summary>As <see cref="Sample()"/>, drawing ε from <paramref name="generator"/> (torch's global generator when null),
    /// so an agent can keep, checkpoint and restore its own sampling stream.</summary>
    public Tensor Sample(torch.Generator? generator) =>
        Mean.Plus(Std * (generator is null ? randn_like(Mean) : randn(Mean.shape, dtype: Mean.dtype, device: Mean.device, generator: generator)));

    /// <summary>KL(p ‖ q) = Σ_i [log(σq/σp) + (σp² + (μp − μq)²)/(2σq²) − ½].</summary>
    public Tensor KL(IActionDistribution other)
    {
        if (other is not DiagGaussian q) throw new ArgumentException($"KL between a Gaussian and a {other.GetType().Name} is not defined");
        return (q.LogStd - LogStd).Plus(Std.Squared().Plus((Mean - q.Mean).Squared()) / q.Std.Squared().mul(Scalars.Of(2))).sub(Scalars.Of(0.5)).sum(1);
    }
}

/// <summary>
/// A diagonal Gaussian squashed through tanh into (−1, 1)^A (SAC, Haarnoja et al. 2018, appendix C):
/// a = tanh(u), u ~ N(μ, σ²), log π(a) = log N(u) − Σ_i log(1 − tanh²(u_i)), with the correction computed as
/// 2(log 2 − u − softplus(−2u)) so it stays finite for large |u|. The entropy has no closed form;
/// <see cref="Entropy"/> returns the one-sample estimate −log π(a) at a fresh sample.
/// Callers that need bounds other than (−1, 1) rescale affinely outside (see <c>RescaleAction</c>).
/// </summary>
public sealed class SquashedGaussian : IActionDistribution
{
    private static readonly double Log2 = Math.Log(2);
    private readonly DiagGaussian _base;

    public SquashedGaussian(Tensor mean, Tensor logStd) => _base = new DiagGaussian(mean, logStd);

    public DiagGaussian Base => _base;

    /// <summary>log π of squashed actions; inputs are clamped just inside (−1, 1) before atanh.</summary>
    public Tensor LogProb(Tensor actions)
    {
        var u = actions.clamp(Scalars.Of(-1 + 1e-6), Scalars.Of(1 - 1e-6)).atanh();
        return LogProbOfPreTanh(u);
    }

    /// <summary>log π(tanh u) given the pre-squash sample u (exact; no atanh round trip).</summary>
    public Tensor LogProbOfPreTanh(Tensor u) =>
        _base.LogProb(u) - u.Plus(u.mul(Scalars.Of(-2)).Softplus()).neg().Plus(Log2).mul(Scalars.Of(2)).sum(1);

    /// <summary>A reparameterized sample and its log-probability, as SAC's actor loss needs them; ε comes from
    /// <paramref name="generator"/> when given (seeded, checkpointable sampling), else torch's global generator.</summary>
    public (Tensor Action, Tensor LogProb) SampleWithLogProb(torch.Generator? generator = null)
    {
        var u = _base.Sample(generator);
        return (u.tanh(), LogProbOfPreTanh(u));
    }

    public Tensor Entropy() => -SampleWithLogProb().LogProb;

    public Tensor Mode() => _base.Mean.tanh();

    public Tensor Sample() => _base.Sample().tanh();

    /// <summary>tanh is a bijection, so the KL between two squashed Gaussians equals that of their bases.</summary>
    public Tensor KL(IActionDistribution other)
    {
        if (other is not SquashedGaussian q) throw new ArgumentException($"KL between a squashed Gaussian and a {other.GetType().Name} is not defined");
        return _base.KL(q._base);
    }
}
