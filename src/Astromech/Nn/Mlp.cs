using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>A torso of fully connected layers with ReLU after each: in → h1 → … → hk.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Sequential _layers;

    public int InputSize { get; }
    public int OutputSize { get; }

    public Mlp(int inputSize, IReadOnlyList<int> hidden, string name = "mlp") : base(name)
    {
        if (hidden.Count == 0) throw new ArgumentException("an Mlp torso needs at least one hidden layer");
        InputSize = inputSize;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int prev = inputSize;
        for (int i = 0; i < hidden.Count; i++)
        {
            if (hidden[i] <= 0) throw new ArgumentException($"hidden layer {i} has size {hidden[i]}");
            layers.Add(($"fc{i}", Linear(prev, hidden[i])));
            layers.Add(($"relu{i}", ReLU()));
            prev = hidden[i];
        }
        OutputSize = prev;
        _layers = Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _layers.forward(x);
}
