using Astromech.Nn;
using Astromech.Replay;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.Sac;

/// <summary>log α of SAC's entropy temperature, held as a module so checkpoints and Adam treat it like any parameter.</summary>
public sealed class EntropyTemperature : nn.Module
{
    private readonly Parameter _logAlpha;

    public EntropyTemperature(double initialAlpha) : base("entropy_temperature")
    {
        _logAlpha = nn.Parameter(torch.tensor(new[] { (float)Math.Log(initialAlpha) }));
        RegisterComponents();
    }

    public Parameter LogAlpha => _logAlpha;

    /// <summary>α = exp(log α) as a number.</summary>
    public double Alpha => Math.Exp(_logAlpha.data<float>()[0]);
}

/// <summary>The means of one SAC gradient step.</summary>
public readonly record struct SacUpdateStats(double CriticLoss, double ActorLoss, double EntCoef, double? EntCoefLoss, double QMean, double LogProbMean);

/// <summary>
/// The SAC update (Haarnoja et al. 2018, "Algorithms and Applications", algorithm 1, in Stable-Baselines3's
/// order). One <see cref="Update"/> is one gradient step on one sampled batch (s, a, r, d, s'), where d is
/// the stored discount: γ, or 0 where the episode terminated (a truncated step keeps γ and s' is its final
/// observation, so it bootstraps):
/// <code>
///   ã, log π(ã|s)  ~ π(·|s)                                   (reparameterized)
///   L_α   = −mean(log α · (log π(ã|s) + H̄))                   (when α is learned; H̄ the target entropy)
///   y     = r + d · (min_i Q⁻_i(s', ã') − α · log π(ã'|s')),   ã' ~ π(·|s')
///   L_Q   = ½ Σ_i mean((Q_i(s, a) − y)²)
///   L_π   = mean(α · log π(ã|s) − min_i Q_i(s, ã))
///   θ⁻    ← τθ + (1 − τ)θ⁻                                    (every target_update_interval updates)
/// </code>
/// α in y and L_π is the value before this step's α update (as SB3). Each loss is checked before its
/// optimizer step; a NaN or infinity throws <see cref="NonFiniteLossException"/> naming the term.
/// Reparameterization noise comes from the learner's own seeded <see cref="torch.Generator"/>, checkpointed
/// with it, so a seeded run is repeatable and a resumed one continues the same stream.
/// </summary>
public sealed class SacLearner : IDisposable
{
    private readonly SacConfig _cfg;
    private readonly int _obsSize, _actSize;

    public SquashedGaussianActor Actor { get; }
    /// <summary>The twin critics, their targets and their optimizer (shared with AWAC).</summary>
    public TwinCritic Critics { get; }
    public TwinQNetwork Critic => Critics.Online;
    public TwinQNetwork CriticTarget => Critics.Target;
    public EntropyTemperature Temperature { get; }
    public OptimizerHelper ActorOptimizer { get; }
    public OptimizerHelper CriticOptimizer => Critics.Optimizer;
    /// <summary>Adam on log α; null when α is fixed.</summary>
    public OptimizerHelper? EntCoefOptimizer { get; }
    public torch.Generator Generator { get; }
    public double TargetEntropy { get; }
    public bool LearnsEntCoef => EntCoefOptimizer is not null;
    public long Updates { get; private set; }

    public SacLearner(SacConfig cfg, int obsSize, int actionSize, int seed)
    {
        _cfg = cfg;
        _obsSize = obsSize;
        _actSize = actionSize;
        var (learned, initial) = cfg.ParseEntCoef();
        Actor = new SquashedGaussianActor(obsSize, actionSize, cfg.NetArch);
        Critics = new TwinCritic(obsSize, actionSize, cfg.NetArch, cfg.LearningRate);
        Temperature = new EntropyTemperature(initial);
        if (!learned) Temperature.LogAlpha.requires_grad = false;
        ActorOptimizer = Optimizers.NewAdam(Actor.parameters(), cfg.LearningRate);
        EntCoefOptimizer = learned ? Optimizers.NewAdam(new[] { Temperature.LogAlpha }, cfg.LearningRate) : null;
        TargetEntropy = cfg.TargetEntropy ?? -actionSize;
        Generator = new torch.Generator(unchecked((ulong)seed));
    }

