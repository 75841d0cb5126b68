using Astromech.Agents.Dqn;
using Astromech.Nn;
using Astromech.Replay;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Bench;

/// <summary>
/// The DQN learner's update against a bare TorchSharp forward + backward + Adam step of the same network
/// on the same batch, side by side in one run (target: DQN update ≤ 1.3× the bare step).
/// The bare step is the floor: inputs already tensors, a loss against fixed targets, no target network,
/// no gradient clipping. The DQN update adds turning the sampled batch into tensors, the target network's
/// forward pass (and the online one on s' with double Q), the TD errors for priorities, and clipping.
/// </summary>
[MemoryDiagnoser]
public class LearnerOverheadBench
{
    private const int ObsSize = 4, Actions = 2;

    [Params(64, 256)] public int Batch;
    [Params(false, true)] public bool DoubleQ;

    private DqnLearner _learner = null!;
    private ReplayBatch _batch = null!;
    private QNetwork _bare = null!;
    private TorchSharp.Modules.OptimizerHelper _bareOpt = null!;
    private Tensor _x = null!, _a = null!, _y = null!, _next = null!, _r = null!;
    private QNetwork _bareTarget = null!;
    private TorchSharp.Modules.Parameter[] _bareParams = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        torch.manual_seed(0);
        var cfg = new DqnConfig { BatchSize = Batch, Hidden = new[] { 256, 256 }, LearningRate = 1e-3, DoubleQ = DoubleQ };
        _learner = new DqnLearner(cfg, ObsSize, Actions);
        _batch = new ReplayBatch(Batch, ObsSize, 1);
        var rng = new Random(0);
        for (int i = 0; i < Batch * ObsSize; i++) { _batch.Obs[i] = (float)rng.NextDouble(); _batch.NextObs[i] = (float)rng.NextDouble(); }
        for (int i = 0; i < Batch; i++) { _batch.Actions[i] = rng.Next(Actions); _batch.Rewards[i] = 1; _batch.Discounts[i] = 0.99f; }
        _batch.Size = Batch;

        _bare = new QNetwork(ObsSize, Actions, cfg.Hidden, dueling: false);
        _bareOpt = optim.Adam(_bare.parameters(), 1e-3);
        _x = torch.rand(Batch, ObsSize);
        _a = torch.randint(0, Actions, new long[] { Batch, 1 });
        _y = torch.rand(Batch);
        _next = torch.rand(Batch, ObsSize);
        _r = torch.ones(Batch);
        _bareTarget = new QNetwork(ObsSize, Actions, cfg.Hidden, dueling: false);
        _bareParams = _bare.parameters().ToArray();
    }

    [Benchmark(Baseline = true)]
    public float BareForwardBackwardAdam()
    {
        using var scope = NewDisposeScope();
        var q = _bare.forward(_x).gather(1, _a).squeeze(1);
        var loss = nn.functional.huber_loss(q, _y, 1.0, nn.Reduction.Mean);
        _bareOpt.zero_grad();
        loss.backward();
        _bareOpt.step();
        return loss.item<float>();
    }

    /// <summary>The same DQN step written by hand in raw TorchSharp on tensors that already exist: target
    /// forward (and online forward on s' with double Q), Huber loss, backward, clipping, Adam. What the DQN
    /// update must compute anyway, so the ratio to it is the library's own overhead.</summary>
    [Benchmark]
    public float HandWrittenDqnStep()
    {
        using var scope = NewDisposeScope();
        Tensor y;
        using (no_grad())
        {
            var qt = _bareTarget.forward(_next);
            var boot = DoubleQ ? qt.gather(1, _bare.forward(_next).argmax(1, keepdim: true)).squeeze(1) : qt.max(1).values;
            y = _r + 0.99f * boot;
        }
        var q = _bare.forward(_x).gather(1, _a).squeeze(1);
        var loss = nn.functional.huber_loss(q, y, 1.0, nn.Reduction.Mean);
        _bareOpt.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(_bareParams, 10);
        _bareOpt.step();
        return loss.item<float>();
    }

    [Benchmark]
    public double DqnLearnerUpdate() => _learner.Update(_batch).Loss;

    [GlobalCleanup]
    public void Cleanup()
    {
        _learner.Dispose();
        _bare.Dispose();
        _bareOpt.Dispose();
    }
}
