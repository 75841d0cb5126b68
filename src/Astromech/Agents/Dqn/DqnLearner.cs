using Astromech.Nn;
using Astromech.Replay;
using Astromech.Returns;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Dqn;

/// <summary>
/// The DQN loss and update. One call of <see cref="Update"/> is one gradient step on one sampled batch:
/// <code>
///   q      = Q(s)[a]
///   a*     = argmax_a' Q(s')[a']   (double Q)   or   argmax_a' Q⁻(s')[a']
///   y      = r + γⁿ·Q⁻(s')[a*]      (with rescaling: y = h(r + γⁿ·h⁻¹(Q⁻(s')[a*])))
///   loss   = mean_i w_i · Huber(q_i − y_i)
/// </code>
/// where Q⁻ is the target network and w the importance weights (1 without prioritized replay). The
/// discount γⁿ (0 at termination) arrives with each transition from the n-step adder.
/// </summary>
public sealed class DqnLearner : IDisposable
{
    private readonly DqnConfig _cfg;
    private readonly int _obsSize;
    private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
    private readonly float[] _tdErrors, _q, _y;
    private readonly long[] _actionIndex;
    private int _lastSize;
    private readonly TorchSharp.Modules.Parameter[] _parameters;

    public QNetwork Online { get; }
    public QNetwork Target { get; }
    public long Updates { get; private set; }

    public DqnLearner(DqnConfig cfg, int obsSize, int numActions) : this(cfg, new[] { obsSize }, numActions) { }

    /// <summary>A learner for observations of shape <paramref name="obsShape"/> (flat floats, row-major), whose torso follows <c>cfg.Torso</c>.</summary>
    public DqnLearner(DqnConfig cfg, IReadOnlyList<int> obsShape, int numActions)
    {
        _cfg = cfg;
        int obsSize = 1;
        foreach (var d in obsShape) obsSize *= d;
        _obsSize = obsSize;
        Online = new QNetwork(obsShape, numActions, cfg.Hidden, cfg.Dueling, cfg.Torso, cfg.ConvFilters);
        Target = new QNetwork(obsShape, numActions, cfg.Hidden, cfg.Dueling, cfg.Torso, cfg.ConvFilters);
        Target.load_state_dict(Online.state_dict());
        foreach (var p in Target.parameters()) p.requires_grad = false;
        Target.eval();
        _optimizer = cfg.Optimizer == DqnOptimizer.Rmsprop
            ? Optimizers.NewRmsProp(Online.parameters(), cfg.LearningRate, cfg.RmspropAlpha, cfg.RmspropEps, cfg.RmspropCentered)
            : Optimizers.NewAdam(Online.parameters(), cfg.LearningRate);
        _tdErrors = new float[cfg.BatchSize];
        _q = new float[cfg.BatchSize];
        _y = new float[cfg.BatchSize];
        _actionIndex = new long[cfg.BatchSize];
        _parameters = Online.parameters().ToArray();
    }

    public TorchSharp.Modules.OptimizerHelper Optimizer => _optimizer;

    /// <summary>|δ| of the last update, one per batch row (for priority updates).</summary>
    public ReadOnlySpan<float> LastTdErrors => _tdErrors.AsSpan(0, _lastSize);

    /// <summary>Teachers whose policy the student's softmax(Q/τ) is distilled towards on the replayed states (kickstarting); null: none.</summary>
    public Kickstarting.Kickstarter? Kickstarter { get; init; }

    /// <summary>The kickstarting terms of the last update (null without teachers).</summary>
    public Kickstarting.KickstartTerms? LastKickstart { get; private set; }

    /// <summary>The algorithm name a non-finite loss is reported under ("dqn"; Ape-X's learner is this class too).</summary>
    public string Algo { get; init; } = "dqn";