    /// <summary>One gradient step on <paramref name="batch"/>; <paramref name="envSteps"/> only names the step in errors.</summary>
    public SacUpdateStats Update(ReplayBatch batch, long envSteps = 0)
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

        var (actionsPi, logPi) = Actor.Distribution(obs).SampleWithLogProb(Generator);

        // Temperature: α for this step is the value before its update.
        double alpha = Temperature.Alpha;
        // A held scalar, not an implicit one (see Nn/Scalars.cs): α changes every step.
        using Scalar alphaS = alpha.ToScalar();
        double? alphaLossValue = null;
        if (EntCoefOptimizer is not null)
        {
            var alphaLoss = -(Temperature.LogAlpha * logPi.detach().Plus(TargetEntropy)).mean();
            alphaLossValue = alphaLoss.item<float>();
            NonFiniteLossException.ThrowIfAny("sac", envSteps, Updates, ("ent_coef_loss", alphaLossValue.Value));
            EntCoefOptimizer.zero_grad();
            alphaLoss.backward();
            EntCoefOptimizer.step();
        }

        // Critics.
        Tensor nextActions, nextLogPi;
        using (no_grad()) (nextActions, nextLogPi) = Actor.Distribution(next).SampleWithLogProb(Generator);
        var y = Critics.TdTarget(rewards, discounts, next, nextActions, nextLogPi, alphaS);
        var (criticLossValue, qMean) = Critics.Step(obs, actions, y, "sac", envSteps, Updates);

        // Actor, against the updated critics.
        var minQPi = Critic.MinQ(obs, actionsPi);
        var actorLoss = (logPi.mul(alphaS) - minQPi).mean();
        double actorLossValue = actorLoss.item<float>();
        NonFiniteLossException.ThrowIfAny("sac", envSteps, Updates, ("actor_loss", actorLossValue));
        ActorOptimizer.zero_grad();
        actorLoss.backward();
        ActorOptimizer.step();

        Updates++;
        if (Updates % _cfg.TargetUpdateInterval == 0) Critics.UpdateTarget(_cfg.Tau);

        double logProbMean = logPi.detach().mean().item<float>();
        return new SacUpdateStats(criticLossValue, actorLossValue, alpha, alphaLossValue, qMean, logProbMean);
    }

    /// <summary>The soft TD target y = r + d · (min(Q⁻₁, Q⁻₂) − α · log π(ã'|s')), all [B]; d is 0 at termination.</summary>
    public static Tensor SoftTarget(Tensor rewards, Tensor discounts, Tensor nextQ1, Tensor nextQ2, Tensor nextLogProb, Scalar alpha) =>
        rewards.Plus(discounts * (minimum(nextQ1, nextQ2) - nextLogProb.mul(alpha)));

    /// <summary>θ⁻ ← τθ + (1 − τ)θ⁻, parameter by parameter (same order in both lists).</summary>
    public static void Polyak(IReadOnlyList<Parameter> target, IReadOnlyList<Parameter> online, double tau)
    {
        if (target.Count != online.Count) throw new ArgumentException($"Polyak update over {target.Count} target and {online.Count} online parameters");
        using var _ = no_grad();
        using Scalar keep = (1 - tau).ToScalar(), take = tau.ToScalar();
        for (int i = 0; i < target.Count; i++) target[i].mul_(keep).add_(online[i], take);
    }


    internal void SetUpdates(long n) => Updates = n;

    public void Dispose()
    {
        ActorOptimizer.Dispose();
        EntCoefOptimizer?.Dispose();
        Actor.Dispose();
        Critics.Dispose();
        Temperature.Dispose();
        Generator.Dispose();
    }
}
