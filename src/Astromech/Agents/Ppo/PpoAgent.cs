using Astromech.Agents.ActorCritic;
using Astromech.Agents.Kickstarting;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.Ppo;

/// <summary>
/// PPO-clip: after each rollout, n_epochs passes over it in shuffled minibatches, minimizing
/// <code>
///   r = π(a|s)/π_old(a|s),   L_π = −mean(min(r·Â, clip(r, 1−ε, 1+ε)·Â))
///   L_V = mean((G − V)²)   or, with value clipping, mean(max((G − V)², (G − V_old − clip(V − V_old, ±ε_v))²))
///   L = L_π + c_v·L_V − c_e·mean(H)
/// </code>
/// with Â the GAE(λ) advantages (normalized per minibatch) and G = Â + V_old.
/// <para>With a recurrent core the minibatches are whole env rows (batch_size / n_steps rows of n_steps steps each,
/// shuffled per epoch), each replayed from the core state it had at the rollout's start, so the loss sees the
/// same recurrence the actor ran.</para>
/// </summary>
public sealed class PpoAgent : OnPolicyAgent<PpoConfig>
{
    public PpoAgent(PpoConfig cfg, Space observationSpace, Space actionSpace, int seed, string? runName = null)
        : base(cfg, observationSpace, actionSpace, seed, runName) { }

    public override string Algo => RunName ?? "ppo";

    protected override OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters) =>
        Optimizers.NewAdam(parameters, Cfg.LearningRate, eps: 1e-5);

    /// <summary>The clip range at this point of the run.</summary>
    public double ClipRange(Progress p) => p.Annealed(Cfg.ClipRange, Cfg.ClipRangeAnneal);

    protected override Dictionary<string, double> Train(Progress progress)
    {
        int n = Buffer.Size, bs = Cfg.BatchSize;
        double clip = Math.Max(ClipRange(progress), 1e-8);
        // Held scalars, not implicit ones (see Nn/Scalars.cs): the clip range changes per update when annealed.
        using Scalar clipLo = (1 - clip).ToScalar(), clipHi = (1 + clip).ToScalar(), clipS = clip.ToScalar();
        using var all = NewDisposeScope();
        var obs = torch.tensor(Buffer.Obs, new long[] { n, ObsSize });
        var actions = torch.tensor(Buffer.Actions, new long[] { n, ActionSize });
        var oldLogp = torch.tensor(Buffer.LogProbs, new long[] { n });
        var oldValues = torch.tensor(Buffer.Values, new long[] { n });
        var advAll = torch.tensor(Buffer.Advantages, new long[] { n });
        var returnsAll = torch.tensor(Buffer.Returns, new long[] { n });
        // Feedforward: shuffle single steps. Recurrent: shuffle env rows and take batch_size / n_steps of them at a time.
        bool recurrent = Network.Recurrent;
        int units = recurrent ? Buffer.Envs : n;
        int perBatch = recurrent ? Math.Max(1, bs / Buffer.Steps) : bs;
        var perm = new long[units];
        var kicks = new List<KickstartTerms>();

        double pgSum = 0, vSum = 0, entSum = 0, klSum = 0, clipFracSum = 0;
        int batches = 0;
        bool stopped = false;
        for (int epoch = 0; epoch < Cfg.NEpochs && !stopped; epoch++)
        {
            for (int i = 0; i < units; i++) perm[i] = i;
            for (int i = units - 1; i > 0; i--) { int j = Rng.Next(i + 1); (perm[i], perm[j]) = (perm[j], perm[i]); }
            // SB3 keeps the last, smaller minibatch of an epoch; so does this loop.
            for (int start = 0; start < units; start += perBatch)
            {
                using var scope = NewDisposeScope();
                int mu = Math.Min(perBatch, units - start);
                Tensor idx, obsMb, values;
                IActionDistribution policy;
                if (recurrent)
                    (policy, values, idx, obsMb) = EvaluateEnvRows(obs, perm.AsSpan(start, mu));
                else
                {
                    idx = torch.tensor(perm.AsSpan(start, mu).ToArray(), new long[] { mu });
                    obsMb = obs.index_select(0, idx);
                    (policy, values) = Network.Evaluate(obsMb);
                }
                int m = (int)idx.shape[0];
                var adv = advAll.index_select(0, idx);
                if (Cfg.NormalizeAdvantage && m > 1) adv = ActorCriticLoss.Normalize(adv);
                var logp = policy.LogProb(actions.index_select(0, idx));
                var logRatio = logp - oldLogp.index_select(0, idx);
                var ratio = logRatio.exp();
                var pg = -torch.min(ratio * adv, ratio.clamp(clipLo, clipHi) * adv).mean();
                var ret = returnsAll.index_select(0, idx);
                Tensor vl;
                if (Cfg.ClipRangeVf > 0)
                {
                    var vOld = oldValues.index_select(0, idx);
                    var vClipped = vOld.Plus((values - vOld).clamp(Scalars.Of(-Cfg.ClipRangeVf), Scalars.Of(Cfg.ClipRangeVf)));
                    vl = torch.max((ret - values).Squared(), (ret - vClipped).Squared()).mean();
                }
                else vl = (ret - values).Squared().mean();
                var ent = policy.Entropy().mean();
                var rlLoss = pg.Plus(vl.mul(Scalars.Of(Cfg.VfCoef))) - ent.mul(Scalars.Of(Cfg.EntCoef));
                var (loss, kick) = Kickstart(rlLoss, obsMb, policy, progress);
                var terms = new LossTerms(pg.item<float>(), vl.item<float>(), ent.item<float>());
                terms.EnsureFinite(Algo, progress.EnvSteps, Updates + 1);

                double approxKl, clipFrac;
                using (no_grad())
                {
                    // The low-variance KL estimator E[(r − 1) − log r] (Schulman's "approx KL" k3).
                    approxKl = (ratio.sub(Scalars.One) - logRatio).mean().item<float>();
                    clipFrac = ratio.sub(Scalars.One).abs().gt(clipS).to_type(ScalarType.Float32).mean().item<float>();
                }
                if (Cfg.TargetKl > 0 && approxKl > 1.5 * Cfg.TargetKl) { stopped = true; break; }
                Step(loss);
                if (kick is not null) kicks.Add(kick);
                pgSum += terms.PolicyLoss; vSum += terms.ValueLoss; entSum += terms.Entropy;
                klSum += approxKl; clipFracSum += clipFrac;
                batches++;
            }
        }
        int b = Math.Max(1, batches);
        var metrics = new Dictionary<string, double>
        {
            ["train/policy_loss"] = pgSum / b,
            ["train/value_loss"] = vSum / b,
            ["train/entropy"] = entSum / b,
            ["train/approx_kl"] = klSum / b,
            ["train/clip_fraction"] = clipFracSum / b,
            ["train/clip_range"] = clip,
            ["train/early_stopped"] = stopped ? 1 : 0,
        };
        KickstartTerms.Mean(kicks)?.AddTo(metrics);
        return metrics;
    }
}
