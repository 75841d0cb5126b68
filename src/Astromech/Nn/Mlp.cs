using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>The nonlinearity after each hidden layer.</summary>
public enum Activation { ReLU, Tanh }

/// <summary>A torso of fully connected layers with a nonlinearity (ReLU by default) after each: in → h1 → … → hk.</summary>
public sealed class Mlp : Module<Tensor, Tensor>, IFunctionalModule
{
    private readonly TorchSharp.Modules.Sequential _layers;

    public int InputSize { get; }
    public int OutputSize { get; }
    /// <summary>The nonlinearity after each linear layer.</summary>
    public Activation Activation { get; }

    /// <summary>The linear layers, in order (for custom initialization).</summary>
    public IReadOnlyList<TorchSharp.Modules.Linear> Linears { get; }

    public Mlp(int inputSize, IReadOnlyList<int> hidden, string name = "mlp", Activation activation = Activation.ReLU) : base(name)
    {
        if (hidden.Count == 0) throw new ArgumentException("an Mlp torso needs at least one hidden layer");
        InputSize = inputSize;
        Activation = activation;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var linears = new List<TorchSharp.Modules.Linear>();
        int prev = inputSize;
        for (int i = 0; i < hidden.Count; i++)
        {
            if (hidden[i] <= 0) throw new ArgumentException($"hidden layer {i} has size {hidden[i]}");
            var fc = Linear(prev, hidden[i]);
            linears.Add(fc);
            layers.Add(($"fc{i}", fc));
            // The ReLU keeps its old name so checkpoints written before activations were selectable still load.
            layers.Add(activation == Activation.ReLU ? ($"relu{i}", ReLU()) : ($"tanh{i}", Tanh()));
            prev = hidden[i];
        }
        OutputSize = prev;
        Linears = linears;
        _layers = Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _layers.forward(x);

    /// <summary>The same layers with the weights in <paramref name="parameters"/> (see <see cref="Functional"/>).</summary>
    public Tensor FunctionalForward(Tensor x, FunctionalParameters parameters) =>
        Functional.Apply(_layers, x, parameters.Child(this, _layers));
}
