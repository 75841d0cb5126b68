using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>
/// The small convolutional torso of MinAtar (Young &amp; Tian 2019): one 3×3 convolution with stride 1 and no padding
/// (16 filters) → ReLU → flatten → fully connected layers (128 units in the paper) each followed by ReLU. Observations
/// arrive flat, row-major C×H×W, as everywhere in the library, with any number of leading batch dimensions
/// ([B, C·H·W] or [T, B, C·H·W]); the torso views them as images and returns [..., <see cref="OutputSize"/>].
/// </summary>
public sealed class ConvTorso : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d _conv;
    private readonly Mlp _fc;
    private readonly long[] _image;

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int InputSize => Channels * Height * Width;
    public int OutputSize => _fc.OutputSize;

    /// <summary>The convolution (read by the ONNX exporter).</summary>
    public TorchSharp.Modules.Conv2d Conv => _conv;
    /// <summary>The fully connected layers after the convolution, as an <see cref="Mlp"/>.</summary>
    public Mlp Fc => _fc;

    /// <summary>The fully connected layers after the convolution, in order (for custom initialization).</summary>
    public IReadOnlyList<TorchSharp.Modules.Linear> Linears => _fc.Linears;

    public ConvTorso(int channels, int height, int width, IReadOnlyList<int> hidden, int filters = 16, int kernel = 3, string name = "torso")
        : base(name)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"a conv torso needs a positive C×H×W observation shape, got {channels}×{height}×{width}");
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "conv_filters must be positive");
        if (kernel <= 0 || kernel > height || kernel > width)
            throw new ArgumentException($"conv kernel {kernel} does not fit an observation of {height}×{width}");
        Channels = channels;
        Height = height;
        Width = width;
        _image = new long[] { -1, channels, height, width };
        _conv = Conv2d(channels, filters, kernel, stride: 1);
        int flat = filters * (height - kernel + 1) * (width - kernel + 1);
        _fc = new Mlp(flat, hidden, "fc");
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.shape[^1] != InputSize)
            throw new ArgumentException($"conv torso expects {Channels}x{Height}x{Width} = {InputSize} features per row, got shape [{string.Join(", ", x.shape)}]");
        using var scope = NewDisposeScope();
        var lead = x.shape[..^1];
        var h = functional.relu(_conv.forward(x.reshape(_image))).flatten(1);
        var y = _fc.forward(h);
        var outShape = new long[lead.Length + 1];
        lead.CopyTo(outShape, 0);
        outShape[^1] = OutputSize;
        return y.reshape(outShape).MoveToOuterDisposeScope();
    }
}

/// <summary>Which torso a network puts in front of its heads.</summary>
public enum TorsoKind
{
    /// <summary>Conv for image-shaped (C×H×W) observations, MLP otherwise.</summary>
    Auto,
    Mlp,
    Conv,
}

/// <summary>Builds the torso a config asks for, for a given observation shape.</summary>
public static class Torsos
{
    /// <summary>The torso kind <paramref name="kind"/> resolves to for <paramref name="obsShape"/>.</summary>
    public static TorsoKind Resolve(TorsoKind kind, IReadOnlyList<int> obsShape) =>
        kind != TorsoKind.Auto ? kind : obsShape.Count == 3 ? TorsoKind.Conv : TorsoKind.Mlp;

    /// <summary>
    /// A torso for observations of shape <paramref name="obsShape"/>: an <see cref="Mlp"/> over the flat observation, or a
    /// <see cref="ConvTorso"/> (which needs a C×H×W shape) whose fully connected layers are <paramref name="hidden"/>.
    /// </summary>
    public static (Module<Tensor, Tensor> Torso, int OutputSize) Create(TorsoKind kind, IReadOnlyList<int> obsShape, IReadOnlyList<int> hidden,
        int convFilters = 16, string name = "torso")
    {
        int flat = 1;
        foreach (var d in obsShape) flat *= d;
        switch (Resolve(kind, obsShape))
        {
            case TorsoKind.Conv:
                if (obsShape.Count != 3)
                    throw new ArgumentException($"torso 'conv' needs a C×H×W observation, but the observation shape is [{string.Join(", ", obsShape)}]");
                var conv = new ConvTorso(obsShape[0], obsShape[1], obsShape[2], hidden, convFilters, name: name);
                return (conv, conv.OutputSize);
            default:
                var mlp = new Mlp(flat, hidden, name);
                return (mlp, mlp.OutputSize);
        }
    }
}
