using Astromech.Agents.Sac;
using Astromech.Nn;
using Astromech.Replay;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Bench;

/// <summary>
/// One SAC gradient step (batch 256, Pendulum's shapes: 3 observation floats, 1 action, net [256, 256]) of
/// <see cref="SacLearner"/> against a minimal SAC update written by hand in raw TorchSharp on tensors that
/// already exist: the same three losses (α, twin critics against the soft target, actor), three Adam steps
/// and the Polyak update. The ratio is the library's own overhead: turning the sampled batch into tensors,
/// the finite checks (one item() per loss) and the statistics it returns.
/// </summary>
[MemoryDiagnoser]
public class SacUpdateBench
{
    private const int ObsSize = 3, ActSize = 1, Batch = 256;
    private static readonly int[] Net = { 256, 256 };

    private SacLearner _learner = null!;
    private ReplayBatch _batch = null!;

    private SquashedGaussianActor _actor = null!;
    private TwinQNetwork _critic = null!, _target = null!;
    private TorchSharp.Modules.Parameter _logAlpha = null!;
    private TorchSharp.Modules.OptimizerHelper _actorOpt = null!, _criticOpt = null!, _alphaOpt = null!;
    private TorchSharp.Modules.Parameter[] _criticParams = null!, _targetParams = null!;
    private Tensor _obs = null!, _act = null!, _rew = null!, _disc = null!, _next = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        torch.manual_seed(0);
        var cfg = new SacConfig { BatchSize = Batch, NetArch = Net };
        _learner = new SacLearner(cfg, ObsSize, ActSize, seed: 0);
        _batch = new ReplayBatch(Batch, ObsSize, ActSize) { Size = Batch };
        var rng = new Random(0);
        for (int i = 0; i < Batch * ObsSize; i++) { _batch.Obs[i] = (float)rng.NextDouble(); _batch.NextObs[i] = (float)rng.NextDouble(); }
        for (int i = 0; i < Batch; i++) { _batch.Actions[i] = (float)(2 * rng.NextDouble() - 1); _batch.Rewards[i] = -1; _batch.Discounts[i] = 0.99f; }

        _actor = new SquashedGaussianActor(ObsSize, ActSize, Net);
        _critic = new TwinQNetwork(ObsSize, ActSize, Net);
        _target = new TwinQNetwork(ObsSize, ActSize, Net);
        _target.load_state_dict(_critic.state_dict());
        foreach (var p in _target.parameters()) p.requires_grad = false;
        _logAlpha = new TorchSharp.Modules.Parameter(torch.zeros(1));
        _actorOpt = optim.Adam(_actor.parameters(), 3e-4);
        _criticOpt = optim.Adam(_critic.parameters(), 3e-4);
        _alphaOpt = optim.Adam(new[] { _logAlpha }, 3e-4);
        _criticParams = _critic.parameters().ToArray();
        _targetParams = _target.parameters().ToArray();
        _obs = torch.tensor(_batch.Obs, new long[] { Batch, ObsSize });
        _next = torch.tensor(_batch.NextObs, new long[] { Batch, ObsSize });
        _act = torch.tensor(_batch.Actions, new long[] { Batch, ActSize });
        _rew = torch.tensor(_batch.Rewards);
        _disc = torch.tensor(_batch.Discounts);
    }

    /// <summary>A minimal SAC update, CleanRL-style, in raw TorchSharp.</summary>
    [Benchmark(Baseline = true)]
    public float HandWrittenSacStep()
    {
        using var scope = NewDisposeScope();
        var (mean, logStd) = _actor.forward(_obs);
        var u = mean + logStd.exp() * torch.randn_like(mean);
        var a = u.tanh();
        var logp = (-0.5 * ((u - mean) / logStd.exp()).square() - logStd - 0.9189385f).sum(1)
                   - (2 * (0.6931472f - u - nn.functional.softplus(-2 * u))).sum(1);
        var alpha = _logAlpha.detach().exp();
        var alphaLoss = -(_logAlpha * (logp.detach() - 1)).mean();
        _alphaOpt.zero_grad(); alphaLoss.backward(); _alphaOpt.step();
        Tensor y;
        using (no_grad())
        {
            var (nm, nls) = _actor.forward(_next);
            var nu = nm + nls.exp() * torch.randn_like(nm);
            var nlogp = (-0.5 * ((nu - nm) / nls.exp()).square() - nls - 0.9189385f).sum(1)
                        - (2 * (0.6931472f - nu - nn.functional.softplus(-2 * nu))).sum(1);
            var (t1, t2) = _target.forward(_next, nu.tanh());
            y = _rew + _disc * (torch.minimum(t1, t2) - alpha * nlogp);
        }
        var (q1, q2) = _critic.forward(_obs, _act);
        var qLoss = 0.5 * (nn.functional.mse_loss(q1, y) + nn.functional.mse_loss(q2, y));
        _criticOpt.zero_grad(); qLoss.backward(); _criticOpt.step();
        var actorLoss = (alpha * logp - _critic.MinQ(_obs, a)).mean();
        _actorOpt.zero_grad(); actorLoss.backward(); _actorOpt.step();
        SacLearner.Polyak(_targetParams, _criticParams, 0.005);
        return actorLoss.item<float>();
    }

    [Benchmark]
    public double SacLearnerUpdate() => _learner.Update(_batch).CriticLoss;

    [GlobalCleanup]
    public void Cleanup()
    {
        _learner.Dispose();
        _actorOpt.Dispose(); _criticOpt.Dispose(); _alphaOpt.Dispose();
        _actor.Dispose(); _critic.Dispose(); _target.Dispose();
    }
}
