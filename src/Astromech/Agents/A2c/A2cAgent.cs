using Astromech.Agents.ActorCritic;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.A2c;

/// <summary>A2C: one synchronous gradient step per rollout of n_steps on num_envs env copies.</summary>
public sealed class A2cAgent : OnPolicyAgent<A2cConfig>
{
    public A2cAgent(A2cConfig cfg, Space observationSpace, Space actionSpace, int seed, string? runName = null)
        : base(cfg, observationSpace, actionSpace, seed, runName) { }

    public override string Algo => RunName ?? "a2c";

    protected override OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters) => Cfg.UseAdam
        ? Optimizers.NewAdam(parameters, Cfg.LearningRate)
        : Optimizers.NewRmsProp(parameters, Cfg.LearningRate, alpha: Cfg.RmsAlpha, eps: Cfg.RmsEps);

    protected override Dictionary<string, double> Train(Progress progress)
    {
        using var scope = NewDisposeScope();
        int n = Buffer.Size;
        var obs = torch.tensor(Buffer.Obs, new long[] { n, ObsSize });
        var actions = torch.tensor(Buffer.Actions, new long[] { n, ActionSize });
        var adv = torch.tensor(Buffer.Advantages, new long[] { n });
        var returns = torch.tensor(Buffer.Returns, new long[] { n });
        if (Cfg.NormalizeAdvantage && n > 1) adv = ActorCriticLoss.Normalize(adv);
        IActionDistribution policy;
        Tensor values;
        if (Network.Recurrent)
        {
            // The whole rollout as one sequence batch: every env row in order, so the outputs stay in rollout order (t·N + b).
            var rows = new long[Buffer.Envs];
            for (int b = 0; b < rows.Length; b++) rows[b] = b;
            (policy, values, _, _) = EvaluateEnvRows(obs, rows);
        }
        else (policy, values) = Network.Evaluate(obs);
        var (rlLoss, terms) = ActorCriticLoss.PolicyGradient(policy, values, actions, adv, returns, Cfg.VfCoef, Cfg.EntCoef);
        terms.EnsureFinite(Algo, progress.EnvSteps, Updates + 1);
        var (loss, kick) = Kickstart(rlLoss, obs, policy, progress);
        double norm = Step(loss);
        var metrics = new Dictionary<string, double>
        {
            ["train/policy_loss"] = terms.PolicyLoss,
            ["train/value_loss"] = terms.ValueLoss,
            ["train/entropy"] = terms.Entropy,
            ["train/grad_norm"] = norm,
        };
        kick?.AddTo(metrics);
        return metrics;
    }
}
