using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Agents.ActorCritic;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Returns;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.Impala;

/// <summary>An actor's unroll and the parameter version of the behaviour policy that produced it.</summary>
public sealed record Unroll(RolloutBuffer Data, long BehaviourVersion, int Actor);

/// <summary>
/// IMPALA in one process: <c>actors</c> threads, each pulling the learner's newest parameters every
/// param_sync_interval unrolls, fill unrolls of n_steps × num_envs and put them on a bounded queue; the learner
/// thread takes batch_size unrolls, recomputes π and V with its own (newer) parameters, and trains on the
/// V-trace targets v_s and policy-gradient advantages ρ_s(r_s + γ v_{s+1} − V(x_s)). The policy lag of each
/// unroll (learner version − behaviour version) is measured and logged. Episode ends inside an unroll cut the
/// traces (discount 0); a truncated episode's last reward is bootstrapped with γ·V(final observation) under
/// the learner's network.
/// </summary>
public sealed class ImpalaAgent : ConcurrentActorCriticAgent<ImpalaConfig>, IReportsAgentStats, IDistributedAgent
{
    private BlockingCollection<Unroll>? _queue;
    private readonly ConcurrentBag<RolloutBuffer> _pool = new();
    private readonly PolicyLagBook _lag = new();
    private readonly LearnerClock _clock = new();

    public ImpalaAgent(ImpalaConfig cfg, Space observationSpace, Space actionSpace, int seed) : base(cfg, observationSpace, actionSpace, seed) { }

    public override string Algo => "impala";

