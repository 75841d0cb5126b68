using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>
/// Q(s, ·) over a discrete action set: a torso followed by either a plain linear head or a dueling head
/// (Wang et al. 2016): Q = V + A − mean_a A, the mean-subtracted form the paper found most stable.
/// </summary>
public sealed class QNetwork : Module<Tensor, Tensor>, IFunctionalModule
{
    private readonly Module<Tensor, Tensor> _torso;
    private readonly Module<Tensor, Tensor> _head;

    public int NumActions { get; }
    public bool Dueling { get; }
    /// <summary>The torso (<see cref="Mlp"/> or <see cref="ConvTorso"/>) and the head (a linear layer or a <see cref="DuelingHead"/>), for the ONNX exporter.</summary>
    public Module<Tensor, Tensor> Torso => _torso;
    public Module<Tensor, Tensor> Head => _head;

    /// <summary>An MLP torso over flat observations of <paramref name="obsSize"/> floats.</summary>
    public QNetwork(int obsSize, int numActions, IReadOnlyList<int> hidden, bool dueling)
        : this(new[] { obsSize }, numActions, hidden, dueling, TorsoKind.Mlp) { }

    /// <summary>The torso <paramref name="torso"/> resolves to for <paramref name="obsShape"/> (see <see cref="Torsos"/>).</summary>
    public QNetwork(IReadOnlyList<int> obsShape, int numActions, IReadOnlyList<int> hidden, bool dueling, TorsoKind torso, int convFilters = 16)
        : base("q_network")
    {
        NumActions = numActions;
        Dueling = dueling;
        var (t, features) = Torsos.Create(torso, obsShape, hidden, convFilters);
        _torso = t;
        _head = dueling ? new DuelingHead(features, numActions) : Linear(features, numActions);
        RegisterComponents();
    }

    public override Tensor forward(Tensor obs) => _head.forward(_torso.forward(obs));

    /// <summary>Q(s, ·) with the weights in <paramref name="parameters"/> (MLP torsos only; see <see cref="Functional"/>).</summary>
    public Tensor FunctionalForward(Tensor obs, FunctionalParameters parameters) =>
        Functional.Apply(_head, Functional.Apply(_torso, obs, parameters.Child(this, _torso)), parameters.Child(this, _head));
}

/// <summary>Splits a feature vector into a state value and action advantages and recombines them into Q-values.</summary>
public sealed class DuelingHead : Module<Tensor, Tensor>, IFunctionalModule
{
    private readonly TorchSharp.Modules.Linear _value;
    private readonly TorchSharp.Modules.Linear _advantage;

    /// <summary>The V(s) and A(s, ·) layers (for the ONNX exporter).</summary>
    public TorchSharp.Modules.Linear ValueLayer => _value;
    public TorchSharp.Modules.Linear AdvantageLayer => _advantage;

    public DuelingHead(int features, int numActions) : base("dueling_head")
    {
        _value = Linear(features, 1);
        _advantage = Linear(features, numActions);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        using var scope = NewDisposeScope();
        var v = _value.forward(h);
        var a = _advantage.forward(h);
        return (v.Plus(a) - a.mean(new long[] { -1 }, keepdim: true)).MoveToOuterDisposeScope();
    }

    /// <summary>The same combination with the weights in <paramref name="parameters"/>.</summary>
    public Tensor FunctionalForward(Tensor h, FunctionalParameters parameters)
    {
        using var scope = NewDisposeScope();
        var v = Functional.Apply(_value, h, parameters.Child(this, _value));
        var a = Functional.Apply(_advantage, h, parameters.Child(this, _advantage));
        return (v.Plus(a) - a.mean(new long[] { -1 }, keepdim: true)).MoveToOuterDisposeScope();
    }
}
