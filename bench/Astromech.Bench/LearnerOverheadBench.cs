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
    private optim.Optimizer _bareOpt = null!;
    private Tensor _x = null!, _a = null!, _y = null!;

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
