using Astromech.Nn;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Training.Meta;

/// <summary>Reptile's hyperparameters (Nichol et al. 2018). The defaults are small-run values for regression tasks like the
/// sine family, not the paper's (which trains far longer).</summary>
public sealed record ReptileOptions : IValidatableConfig
{
    /// <summary>Step size of the inner SGD on each task's support loss.</summary>
    [ConfigRange(0, 100, MinExclusive = true)] public double InnerLearningRate { get; init; } = 0.02;
    /// <summary>Inner SGD steps per task (training and evaluation alike).</summary>
    [ConfigRange(1, 100_000)] public int InnerSteps { get; init; } = 5;
    /// <summary>ε: the meta-update moves θ by ε times the mean of (adapted − θ) over the meta-batch.</summary>
    [ConfigRange(0, 1)] public double OuterStepSize { get; init; } = 0.1;

    public IEnumerable<string> Validate() { yield break; }
}

/// <summary>
/// Reptile: adapt a copy of θ to each task with plain SGD on its support loss (no second-order terms, no graph kept across
/// steps), score the query loss before and after, and move θ toward the adapted parameters: θ ← θ + ε·mean(θ̃ − θ). It needs
/// only gradients of the task loss, so it shares <see cref="MetaTaskLoss"/> and the runner with <see cref="MamlLearner"/>.
/// The pending update is cleared by every meta-update, and the runner checkpoints only after one, so the network is all
/// the state a checkpoint needs.
/// </summary>
public sealed class ReptileLearner : IMetaLearner
{
    private readonly nn.Module<Tensor, Tensor> _net;
    private readonly MetaTaskLoss _loss;
    private readonly ReptileOptions _o;
    private Dictionary<string, Tensor>? _pending; // Σ over the meta-batch of (θ̃ − θ)

    public ReptileLearner(nn.Module<Tensor, Tensor> net, MetaTaskLoss loss, ReptileOptions options)
    {
        _net = net ?? throw new ArgumentNullException(nameof(net));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        ConfigBinder.Validate(options);
        _o = options;
    }

    public nn.Module<Tensor, Tensor> Network => _net;
    public bool HigherIsBetter => false;

    public MetaTaskResult Adapt(MetaTask task, bool accumulate)
    {
        using var scope = NewDisposeScope();
        var theta = Functional.ParametersOf(_net);
        Func<Tensor, Tensor> At(IReadOnlyDictionary<string, Tensor> p) => x => Functional.Forward(_net, x, p);
        double before;
        using (no_grad()) before = MetaTaskLosses.Value(_loss(task, MetaSplit.Query, At(theta)), task);
        var adapted = Functional.CloneParameters(_net);
        for (int k = 0; k < _o.InnerSteps; k++)
        {
            var step = Functional.SgdStep(adapted, MetaTaskLosses.Checked(_loss(task, MetaSplit.Support, At(adapted)), task), _o.InnerLearningRate, createGraph: false);
            adapted = step.ToDictionary(kv => kv.Key, kv => kv.Value.detach().requires_grad_(true));
        }
        double after;
        using (no_grad()) after = MetaTaskLosses.Value(_loss(task, MetaSplit.Query, At(adapted)), task);
        if (accumulate)
            using (no_grad())
            {
                if (_pending is null)
                {
                    _pending = new Dictionary<string, Tensor>();
                    foreach (var (name, p) in theta) _pending[name] = torch.zeros_like(p).DetachFromDisposeScope();
                }
                foreach (var (name, p) in theta) _pending[name].add_(adapted[name] - p, Scalars.One);
            }
        return new MetaTaskResult(before, after);
    }

    public void MetaUpdate(int taskCount)
    {
        if (taskCount < 1) throw new ArgumentOutOfRangeException(nameof(taskCount), taskCount, "a meta-update needs at least one task");
        if (_pending is null) throw new InvalidOperationException("Reptile's meta-update came before any training task was adapted");
        using var scope = NewDisposeScope();
        using var step = (_o.OuterStepSize / taskCount).ToScalar();
        using (no_grad())
            foreach (var (name, p) in Functional.ParametersOf(_net)) p.add_(_pending[name], step);
        foreach (var t in _pending.Values) t.Dispose();
        _pending = null;
    }

    public void Save(Checkpoint c) => State.Save(c);

    public void Load(Checkpoint c) => State.Load(c);

    private AgentState? _state;

    /// <summary>The checkpoint state, declared once (<see cref="AgentState"/>); every option must match on load, since a
    /// resumed meta-run under other options would not be the run it continues.</summary>
    private AgentState State => _state ??= new AgentState("reptile")
        .Config(_o, ConfigBinder.KeysOf(_o.GetType()).ToArray())
        .Module("network", _net);
}