    protected override OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters) => Cfg.UseRmsprop
        ? Optimizers.NewRmsProp(parameters, Cfg.LearningRate, alpha: Cfg.RmsAlpha, eps: Cfg.RmsEps)
        : Optimizers.NewAdam(parameters, Cfg.LearningRate);

    /// <summary>Mean policy lag over every unroll trained on so far (learner updates between acting and learning).</summary>
    public double MeanPolicyLag => _lag.Mean;
    public long MaxPolicyLag => _lag.Max;
    /// <summary>Learner updates per second of learner-thread wall time in the last start.</summary>
    public double LearnerUpdatesPerSecond => _clock.UpdatesPerSecond;

    public JsonObject AgentStats() => new()
    {
        ["policy_lag_mean"] = double.IsNaN(MeanPolicyLag) ? null : Math.Round(MeanPolicyLag, 3),
        ["policy_lag_max"] = MaxPolicyLag,
        ["learner_updates"] = Updates,
        ["learner_updates_per_second"] = double.IsNaN(LearnerUpdatesPerSecond) ? null : Math.Round(LearnerUpdatesPerSecond, 1),
        ["vtrace"] = Cfg.Vtrace,
    };

    /// <summary>
    /// Whether <see cref="Start"/> runs the actor threads in this process (the default). A cluster learner node
    /// turns it off: remote actors hand their unrolls to <see cref="TryEnqueue"/> and pull what the learner
    /// publishes to <see cref="Parameters"/> after every update (the node hosts that store).
    /// </summary>
    public bool RunActorsLocally { get; set; } = true;

    /// <summary>
    /// Where the learner publishes its parameters (flat, versioned by update count) at the start of a run and after
    /// every update; the actors, embedded or remote, pull from it (<see cref="ImpalaActorLoop"/>).
    /// </summary>
    public ParameterStore Parameters { get; } = new();

    /// <summary>Raised by <see cref="Start"/> with the trainer's run, before any worker starts.</summary>
    public event Action<ConcurrentRun>? RunStarted;

    /// <summary>
    /// Puts an actor's unroll on the learner's queue, waiting up to <paramref name="millisecondsTimeout"/>; false
    /// when the queue stays full (back-pressure: the actor retries) or the run has not started or has ended. The
    /// queue keeps the unroll's buffer until the learner has trained on it.
    /// </summary>
    public bool TryEnqueue(Unroll unroll, int millisecondsTimeout)
    {
        var q = _queue;
        if (q is null || q.IsAddingCompleted) return false;
        try { return q.TryAdd(unroll, millisecondsTimeout); }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException) { return false; } // the run ended between the check and the add
    }

    /// <summary>Unrolls waiting for the learner.</summary>
    public int QueueSize => _queue?.Count ?? 0;

    /// <summary>An empty rollout buffer of this agent's shape (from the pool when one is free).</summary>
    public RolloutBuffer RentBuffer() => _pool.TryTake(out var b) ? b : new RolloutBuffer(Cfg.NSteps, Cfg.NumEnvs, ObsSize, ActionSize);

    /// <summary>Gives back a buffer from <see cref="RentBuffer"/> that was not enqueued.</summary>
    public void ReturnBuffer(RolloutBuffer buffer) => _pool.Add(buffer);

    private void PublishParameters(bool restart = false)
    {
        float[] values;
        lock (ParamLock) values = ParameterVector.Read(Network);
        Parameters.Publish(Version, values, restart);
    }

    public override void Start(ConcurrentRun run)
    {
        _queue = new BlockingCollection<Unroll>(Cfg.QueueCapacity);
        _clock.Restart();
        RunStarted?.Invoke(run);
        // A restart publish: the actors start from these parameters, and after a resume from a checkpoint they must
        // replace whatever version the store served before.
        PublishParameters(restart: true);
        for (int a = 0; a < (RunActorsLocally ? Cfg.Actors : 0); a++)
        {
            int actor = a;
            // The embedded queue keeps each unroll's buffer until the learner has used it (then pools it), so every
            // unroll is collected into a rented one; waiting in the queue's own add wakes as soon as there is room.
            run.StartWorker($"impala-actor-{actor}", () => ImpalaActorLoop.Run(Cfg, run.MakeEnv, ObservationSpace, ActionSpace, actor, run.Seed,
                Parameters, RentBuffer, u => TryEnqueue(u, 20), run));
        }
        run.StartWorker("impala-learner", () => Learner(run));
    }

    private void Learner(ConcurrentRun run)
    {
        var batch = new List<Unroll>(Cfg.BatchSize);
        while (run.SafePoint())
        {
            while (batch.Count < Cfg.BatchSize)
            {
                if (_queue!.TryTake(out var u, 20)) batch.Add(u);
                else if (!run.SafePoint()) return;
            }
            long t0 = Stopwatch.GetTimestamp();
            var metrics = Train(batch, run.Progress);
            _clock.Updated(t0);
            PublishParameters();
            foreach (var u in batch) _pool.Add(u.Data);
            batch.Clear();
            metrics["time/learner_updates_per_second"] = LearnerUpdatesPerSecond;
            metrics["time/queue_size"] = _queue!.Count;
            run.ReportMetrics(metrics);
        }
    }

    /// <summary>One learner update on a batch of unrolls (public for tests).</summary>
    public Dictionary<string, double> Train(IReadOnlyList<Unroll> batch, Progress progress)
    {
        int T = Cfg.NSteps, N = Cfg.NumEnvs, U = batch.Count, B = U * N, rows = T * B;
        var obs = new float[rows * ObsSize];
        var actions = new float[rows * ActionSize];
        var behaviourLogp = new float[rows];
        var rewards = new float[rows];
        var discounts = new float[rows];
        var bootstrapObs = new float[B * ObsSize];
        var truncated = new List<(int Row, int Unroll, int Src)>();
        long version = Version;
        double lagSum = 0;
        long lagMax = 0;
        for (int u = 0; u < U; u++)
        {
            var d = batch[u].Data;
            long lag = version - batch[u].BehaviourVersion;
            lagSum += lag;
            lagMax = Math.Max(lagMax, lag);
            d.BootstrapObs.CopyTo(bootstrapObs, u * N * ObsSize);
            for (int t = 0; t < T; t++)
            {
                int src = t * N, dst = t * B + u * N;
                Array.Copy(d.Obs, src * ObsSize, obs, dst * ObsSize, N * ObsSize);
                Array.Copy(d.Actions, src * ActionSize, actions, dst * ActionSize, N * ActionSize);
                Array.Copy(d.LogProbs, src, behaviourLogp, dst, N);
                Array.Copy(d.Rewards, src, rewards, dst, N);
                Array.Copy(d.Discounts, src, discounts, dst, N);
                for (int b = 0; b < N; b++)
                    if (d.Ends[src + b] && d.Discounts[src + b] != 0f) truncated.Add((dst + b, u, src + b));
            }
        }
        _lag.Add(U, (long)lagSum, lagMax);

        using var scope = NewDisposeScope();
        var obsT = torch.tensor(obs, new long[] { rows, ObsSize });
        var actT = torch.tensor(actions, new long[] { rows, ActionSize });
        var (policy, values) = Network.Evaluate(obsT);
        var targetLogp = policy.LogProb(actT);
        float[] valuesA, bootstrap, logRhos = new float[rows];
        using (no_grad())
        {
            valuesA = values.detach().data<float>().ToArray();
            // Boundaries valued by the learner's network: the state after each unroll, and the final state of each
            // truncated episode (its reward absorbs γ·V(final) and the trace is cut there).
            var extra = new float[(B + truncated.Count) * ObsSize];
            Array.Copy(bootstrapObs, extra, bootstrapObs.Length);
            for (int k = 0; k < truncated.Count; k++)
                Array.Copy(batch[truncated[k].Unroll].Data.FinalObs, truncated[k].Src * ObsSize, extra, (B + k) * ObsSize, ObsSize);
            var v = Network.Value(torch.tensor(extra, new long[] { B + truncated.Count, ObsSize })).data<float>().ToArray();
            bootstrap = v.AsSpan(0, B).ToArray();
            for (int k = 0; k < truncated.Count; k++)
            {
                int r = truncated[k].Row;
                rewards[r] += discounts[r] * v[B + k];
                discounts[r] = 0f;
            }
            if (Cfg.Vtrace)
            {
                var lr = targetLogp.detach().data<float>();
                for (int i = 0; i < rows; i++) logRhos[i] = lr[i] - behaviourLogp[i];
            }
        }
        var vs = new float[rows];
        var pgAdv = new float[rows];
        VTrace.Compute(logRhos, discounts, rewards, valuesA, bootstrap, T, B, vs, pgAdv,
            (float)Cfg.RhoBar, (float)Cfg.CBar, (float)Cfg.PgRhoBar);
        var (rlLoss, terms) = ActorCriticLoss.PolicyGradient(policy, values, actT,
            torch.tensor(pgAdv, new long[] { rows }), torch.tensor(vs, new long[] { rows }), Cfg.VfCoef, Cfg.EntCoef);
        terms.EnsureFinite(Algo, progress.EnvSteps, Updates + 1);
        var (loss, kick) = Kickstart(rlLoss, obsT, policy, progress.EnvSteps);
        Optimizer.zero_grad();
        loss.backward();
        double norm = ApplyUpdate(LearningRate(progress));

        double rhoMean = 0, rhoClipped = 0;
        if (Cfg.Vtrace)
            for (int i = 0; i < rows; i++)
            {
                double rho = Math.Exp(logRhos[i]);
                rhoMean += rho;
                if (rho > Cfg.RhoBar) rhoClipped++;
            }
        var metrics = new Dictionary<string, double>
        {
            ["train/policy_loss"] = terms.PolicyLoss,
            ["train/value_loss"] = terms.ValueLoss,
            ["train/entropy"] = terms.Entropy,
            ["train/grad_norm"] = norm,
            ["train/updates"] = Updates,
            ["train/policy_lag_mean"] = lagSum / U,
            ["train/policy_lag_max"] = lagMax,
            ["train/rho_mean"] = Cfg.Vtrace ? rhoMean / rows : 1.0,
            ["train/rho_clipped_fraction"] = rhoClipped / rows,
        };
        kick?.AddTo(metrics);
        return metrics;
    }

    public override void Dispose()
    {
        _queue?.Dispose();
        base.Dispose();
    }
}
