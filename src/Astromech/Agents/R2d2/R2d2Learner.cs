using Astromech.Nn;
using Astromech.Replay;
using Astromech.Returns;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.R2d2;

/// <summary>What one learner update reports.</summary>
public sealed record R2d2UpdateResult(double Loss, double MeanQ, double GradNorm, double[] Priorities, int TrainedSteps);

/// <summary>
/// R2D2's loss and update on a batch of B replayed sequences of L steps (plus one bootstrap observation):
/// <code>
///   (h₀, c₀)  = stored actor state, or zero                         (start_state)
///   burn-in   : unroll steps [0, burn_in) from (h₀, c₀) without gradient → start state of the trained part
///   Q, Q⁻     = online / target unroll over all L + 1 rows from the same start
///   a*_s      = argmax_a Q(s, a)                                      (double Q)
///   y_t       = h( Σ_{k&lt;m} γ^k r_{t+k} + γ^m · h⁻¹(Q⁻(s_{t+m}, a*_{t+m})) ),  m = min(n, steps left in the sequence)
///               (no bootstrap term when the window ends in a terminated step)
///   loss      = mean_b w_b · Σ_t mask_{t,b}·½(Q(s_t, a_t) − y_t)² / Σ_t mask_{t,b}
///   priority  = η·max_t|δ_t| + (1 − η)·mean_t|δ_t| over the trained steps
/// </code>
/// mask is 1 on real (non-padding) steps after the burn-in. A sequence that starts its episode
/// (<see cref="SequenceItem.EpisodeStep"/> = 0) starts from the exact state (zero, which is also what the actor
/// stored), so none of its steps are burned: all are trained, with gradient through the whole unroll. Without
/// this, every step in the first burn_in steps of every episode would never be trained, and a memory task
/// whose cue comes at the episode's start could not be learned through the gradient at all.
/// <para>Runs on the learner thread; actors copy parameters under <see cref="ParamLock"/>, which the update
/// takes only around the optimizer step and the target copy.</para>
/// </summary>
public sealed class R2d2Learner : IDisposable
{
    private readonly R2d2Config _cfg;
    private readonly Parameter[] _parameters;
    private readonly int _obsSize;
    private readonly float[] _rewardPart, _discount, _lossMask, _rowScratchR, _rowScratchD, _fullRows;
    private readonly bool[] _rowScratchDone;
    private readonly long[] _bootIndex;
    private long _updates;

    /// <summary>Held while parameters change (optimizer step, target copy) and while anyone copies them out.</summary>
    public object ParamLock { get; } = new();
    public RecurrentQNetwork Online { get; }
    public RecurrentQNetwork Target { get; }
    public OptimizerHelper Optimizer { get; }
    public long Updates => Interlocked.Read(ref _updates);
    public R2d2Config Config => _cfg;
    /// <summary>The observation shape the networks were built for.</summary>
    public int[] ObsShape { get; }

    public R2d2Learner(R2d2Config cfg, int obsSize, int numActions) : this(cfg, new[] { obsSize }, numActions) { }

    /// <summary>A learner for observations of shape <paramref name="obsShape"/>, whose torso follows <c>cfg.Torso</c>.</summary>
    public R2d2Learner(R2d2Config cfg, IReadOnlyList<int> obsShape, int numActions)
    {
        _cfg = cfg;
        _obsSize = obsShape.Aggregate(1, (a, b) => a * b);
        ObsShape = obsShape.ToArray();
        Online = RecurrentQNetwork.Create(obsShape, numActions, cfg.Hidden, cfg.LstmSize, cfg.LstmForgetBias, cfg.Torso, cfg.ConvFilters);
        Target = RecurrentQNetwork.Create(obsShape, numActions, cfg.Hidden, cfg.LstmSize, cfg.LstmForgetBias, cfg.Torso, cfg.ConvFilters);
        Target.CopyFrom(Online);
        foreach (var p in Target.parameters()) p.requires_grad = false;
        _parameters = Online.parameters().ToArray();
        Optimizer = Optimizers.NewAdam(_parameters, cfg.LearningRate, eps: cfg.AdamEps);
        int steps = cfg.SequenceLength * cfg.BatchSize;
        _rewardPart = new float[steps];
        _discount = new float[steps];
        _lossMask = new float[steps];
        _bootIndex = new long[steps];
        _rowScratchR = new float[cfg.SequenceLength];
        _rowScratchD = new float[cfg.SequenceLength];
        _rowScratchDone = new bool[cfg.SequenceLength];
        _fullRows = new float[cfg.BatchSize];
    }