    /// <summary>
    /// One gradient step; returns the loss and the mean Q of the batch. A non-finite loss throws
    /// <see cref="Training.NonFiniteLossException"/> naming the term before the gradient step, so the networks stay finite.
    /// </summary>
    public (double Loss, double MeanQ) Update(ReplayBatch batch, long envSteps = 0)
    {
        int b = batch.Size;
        if (b > _q.Length) throw new ArgumentException($"batch of {b} rows is larger than the configured batch_size {_q.Length}");
        for (int i = 0; i < b; i++) _actionIndex[i] = (long)batch.Actions[i];
        using var scope = NewDisposeScope();
        var obs = BatchTensors.Rows(batch.Obs, b, _obsSize);
        var next = BatchTensors.Rows(batch.NextObs, b, _obsSize);
        var actions = torch.tensor(_actionIndex, new long[] { _actionIndex.Length, 1 });
        if (b < _actionIndex.Length) actions = actions.narrow(0, 0, b);
        var rewards = BatchTensors.Rows(batch.Rewards, b, 1).view(b);
        var discounts = BatchTensors.Rows(batch.Discounts, b, 1).view(b);

        Tensor y = Targets(_cfg, Online, Target, next, rewards, discounts);

        var qAll = Online.forward(obs);
        var q = qAll.gather(1, actions).squeeze(1);

        // TD errors (for priorities), the loss and the mean Q for logging come from one copy of q and y (taken before the
        // step, which leaves them unchanged), instead of a chain of small tensor ops and two synchronising item() calls;
        // the loss is checked here, before it can reach the parameters.
        q.detach().data<float>().CopyTo(_q);
        y.data<float>().CopyTo(_y);
        double lossSum = 0, qSum = 0;
        for (int i = 0; i < b; i++)
        {
            float d = _q[i] - _y[i], ad = MathF.Abs(d);
            _tdErrors[i] = ad;
            double l = _cfg.Loss == TdLoss.Mse ? 0.5 * d * d
                : ad <= _cfg.HuberDelta ? 0.5 * d * d : _cfg.HuberDelta * (ad - 0.5 * _cfg.HuberDelta);
            double w = batch.HasWeights ? batch.Weights[i] : 1.0;
            lossSum += w * l;
            qSum += _q[i];
        }
        Training.NonFiniteLossException.ThrowIfAny(Algo, envSteps, Updates + 1, ("td_loss", lossSum / b));

        var perItem = _cfg.Loss == TdLoss.Huber
            ? nn.functional.huber_loss(q, y, _cfg.HuberDelta, nn.Reduction.None)
            : (q - y).Squared().mul(Scalars.Of(0.5));
        var loss = batch.HasWeights ? (perItem * BatchTensors.Rows(batch.Weights, b, 1).view(b)).mean() : perItem.mean();
        if (Kickstarter is { } kick)
        {
            (loss, var terms) = kick.Apply(loss, obs, new Categorical(qAll.div(Scalars.Of(_cfg.Kickstart.Temperature))), envSteps);
            Training.NonFiniteLossException.ThrowIfAny(Algo, envSteps, Updates + 1, ("kickstart_loss", terms.Distill));
            LastKickstart = terms;
        }

        _optimizer.zero_grad();
        loss.backward();
        if (_cfg.MaxGradNorm > 0) nn.utils.clip_grad_norm_(_parameters, _cfg.MaxGradNorm);
        _optimizer.step();
        Updates++;
        if (Updates % _cfg.TargetUpdateInterval == 0) UpdateTarget();
        _lastSize = b;
        return (lossSum / b, qSum / b);
    }

    /// <summary>
    /// The TD targets y of the update (double Q or max, value rescaling as configured), without gradient, for
    /// [B, obs] next observations and [B] rewards and discounts.
    /// </summary>
    public static Tensor Targets(DqnConfig cfg, QNetwork online, QNetwork target, Tensor next, Tensor rewards, Tensor discounts)
    {
        using var _ = no_grad();
        var qNextTarget = target.forward(next);
        var bootstrap = cfg.DoubleQ
            ? qNextTarget.gather(1, online.forward(next).argmax(1, keepdim: true)).squeeze(1)
            : qNextTarget.max(1).values;
        return cfg.ValueRescaling
            ? ValueRescaling.H(rewards.Plus(discounts * ValueRescaling.HInverse(bootstrap, cfg.RescalingEps)), cfg.RescalingEps)
            : rewards.addcmul(discounts, bootstrap, Scalars.One);
    }

    /// <summary>
    /// |δ| = |Q(s)[a] − y| of every row of <paramref name="block"/> under <paramref name="online"/> and
    /// <paramref name="target"/>, with the same targets as <see cref="Update"/>: what an Ape-X actor computes with
    /// its local network copies for the initial priorities of the transitions it sends to replay.
    /// </summary>
    public static void AbsTdErrors(DqnConfig cfg, QNetwork online, QNetwork target, TransitionBlock block, Span<float> into)
    {
        int b = block.Count, o = block.ObsSize;
        if (into.Length < b) throw new ArgumentException($"room for {into.Length} TD errors, the block has {b} rows");
        if (b == 0) return;
        if (block.ActSize != 1) throw new ArgumentException($"DQN transitions hold one action index, the block has {block.ActSize} action floats");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var actions = new long[b];
        for (int i = 0; i < b; i++) actions[i] = (long)block.Actions[i];
        var y = Targets(cfg, online, target, BatchTensors.Rows(block.NextObs, b, o),
            BatchTensors.Rows(block.Rewards, b, 1).view(b), BatchTensors.Rows(block.Discounts, b, 1).view(b));
        var q = online.forward(BatchTensors.Rows(block.Obs, b, o)).gather(1, torch.tensor(actions, new long[] { b, 1 })).squeeze(1);
        (q - y).abs().data<float>().CopyTo(into[..b]);
    }

    /// <summary>Hard copy (τ = 1) or Polyak blend θ⁻ ← τθ + (1 − τ)θ⁻.</summary>
    public void UpdateTarget()
    {
        using var _ = no_grad();
        if (_cfg.Tau >= 1.0)
        {
            Target.load_state_dict(Online.state_dict());
            return;
        }
        using var scope = NewDisposeScope();
        foreach (var (t, o) in Target.parameters().Zip(Online.parameters()))
            t.mul_(Scalars.Of(1 - _cfg.Tau)).add_(o, Scalars.Of(_cfg.Tau));
    }

    internal void SetUpdates(long n) => Updates = n;

    public void Dispose()
    {
        Kickstarter?.Dispose();
        _optimizer.Dispose();
        Online.Dispose();
        Target.Dispose();
    }
}
