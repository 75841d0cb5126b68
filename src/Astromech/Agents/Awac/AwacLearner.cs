using Astromech.Agents.Sac;
using Astromech.Nn;
using Astromech.Replay;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.Awac;

/// <summary>The means of one AWAC gradient step.</summary>
public readonly record struct AwacUpdateStats(double CriticLoss, double ActorLoss, double QMean, double AdvantageMean, double WeightMean, double WeightMax, double LogProbMean);

/// <summary>
/// The AWAC update, one gradient step on a batch (s, a, r, d, s') of dataset or online transitions:
/// <code>
///   A   = min_i Q_i(s, a) − min_i Q_i(s, a′),   a′ ~ π(·|s)          (critics before this step, no gradient)
///   w   = weights(A, λ)                                              (see <see cref="AwacWeighting"/>)
///   y   = r + d · min_i Q⁻_i(s', a''),   a'' ~ π(·|s')              (SAC's target with α = 0, as rlkit's AWAC)
///   L_Q = ½ Σ_i mean((Q_i(s, a) − y)²)
///   L_π = −mean(w · log π(a|s))                                      (advantage-weighted maximum likelihood)
///   θ⁻  ← τθ + (1 − τ)θ⁻
/// </code>
/// The critics are SAC's (<see cref="TwinCritic"/>), the actor SAC's squashed Gaussian, so log π(a|s) of a replay action
/// is the tanh-corrected density at a ∈ [−1, 1] (clamped just inside). Sampling uses the learner's seeded generator.
/// </summary>
public sealed class AwacLearner : IDisposable
{
    private readonly AwacConfig _cfg;
    private readonly int _obsSize, _actSize;

    public SquashedGaussianActor Actor { get; }
    public TwinCritic Critics { get; }
    public OptimizerHelper ActorOptimizer { get; }
    public torch.Generator Generator { get; }
    public long Updates { get; private set; }

    public AwacLearner(AwacConfig cfg, int obsSize, int actionSize, int seed)
    {
        _cfg = cfg;
        _obsSize = obsSize;
        _actSize = actionSize;
        Actor = new SquashedGaussianActor(obsSize, actionSize, cfg.NetArch);
        Critics = new TwinCritic(obsSize, actionSize, cfg.NetArch, cfg.LearningRate);
        ActorOptimizer = Optimizers.NewAdam(Actor.parameters(), cfg.LearningRate);
        Generator = new torch.Generator(unchecked((ulong)seed));
    }

    /// <summary>
    /// The actor weights of advantages <paramref name="advantages"/> [B] under <paramref name="weighting"/> with temperature
    /// <paramref name="lambda"/> (<paramref name="maxWeight"/> clips <see cref="AwacWeighting.ClippedExp"/> only).
    /// </summary>
    public static Tensor Weights(Tensor advantages, AwacWeighting weighting, double lambda, double maxWeight)
    {
        var scaled = advantages.div(Scalars.Of(lambda));
        return weighting switch
        {
            AwacWeighting.BatchSoftmax => nn.functional.softmax(scaled, 0).mul(Scalars.Of(advantages.shape[0])),
            AwacWeighting.ClippedExp => scaled.exp().clamp_max(Scalars.Of(maxWeight)),
            AwacWeighting.Normalized => advantages.sub(advantages.mean()).div(advantages.std().Plus(1e-5)).div(Scalars.Of(lambda)).exp(),
            _ => throw new ArgumentOutOfRangeException(nameof(weighting), weighting, "unknown AWAC weighting"),
        };
    }

    public AwacUpdateStats Update(ReplayBatch batch, long envSteps = 0)
    {
        int b = batch.Size;
        if (batch.ObsSize != _obsSize || batch.ActSize != _actSize)
            throw new ArgumentException($"batch has observation/action sizes {batch.ObsSize}/{batch.ActSize}, the learner {_obsSize}/{_actSize}");
        using var scope = NewDisposeScope();
        var obs = BatchTensors.Rows(batch.Obs, b, _obsSize);
        var next = BatchTensors.Rows(batch.NextObs, b, _obsSize);
        var actions = BatchTensors.Rows(batch.Actions, b, _actSize);
        var rewards = BatchTensors.Rows(batch.Rewards, b, 1).view(b);
        var discounts = BatchTensors.Rows(batch.Discounts, b, 1).view(b);

        // Advantage weights, from the critics as they are before this step (rlkit computes every loss before any step).
        Tensor advantages, weights;
        using (no_grad())
        {
            var (piActions, _) = Actor.Distribution(obs).SampleWithLogProb(Generator);
            advantages = Critics.Online.MinQ(obs, actions) - Critics.Online.MinQ(obs, piActions);
            weights = Weights(advantages, _cfg.Weighting, _cfg.Lambda, _cfg.MaxWeight);
        }

        // Critics: SAC's soft target with α = 0.
        Tensor nextActions, nextLogPi;
        using (no_grad()) (nextActions, nextLogPi) = Actor.Distribution(next).SampleWithLogProb(Generator);
        using Scalar zero = 0.0.ToScalar();
        var y = Critics.TdTarget(rewards, discounts, next, nextActions, nextLogPi, zero);
        var (criticLoss, qMean) = Critics.Step(obs, actions, y, "awac", envSteps, Updates);

        // Actor: advantage-weighted maximum likelihood of the replay's actions.
        var logProb = Actor.Distribution(obs).LogProb(actions);
        var actorLoss = -(logProb * weights).mean();
        double actorLossValue = actorLoss.item<float>();
        NonFiniteLossException.ThrowIfAny("awac", envSteps, Updates, ("actor_loss", actorLossValue));
        ActorOptimizer.zero_grad();
        actorLoss.backward();
        ActorOptimizer.step();

        Updates++;
        Critics.UpdateTarget(_cfg.Tau);
        return new AwacUpdateStats(criticLoss, actorLossValue, qMean, advantages.mean().item<float>(),
            weights.mean().item<float>(), weights.max().item<float>(), logProb.detach().mean().item<float>());
    }


    internal void SetUpdates(long n) => Updates = n;

    public void Dispose()
    {
        ActorOptimizer.Dispose();
        Actor.Dispose();
        Critics.Dispose();
        Generator.Dispose();
    }
}
