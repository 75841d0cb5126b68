using Astromech.Agents.ActorCritic;
using Astromech.Agents.Kickstarting;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.A3c;

/// <summary>
/// A3C with a <b>locked</b> update. Each of <c>workers</c> threads owns num_envs env copies, a network copy and
/// an RNG, and loops: collect n_steps, compute the actor-critic loss and its gradients on its own copy (no lock:
/// this is the expensive part and it runs in parallel), then, holding the shared-parameter lock, copy its
/// gradients onto the shared parameters, clip, step the shared RMSProp, and copy the new parameters back.
/// The lock makes each update atomic, unlike the paper's lock-free Hogwild! updates; on TorchSharp the
/// optimizer's state tensors and the parameters' gradient slots are not safe to write from two threads at
/// once, and the critical section is a small fraction of a worker's loop (its share is logged as
/// <c>train/lock_fraction</c>). A worker's gradients are computed at parameters at most a few updates old
/// (the other workers' updates in between), which is A3C's asynchrony.
/// </summary>
public sealed class A3cAgent : ConcurrentActorCriticAgent<A3cConfig>
{
    private long _lockTicks, _workTicks;

    public A3cAgent(A3cConfig cfg, Space observationSpace, Space actionSpace, int seed) : base(cfg, observationSpace, actionSpace, seed) { }

    public override string Algo => "a3c";

    protected override OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters) =>
        Optimizers.NewRmsProp(parameters, Cfg.LearningRate, alpha: Cfg.RmsAlpha, eps: Cfg.RmsEps);

    public override void Start(ConcurrentRun run)
    {
        for (int w = 0; w < Cfg.Workers; w++)
        {
            int worker = w;
            // Seeds differ per worker and per start, so a resumed run does not replay its first episodes.
            int seed = ActorSeed.Of(run.Seed, worker);
            run.StartWorker($"a3c-worker-{worker}", () => Worker(run, worker, seed));
        }
    }

    private void Worker(ConcurrentRun run, int worker, int seed)
    {
        var (net, _) = NewActorNetwork();
        foreach (var p in net.parameters()) p.requires_grad = true;
        var localParams = net.parameters().ToArray();
        var sharedParams = Network.parameters().ToArray();
        using var collector = new RolloutCollector(run.MakeEnv, Cfg.NumEnvs, net, ActionSpace, new Rng(seed), (float)Cfg.Gamma, seed);
        var buffer = new RolloutBuffer(Cfg.NSteps, Cfg.NumEnvs, ObsSize, ActionSize);
        int n = buffer.Size;
        while (run.SafePoint())
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            bool more = collector.Collect(buffer, run);
            buffer.ComputeAdvantages((float)Cfg.GaeLambda);
            LossTerms terms;
            KickstartTerms? kick;
            long t1;
            double norm;
            // One dispose scope over everything torch does in this iteration: it frees the temporaries and keeps
            // them reachable while native code uses them (see Nn/Scalars.cs for the race this avoids).
            using (var scope = NewDisposeScope())
            {
                var obs = torch.tensor(buffer.Obs, new long[] { n, ObsSize });
                var actions = torch.tensor(buffer.Actions, new long[] { n, ActionSize });
                var adv = torch.tensor(buffer.Advantages, new long[] { n });
                if (Cfg.NormalizeAdvantage && n > 1) adv = ActorCriticLoss.Normalize(adv);
                var returns = torch.tensor(buffer.Returns, new long[] { n });
                var (policy, values) = net.Evaluate(obs);
                var (rlLoss, t) = ActorCriticLoss.PolicyGradient(policy, values, actions, adv, returns, Cfg.VfCoef, Cfg.EntCoef);
                terms = t;
                terms.EnsureFinite(Algo, run.EnvSteps, Updates + 1);
                (var loss, kick) = Kickstart(rlLoss, obs, policy, run.EnvSteps);
                foreach (var p in localParams) p.grad?.zero_();
                loss.backward();
                t1 = System.Diagnostics.Stopwatch.GetTimestamp();
                norm = ApplyUpdate(LearningRate(run.Progress), () =>
                {
                    using var _ = no_grad();
                    for (int i = 0; i < sharedParams.Length; i++) sharedParams[i].grad = localParams[i].grad!.detach().clone();
                });
                PullParameters(net);
            }
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            Interlocked.Add(ref _lockTicks, t2 - t1);
            Interlocked.Add(ref _workTicks, t2 - t0);
            if (worker == 0)
            {
                var metrics = new Dictionary<string, double>
                {
                    ["train/policy_loss"] = terms.PolicyLoss,
                    ["train/value_loss"] = terms.ValueLoss,
                    ["train/entropy"] = terms.Entropy,
                    ["train/grad_norm"] = norm,
                    ["train/updates"] = Updates,
                    ["train/explained_variance"] = ActorCriticLoss.ExplainedVariance(buffer.Values, buffer.Returns),
                    ["train/lock_fraction"] = (double)Interlocked.Read(ref _lockTicks) / Math.Max(1, Interlocked.Read(ref _workTicks)),
                };
                kick?.AddTo(metrics);
                run.ReportMetrics(metrics);
            }
            if (!more) break;
        }
    }
}
