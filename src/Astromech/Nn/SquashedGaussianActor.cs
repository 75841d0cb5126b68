using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>
/// SAC's policy (Haarnoja et al. 2018): an MLP torso, then two linear heads giving the mean μ(s) and the
/// log standard deviation log σ(s), clamped to [−20, 2] as in the authors' code and Stable-Baselines3; the
/// action is tanh(u), u ~ N(μ, σ²), in (−1, 1)^A, with log π including the tanh correction (see
/// <see cref="SquashedGaussian"/>). The deterministic action (evaluation) is tanh(μ).
/// </summary>
public sealed class SquashedGaussianActor : Module<Tensor, (Tensor Mean, Tensor LogStd)>
{
    public const double LogStdMin = -20, LogStdMax = 2;

    private readonly Mlp _torso;
    private readonly TorchSharp.Modules.Linear _mean, _logStd;

    public int ObsSize { get; }
    public int ActionSize { get; }
    /// <summary>The torso and the mean head μ(s) (what the deterministic action reads; for the ONNX exporter).</summary>
    public Mlp Torso => _torso;
    public TorchSharp.Modules.Linear MeanHead => _mean;

    public SquashedGaussianActor(int obsSize, int actionSize, IReadOnlyList<int> hidden) : base("actor")
    {
        ObsSize = obsSize;
        ActionSize = actionSize;
        _torso = new Mlp(obsSize, hidden, "torso");
        _mean = Linear(_torso.OutputSize, actionSize);
        _logStd = Linear(_torso.OutputSize, actionSize);
        RegisterComponents();
    }

    /// <summary>μ(s) and clamped log σ(s), each [B, A].</summary>
    public override (Tensor Mean, Tensor LogStd) forward(Tensor obs)
    {
        var h = _torso.forward(obs);
        return (_mean.forward(h), _logStd.forward(h).clamp(Scalars.Of(LogStdMin), Scalars.Of(LogStdMax)));
    }

    public SquashedGaussian Distribution(Tensor obs)
    {
        var (mean, logStd) = forward(obs);
        return new SquashedGaussian(mean, logStd);
    }

    /// <summary>tanh(μ(s)), [B, A]: the deterministic action.</summary>
    public Tensor DeterministicAction(Tensor obs) => forward(obs).Mean.tanh();
}
