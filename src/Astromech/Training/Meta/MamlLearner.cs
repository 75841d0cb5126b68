using System.Text.Json.Nodes;
using Astromech.Nn;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Training.Meta;

/// <summary>Which of a task's data sets a loss is asked for: the inner loop adapts on the support set, the outer loss and the
/// before/after scores use the query set.</summary>
public enum MetaSplit { Support, Query }

/// <summary>
/// A task's loss for a model: <paramref name="model"/> maps a batch of inputs to outputs with whichever parameters the learner is
/// evaluating (the meta-parameters or adapted ones); the loss must be a scalar and must draw the same data for the same task
/// and split every time (derive it from <see cref="MetaTask.Seed"/>).
/// </summary>
public delegate Tensor MetaTaskLoss(MetaTask task, MetaSplit split, Func<Tensor, Tensor> model);

/// <summary>The checks every meta-learner puts a task loss through: a scalar, and (when read) a finite one.</summary>
internal static class MetaTaskLosses
{
    public static Tensor Checked(Tensor loss, MetaTask task) => loss.numel() == 1
        ? loss
        : throw new InvalidOperationException($"the task loss for task {task.Index} of iteration {task.Iteration} has shape [{string.Join(", ", loss.shape)}]; it must be a scalar");

    public static double Value(Tensor loss, MetaTask task)
    {
        double v = Checked(loss, task).to_type(ScalarType.Float64).item<double>();
        return double.IsFinite(v) ? v : throw new InvalidOperationException($"the task loss for task {task.Index} of iteration {task.Iteration} is {v}");
    }
}

/// <summary>MAML's hyperparameters (Finn et al. 2017; defaults are the paper's sine-regression ones: α = 0.01, one inner step,
/// Adam with β = 0.001 for the outer step).</summary>
public sealed record MamlOptions : IValidatableConfig
{
    /// <summary>α, the inner SGD step size.</summary>
    [ConfigRange(0, 100, MinExclusive = true)] public double InnerLearningRate { get; init; } = 0.01;
    /// <summary>Inner gradient steps per task (training and evaluation alike).</summary>
    [ConfigRange(1, 1000)] public int InnerSteps { get; init; } = 1;
    /// <summary>β, Adam's step size for the meta-update.</summary>
    [ConfigRange(0, 10, MinExclusive = true)] public double OuterLearningRate { get; init; } = 0.001;
    /// <summary>First-order MAML: the inner gradients are treated as constants (no second-order term; cheaper).</summary>
    public bool FirstOrder { get; init; } = false;

    public IEnumerable<string> Validate() { yield break; }
}

/// <summary>
/// Model-agnostic meta-learning over any network the functional forward covers (<see cref="Functional"/>): for each task the
/// meta-parameters θ take <see cref="MamlOptions.InnerSteps"/> differentiable SGD steps on the support loss, giving θ'; the
/// task's score is its query loss before (at θ) and after (at θ'); training tasks backpropagate the query loss at θ' into θ
/// (through the inner steps, unless first-order), and the meta-update is one Adam step on the mean over the meta-batch.
/// The loss is supplied per task family (<see cref="MetaTaskLoss"/>): regression, or a policy-gradient surrogate on rollouts.
/// </summary>
public sealed class MamlLearner : IMetaLearner, IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _net;
    private readonly MetaTaskLoss _loss;
    private readonly MamlOptions _o;
    private readonly TorchSharp.Modules.Adam _optimizer;

    public MamlLearner(nn.Module<Tensor, Tensor> net, MetaTaskLoss loss, MamlOptions options)
    {
        _net = net ?? throw new ArgumentNullException(nameof(net));
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        ConfigBinder.Validate(options);
        _o = options;
        _optimizer = Optimizers.NewAdam(net.parameters(), options.OuterLearningRate);
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
        IReadOnlyDictionary<string, Tensor> adapted = theta;
        bool secondOrder = accumulate && !_o.FirstOrder;
        for (int k = 0; k < _o.InnerSteps; k++)
            adapted = Functional.SgdStep(adapted, MetaTaskLosses.Checked(_loss(task, MetaSplit.Support, At(adapted)), task), _o.InnerLearningRate, createGraph: secondOrder);
        if (!accumulate)
        {
            using (no_grad()) return new MetaTaskResult(before, MetaTaskLosses.Value(_loss(task, MetaSplit.Query, At(adapted)), task));
        }
        var query = MetaTaskLosses.Checked(_loss(task, MetaSplit.Query, At(adapted)), task);
        double after = MetaTaskLosses.Value(query, task); // refuses a NaN before it reaches the meta-gradient
        query.backward();
        return new MetaTaskResult(before, after);
    }

    public void MetaUpdate(int taskCount)
    {
        if (taskCount < 1) throw new ArgumentOutOfRangeException(nameof(taskCount), taskCount, "a meta-update needs at least one task");
        using var scope = NewDisposeScope();
        using var mean = (1.0 / taskCount).ToScalar();
        using (no_grad())
            foreach (var p in _net.parameters())
                if (p.grad is { } g) g.mul_(mean);
        _optimizer.step();
        _optimizer.zero_grad();
    }

    public void Save(Checkpoint c) => State.Save(c);

    public void Load(Checkpoint c) => State.Load(c);

    private AgentState? _state;

    /// <summary>The checkpoint state, declared once (<see cref="AgentState"/>); every option must match on load, since a
    /// resumed meta-run under other options would not be the run it continues.</summary>
    private AgentState State => _state ??= new AgentState("maml")
        .Config(_o, ConfigBinder.KeysOf(_o.GetType()).ToArray())
        .Module("network", _net)
        .Optimizer("optimizer", _optimizer);

    public void Dispose() => _optimizer.Dispose();
}
