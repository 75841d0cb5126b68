using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.Sac;

/// <summary>
/// Twin-Q policy evaluation with Polyak-averaged target networks, the part SAC and AWAC share. One
/// <see cref="Step"/> regresses both critics on the soft TD target
/// <code>
///   y   = r + d · (min_i Q⁻_i(s', a') − α · log π(a'|s')),   a' ~ π(·|s')
///   L_Q = ½ Σ_i mean((Q_i(s, a) − y)²)
/// </code>
/// (α = 0 gives AWAC's target, the rlkit default). The caller samples a' (so its random stream stays its own) and
/// calls <see cref="UpdateTarget"/> after its update.
/// </summary>
public sealed class TwinCritic : IDisposable
{
    private readonly Parameter[] _params, _targetParams;

    public TwinQNetwork Online { get; }
    public TwinQNetwork Target { get; }
    public OptimizerHelper Optimizer { get; }

    public TwinCritic(int obsSize, int actionSize, IReadOnlyList<int> hidden, double learningRate)
    {
        Online = new TwinQNetwork(obsSize, actionSize, hidden);
        Target = new TwinQNetwork(obsSize, actionSize, hidden);
        Target.load_state_dict(Online.state_dict());
        foreach (var p in Target.parameters()) p.requires_grad = false;
        Optimizer = Optimizers.NewAdam(Online.parameters(), learningRate);
        _params = Online.parameters().ToArray();
        _targetParams = Target.parameters().ToArray();
    }

    /// <summary>The TD target y (no gradient), [B]; <paramref name="nextActions"/> and their log-probabilities are sampled by the caller at s'.</summary>
    public Tensor TdTarget(Tensor rewards, Tensor discounts, Tensor next, Tensor nextActions, Tensor nextLogProb, Scalar alpha)
    {
        using var _ = no_grad();
        var (tq1, tq2) = Target.forward(next, nextActions);
        return SacLearner.SoftTarget(rewards, discounts, tq1, tq2, nextLogProb, alpha);
    }

    /// <summary>One Adam step of both critics toward <paramref name="y"/>; returns the loss and mean Q(s, a) of the batch.
    /// A non-finite loss throws before the step, naming <paramref name="algo"/>.</summary>
    public (double Loss, double QMean) Step(Tensor obs, Tensor actions, Tensor y, string algo, long envSteps, long updates)
    {
        var (q1, q2) = Online.forward(obs, actions);
        var loss = nn.functional.mse_loss(q1, y).Plus(nn.functional.mse_loss(q2, y)).mul(Scalars.Of(0.5));
        double value = loss.item<float>();
        NonFiniteLossException.ThrowIfAny(algo, envSteps, updates, ("critic_loss", value));
        Optimizer.zero_grad();
        loss.backward();
        Optimizer.step();
        double qMean = q1.detach().Plus(q2.detach()).mean().item<float>() * 0.5;
        return (value, qMean);
    }

    /// <summary>θ⁻ ← τθ + (1 − τ)θ⁻.</summary>
    public void UpdateTarget(double tau) => SacLearner.Polyak(_targetParams, _params, tau);

    public void Dispose()
    {
        Optimizer.Dispose();
        Online.Dispose();
        Target.Dispose();
    }
}