    internal void SetUpdates(long n) => Interlocked.Exchange(ref _updates, n);

    /// <summary>The learning rate at <paramref name="progress"/>: lr, or lr·(1 − fraction of the run) under lr_anneal.</summary>
    public double LearningRateAt(Training.Progress progress) => progress.Annealed(_cfg.LearningRate, _cfg.LrAnneal);

    /// <summary>Sets the optimizer's learning rate (learner thread only: the optimizer reads it in its step).</summary>
    public void SetLearningRate(double lr)
    {
        foreach (var g in Optimizer.ParamGroups) g.LearningRate = lr;
    }

    /// <summary>The first trained step of row b: 0 when the sequence starts its episode, else the burn-in.</summary>
    public int TrainStart(SequenceBatch batch, int b) => batch.EpisodeSteps[b] == 0 ? 0 : _cfg.EffectiveBurnIn;

    /// <summary>The state each row's unroll starts from under the configured strategy: stored or zero ([B, lstm] each).</summary>
    public (Tensor H, Tensor C) InitialState(SequenceBatch batch)
    {
        int B = batch.BatchSize, S = batch.StateSize;
        if (S != _cfg.LstmSize) throw new ArgumentException($"batch state size {S} does not match lstm_size {_cfg.LstmSize}");
        return _cfg.UsesStoredState
            ? (torch.tensor(batch.H, new long[] { B, S }), torch.tensor(batch.C, new long[] { B, S }))
            : (zeros(B, S), zeros(B, S));
    }

