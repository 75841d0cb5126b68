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
    private readonly float[] _tdErrors;

    public QNetwork Online { get; }
    public QNetwork Target { get; }
    public long Updates { get; private set; }

    public DqnLearner(DqnConfig cfg, int obsSize, int numActions)
    {
        _cfg = cfg;
        _obsSize = obsSize;
        Online = new QNetwork(obsSize, numActions, cfg.Hidden, cfg.Dueling);
        Target = new QNetwork(obsSize, numActions, cfg.Hidden, cfg.Dueling);
        Target.load_state_dict(Online.state_dict());
        foreach (var p in Target.parameters()) p.requires_grad = false;
        Target.eval();
        _optimizer = optim.Adam(Online.parameters(), cfg.LearningRate);
        _tdErrors = new float[cfg.BatchSize];
    }

    public TorchSharp.Modules.OptimizerHelper Optimizer => _optimizer;

    /// <summary>|δ| of the last update, one per batch row (for priority updates).</summary>
    public ReadOnlySpan<float> LastTdErrors => _tdErrors;

    /// <summary>One gradient step; returns the loss and the mean Q of the batch.</summary>
    public (double Loss, double MeanQ) Update(ReplayBatch batch)
    {
        int b = batch.Size;
        using var scope = NewDisposeScope();
        var obs = torch.tensor(batch.Obs.AsSpan(0, b * _obsSize).ToArray(), new long[] { b, _obsSize });
        var next = torch.tensor(batch.NextObs.AsSpan(0, b * _obsSize).ToArray(), new long[] { b, _obsSize });
        var actions = torch.tensor(batch.Actions.AsSpan(0, b).ToArray()).to_type(ScalarType.Int64).unsqueeze(1);
        var rewards = torch.tensor(batch.Rewards.AsSpan(0, b).ToArray());
        var discounts = torch.tensor(batch.Discounts.AsSpan(0, b).ToArray());

        Tensor y;
        using (no_grad())
        {
            var qNextTarget = Target.forward(next);
            var aStar = _cfg.DoubleQ
                ? Online.forward(next).argmax(1, keepdim: true)
                : qNextTarget.argmax(1, keepdim: true);
            var bootstrap = qNextTarget.gather(1, aStar).squeeze(1);
            y = _cfg.ValueRescaling
                ? ValueRescaling.H(rewards + discounts * ValueRescaling.HInverse(bootstrap, _cfg.RescalingEps), _cfg.RescalingEps)
                : rewards + discounts * bootstrap;
        }

        var q = Online.forward(obs).gather(1, actions).squeeze(1);
        var td = q - y;
        var perItem = _cfg.Loss == TdLoss.Huber
            ? nn.functional.huber_loss(q, y, _cfg.HuberDelta, nn.Reduction.None)
            : td.pow(2) * 0.5;
        var loss = batch.HasWeights
            ? (perItem * torch.tensor(batch.Weights.AsSpan(0, b).ToArray())).mean()
            : perItem.mean();

        _optimizer.zero_grad();
        loss.backward();
        if (_cfg.MaxGradNorm > 0) nn.utils.clip_grad_norm_(Online.parameters(), _cfg.MaxGradNorm);
        _optimizer.step();
        Updates++;

        td.detach().abs().data<float>().CopyTo(_tdErrors);
        if (Updates % _cfg.TargetUpdateInterval == 0) UpdateTarget();
        return (loss.item<float>(), q.detach().mean().item<float>());
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
            t.mul_(1 - _cfg.Tau).add_(o, alpha: _cfg.Tau);
    }

    internal void SetUpdates(long n) => Updates = n;

    public void Dispose()
    {
        _optimizer.Dispose();
        Online.Dispose();
        Target.Dispose();
    }
}