    /// <summary>
    /// The state after unrolling <paramref name="net"/> over the first <paramref name="steps"/> rows of the batch
    /// from <paramref name="h0"/>, <paramref name="c0"/> without gradient (the burn-in).
    /// </summary>
    public static (Tensor H, Tensor C) BurnIn(RecurrentQNetwork net, SequenceBatch batch, int steps, Tensor h0, Tensor c0)
    {
        if (steps < 0 || steps > batch.Length) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"burn-in must lie in [0, {batch.Length}]");
        if (steps == 0) return (h0.alias(), c0.alias());
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (obs, pa, pr) = Inputs(batch);
        var (_, h, c) = net.Unroll(obs.narrow(0, 0, steps), pa.narrow(0, 0, steps), pr.narrow(0, 0, steps), h0, c0);
        return (h.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    /// <summary>The batch's network inputs as tensors: obs [L + 1, B, obs], previous actions and rewards [L + 1, B].</summary>
    public static (Tensor Obs, Tensor PrevActions, Tensor PrevRewards) Inputs(SequenceBatch batch)
    {
        long T = batch.Length + 1, B = batch.BatchSize;
        return (torch.tensor(batch.Obs, new long[] { T, B, batch.ObsSize }),
            torch.tensor(batch.PrevActions, new long[] { T, B }),
            torch.tensor(batch.PrevRewards, new long[] { T, B }));
    }

    /// <summary>
    /// The reward part, bootstrap factor and bootstrap row of every step's n-step target, in [L, B] arrays
    /// (flat index t·B + b; the bootstrap row is given as a flat index (t + m)·B + b into [L + 1, B]).
    /// Padding steps get zeros (their loss is masked). See the class comment for the window rule.
    /// </summary>
    public static void NStepParts(SequenceBatch batch, int n, float gamma, Span<float> rewardPart, Span<float> discount, Span<long> bootIndex,
        float[]? scratchR = null, float[]? scratchD = null, bool[]? scratchDone = null)
    {
        int B = batch.BatchSize, L = batch.Length;
        if (rewardPart.Length != L * B || discount.Length != L * B || bootIndex.Length != L * B)
            throw new ArgumentException($"n-step outputs must have L·B = {L * B} entries");
        scratchR ??= new float[L];
        scratchD ??= new float[L];
        scratchDone ??= new bool[L];
        var r = scratchR.AsSpan(0, L);
        var done = scratchDone.AsSpan(0, L);
        for (int b = 0; b < B; b++)
        {
            int len = batch.ValidSteps[b];
            for (int t = 0; t < len; t++)
            {
                r[t] = batch.Rewards[t * B + b];
                done[t] = batch.Terminal[t * B + b] != 0f;
            }
            var ret = scratchR.AsSpan(0, len);
            var disc = scratchD.AsSpan(0, len);
            // In place is safe: Compute reads rewards[t..t+n) before writing returns[t].
            NStepReturns.Compute(r[..len], done[..len], n, gamma, ret, disc);
            for (int t = 0; t < L; t++)
            {
                int i = t * B + b;
                if (t < len)
                {
                    rewardPart[i] = ret[t];
                    discount[i] = disc[t];
                    bootIndex[i] = (long)(t + Math.Min(n, len - t)) * B + b;
                }
                else
                {
                    rewardPart[i] = 0;
                    discount[i] = 0;
                    bootIndex[i] = (long)len * B + b;
                }
            }
        }
    }

    /// <summary>
    /// n-step double-Q targets y [L, B] from online and target Q over [L + 1, B, A] (no gradient):
    /// y = h(R + D·h⁻¹(Q⁻(s_boot, argmax_a Q(s_boot, a)))) with rescaling, else R + D·Q⁻(s_boot, a*).
    /// </summary>
    public static Tensor DoubleQTargets(Tensor qOnline, Tensor qTarget, Tensor rewardPart, Tensor discount, Tensor bootIndex,
        bool rescale, double rescalingEps)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var best = qOnline.detach().argmax(-1, keepdim: true);
        var selected = qTarget.detach().gather(-1, best).squeeze(-1).flatten();
        var boot = selected.index_select(0, bootIndex.flatten()).view_as(rewardPart);
        var y = rescale
            ? ValueRescaling.H(rewardPart.Plus(discount.mul(ValueRescaling.HInverse(boot, rescalingEps))), rescalingEps)
            : rewardPart.Plus(discount.mul(boot));
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>One gradient step on <paramref name="batch"/>; returns the loss and the new priority of each row.</summary>
    public R2d2UpdateResult Update(SequenceBatch batch, long envSteps = 0)
    {
        int B = batch.BatchSize, L = batch.Length, burn = _cfg.EffectiveBurnIn;
        if (L != _cfg.SequenceLength || B != _cfg.BatchSize || batch.ObsSize != _obsSize)
            throw new ArgumentException($"batch of {B} sequences × {L} steps (obs {batch.ObsSize}) does not match the learner's batch_size {_cfg.BatchSize}, sequence_length {_cfg.SequenceLength}, obs {_obsSize}");
        NStepParts(batch, _cfg.NStep, (float)_cfg.Gamma, _rewardPart, _discount, _bootIndex, _rowScratchR, _rowScratchD, _rowScratchDone);
        int trained = 0;
        for (int b = 0; b < B; b++)
        {
            int from = TrainStart(batch, b);
            _fullRows[b] = from == 0 ? 1f : 0f;
            for (int t = 0; t < L; t++)
            {
                float m = t >= from ? batch.Mask[t * B + b] : 0f;
                _lossMask[t * B + b] = m;
                if (m > 0) trained++;
            }
        }

        using var scope = NewDisposeScope();
        var (obs, pa, pr) = Inputs(batch);
        var (h0, c0) = InitialState(batch);

        // Online unroll: burn-in, then the trained part. Rows that start their episode keep the gradient
        // through the burn-in steps (they train there too); the others are cut off at the burn-in's end.
        Tensor q;
        if (burn > 0)
        {
            var (qBurn, hB, cB) = Online.Unroll(obs.narrow(0, 0, burn), pa.narrow(0, 0, burn), pr.narrow(0, 0, burn), h0, c0);
            var keep = torch.tensor(_fullRows, new long[] { B, 1 });
            var cut = keep.neg().Plus(1.0);
            hB = hB.mul(keep).Plus(hB.detach().mul(cut));
            cB = cB.mul(keep).Plus(cB.detach().mul(cut));
            var (qRest, _, _) = Online.Unroll(obs.narrow(0, burn, L + 1 - burn), pa.narrow(0, burn, L + 1 - burn), pr.narrow(0, burn, L + 1 - burn), hB, cB);
            q = cat(new[] { qBurn, qRest }, 0);
        }
        else q = Online.Unroll(obs, pa, pr, h0, c0).Q;

        Tensor qTarget;
        using (no_grad()) qTarget = Target.Unroll(obs, pa, pr, h0, c0).Q;

        var rewardPart = torch.tensor(_rewardPart, new long[] { L, B });
        var discount = torch.tensor(_discount, new long[] { L, B });
        var bootIndex = torch.tensor(_bootIndex, new long[] { L, B });
        var y = DoubleQTargets(q, qTarget, rewardPart, discount, bootIndex, _cfg.ValueRescaling, _cfg.RescalingEps);

        var actions = torch.tensor(batch.Actions, new long[] { L, B, 1 });
        var qa = q.narrow(0, 0, L).gather(-1, actions).squeeze(-1);
        var delta = qa.sub(y);
        var mask = torch.tensor(_lossMask, new long[] { L, B });
        var perSeq = delta.Squared().mul(mask).sum(new long[] { 0 }).div(mask.sum(new long[] { 0 }).clamp_min(Scalars.Of(1)));
        var weights = torch.tensor(batch.Weights, new long[] { B });
        var loss = perSeq.mul(weights).mean().mul(Scalars.Of(0.5));

        double lossValue = loss.item<float>();
        Training.NonFiniteLossException.ThrowIfAny("r2d2", envSteps, Updates + 1, ("loss", lossValue));
        Optimizer.zero_grad();
        loss.backward();
        double norm;
        lock (ParamLock)
        {
            norm = _cfg.MaxGradNorm > 0 ? nn.utils.clip_grad_norm_(_parameters, _cfg.MaxGradNorm) : double.NaN;
            Optimizer.step();
            long u = Interlocked.Increment(ref _updates);
            if (u % _cfg.TargetUpdateInterval == 0) Target.CopyFrom(Online);
        }

        // Priorities and logging from one managed copy of |δ| and Q(s, a).
        var absDelta = delta.detach().abs().data<float>().ToArray();
        var qaValues = qa.detach().data<float>().ToArray();
        var priorities = new double[B];
        var rowErrors = new float[L];
        double qSum = 0;
        for (int b = 0; b < B; b++)
        {
            int k = 0;
            for (int t = 0; t < L; t++)
                if (_lossMask[t * B + b] > 0)
                {
                    rowErrors[k++] = absDelta[t * B + b];
                    qSum += qaValues[t * B + b];
                }
            priorities[b] = SequenceReplay.MixedPriority(rowErrors.AsSpan(0, k), _cfg.PriorityEta);
        }
        return new R2d2UpdateResult(lossValue, trained == 0 ? 0 : qSum / trained, norm, priorities, trained);
    }

    /// <summary>Copies the online parameters into an actor's network (under the lock).</summary>
    public void CopyOnlineTo(RecurrentQNetwork actorNet)
    {
        lock (ParamLock) actorNet.CopyFrom(Online);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Online.Dispose();
        Target.Dispose();
    }
}
