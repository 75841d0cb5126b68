using Astromech.Envs;
using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Export;

/// <summary>
/// The library's network modules written as ONNX nodes (opset 17), each the computation its TorchSharp forward does on
/// rows [batch, features]: Linear → Gemm (transB, weights as stored [out, in]); the MLP torso's ReLU/Tanh; MinAtar's
/// conv torso → Reshape to [batch, C, H, W], Conv (3×3, stride 1, no padding), Relu, Flatten, its MLP; the dueling head's
/// V + A − mean A; LSTM and GRU cores (one layer, one step) with their gates reordered from PyTorch's layout to ONNX's.
/// </summary>
public static class OnnxLayers
{
    /// <summary>A parameter's values, row-major float32.</summary>
    public static float[] Values(Tensor t)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    public static string Linear(OnnxGraph g, string x, TorchSharp.Modules.Linear fc, string hint = "fc")
    {
        var w = fc.weight ?? throw new ArgumentException("a linear layer without weights cannot be exported");
        var inputs = new List<string> { x, g.Constant($"{hint}_weight", Values(w), w.shape) };
        if (fc.bias is { } b) inputs.Add(g.Constant($"{hint}_bias", Values(b), b.shape));
        return g.Node("Gemm", inputs, OnnxAttribute.Of("transB", 1L));
    }

    public static string Mlp(OnnxGraph g, string x, Mlp mlp, string hint)
    {
        for (int i = 0; i < mlp.Linears.Count; i++)
        {
            x = Linear(g, x, mlp.Linears[i], $"{hint}_fc{i}");
            x = g.Node(mlp.Activation == Activation.ReLU ? "Relu" : "Tanh", new[] { x });
        }
        return x;
    }

    public static string Conv(OnnxGraph g, string x, ConvTorso torso, string hint)
    {
        var image = g.Node("Reshape", new[] { x, g.Ints($"{hint}_image_shape", -1, torso.Channels, torso.Height, torso.Width) });
        var w = torso.Conv.weight!;
        long k0 = w.shape[2], k1 = w.shape[3];
        var inputs = new List<string> { image, g.Constant($"{hint}_conv_weight", Values(w), w.shape) };
        if (torso.Conv.bias is { } b) inputs.Add(g.Constant($"{hint}_conv_bias", Values(b), b.shape));
        // ConvTorso builds Conv2d(channels, filters, kernel, stride: 1): no padding, no dilation, one group.
        var y = g.Node("Conv", inputs, OnnxAttribute.List("kernel_shape", k0, k1), OnnxAttribute.List("strides", 1L, 1L),
            OnnxAttribute.List("pads", 0L, 0L, 0L, 0L));
        y = g.Node("Relu", new[] { y });
        y = g.Node("Flatten", new[] { y }, OnnxAttribute.Of("axis", 1L));
        return Mlp(g, y, torso.Fc, $"{hint}_fc");
    }

    /// <summary>Any torso the library builds (<see cref="Torsos"/>): an MLP or MinAtar's conv torso.</summary>
    public static string Torso(OnnxGraph g, string x, Module<Tensor, Tensor> torso, string hint = "torso") => torso switch
    {
        Mlp m => Mlp(g, x, m, hint),
        ConvTorso c => Conv(g, x, c, hint),
        _ => throw new NotSupportedException($"the ONNX exporter does not know the torso {torso.GetType().Name}"),
    };

    /// <summary>Q(s, ·) from features: a linear head or a dueling head.</summary>
    public static string QHead(OnnxGraph g, string h, Module<Tensor, Tensor> head) => head switch
    {
        TorchSharp.Modules.Linear l => Linear(g, h, l, "q_head"),
        DuelingHead d => Dueling(g, h, d),
        _ => throw new NotSupportedException($"the ONNX exporter does not know the Q head {head.GetType().Name}"),
    };

    /// <summary>Q = V + A − mean_a A (the order of <see cref="DuelingHead.forward"/>).</summary>
    public static string Dueling(OnnxGraph g, string h, DuelingHead head)
    {
        var v = Linear(g, h, head.ValueLayer, "dueling_value");
        var a = Linear(g, h, head.AdvantageLayer, "dueling_advantage");
        // Opset 17's ReduceMean takes its axes as an attribute (an input from opset 18 on).
        var mean = g.Node("ReduceMean", new[] { a }, OnnxAttribute.List("axes", -1L), OnnxAttribute.Of("keepdims", 1L));
        return g.Node("Sub", new[] { g.Node("Add", new[] { v, a }), mean });
    }

    /// <summary>
    /// One step of a one-layer LSTM: x [batch, in], h and c [batch, hidden] → (h', c'). PyTorch stacks the gates as
    /// input, forget, cell, output; ONNX as input, output, forget, cell.
    /// </summary>
    public static (string H, string C) LstmStep(OnnxGraph g, string x, string h, string c, TorchSharp.Modules.LSTM lstm, int hidden, string hint)
    {
        var (w, r, b) = FusedWeights(lstm, 4, hidden, new[] { 0, 3, 1, 2 }, hint);
        var outs = g.Node("LSTM", new[] { Unsqueeze0(g, x), w(g), r(g), b(g), "", Unsqueeze0(g, h), Unsqueeze0(g, c) }, 3,
            OnnxAttribute.Of("hidden_size", (long)hidden));
        return (Squeeze0(g, outs[1]), Squeeze0(g, outs[2]));
    }

    /// <summary>
    /// One step of a one-layer GRU: x [batch, in], h [batch, hidden] → h'. PyTorch stacks the gates as reset, update, new
    /// and applies the reset gate after the hidden linear layer: ONNX's z, r, h order with linear_before_reset = 1.
    /// </summary>
    public static string GruStep(OnnxGraph g, string x, string h, TorchSharp.Modules.GRU gru, int hidden, string hint)
    {
        var (w, r, b) = FusedWeights(gru, 3, hidden, new[] { 1, 0, 2 }, hint);
        var outs = g.Node("GRU", new[] { Unsqueeze0(g, x), w(g), r(g), b(g), "", Unsqueeze0(g, h) }, 2,
            OnnxAttribute.Of("hidden_size", (long)hidden), OnnxAttribute.Of("linear_before_reset", 1L));
        return Squeeze0(g, outs[1]);
    }

    /// <summary>One step of a <see cref="RecurrentCore"/> on its flat state ([h | c] or h): (output, next flat state).</summary>
    public static (string Output, string State) CoreStep(OnnxGraph g, string x, string state, RecurrentCore core, string hint)
    {
        int hsz = core.HiddenSize;
        if (core.Lstm is { } lstm)
        {
            var h = Columns(g, state, 0, hsz);
            var c = Columns(g, state, hsz, hsz);
            var (h2, c2) = LstmStep(g, x, h, c, lstm, hsz, hint);
            return (h2, g.Node("Concat", new[] { h2, c2 }, OnnxAttribute.Of("axis", 1L)));
        }
        var hg = GruStep(g, x, state, core.Gru!, hsz, hint);
        return (hg, hg);
    }

    /// <summary>Columns [start, start + count) of a [batch, n] value.</summary>
    public static string Columns(OnnxGraph g, string x, long start, long count) =>
        g.Node("Slice", new[] { x, g.Ints("slice_start", start), g.Ints("slice_end", start + count), g.Ints("slice_axis", 1) });

    public static string Unsqueeze0(OnnxGraph g, string x) => g.Node("Unsqueeze", new[] { x, g.Ints("axis0", 0) });
    public static string Squeeze0(OnnxGraph g, string x) => g.Node("Squeeze", new[] { x, g.Ints("axis0", 0) });

    /// <summary>
    /// clip((x − mean) / √(var + 1e-8), ±10): <see cref="RunningMeanStd.Normalize"/> with its defaults, the observation
    /// normalization an on-policy agent applies before its network.
    /// </summary>
    public static string Normalize(OnnxGraph g, string x, RunningMeanStd stats)
    {
        var mean = stats.Mean.Select(m => (float)m).ToArray();
        var std = stats.Var.Select(v => (float)Math.Sqrt(v + 1e-8)).ToArray();
        var z = g.Node("Div", new[] { g.Node("Sub", new[] { x, g.Constant("obs_mean", mean, mean.Length) }), g.Constant("obs_std", std, std.Length) });
        return g.Node("Clip", new[] { z, g.Scalar("obs_clip_low", -10f), g.Scalar("obs_clip_high", 10f) });
    }

    // The input-to-hidden W [1, G·H, in], hidden-to-hidden R [1, G·H, H] and bias B [1, 2·G·H] of a one-layer fused
    // LSTM/GRU, gate blocks reordered so ONNX block k is PyTorch block order[k].
    private static (Func<OnnxGraph, string> W, Func<OnnxGraph, string> R, Func<OnnxGraph, string> B) FusedWeights(
        Module module, int gates, int hidden, int[] order, string hint)
    {
        var p = module.named_parameters().ToDictionary(np => np.name, np => np.parameter);
        foreach (var name in p.Keys)
            if (name is not ("weight_ih_l0" or "weight_hh_l0" or "bias_ih_l0" or "bias_hh_l0"))
                throw new NotSupportedException($"the ONNX exporter handles one-layer, one-direction recurrent cores; this one has the parameter '{name}'");
        var wih = p["weight_ih_l0"];
        long inSize = wih.shape[1];
        float[] wi = Reorder(Values(wih), gates, hidden * (int)inSize, order);
        float[] wh = Reorder(Values(p["weight_hh_l0"]), gates, hidden * hidden, order);
        float[] bi = p.TryGetValue("bias_ih_l0", out var bih) ? Reorder(Values(bih), gates, hidden, order) : new float[gates * hidden];
        float[] bh = p.TryGetValue("bias_hh_l0", out var bhh) ? Reorder(Values(bhh), gates, hidden, order) : new float[gates * hidden];
        var bias = bi.Concat(bh).ToArray();
        return (g => g.Constant($"{hint}_W", wi, 1, gates * hidden, inSize),
            g => g.Constant($"{hint}_R", wh, 1, gates * hidden, hidden),
            g => g.Constant($"{hint}_B", bias, 1, 2 * gates * hidden));
    }

    private static float[] Reorder(float[] data, int blocks, int blockSize, int[] order)
    {
        if (data.Length != blocks * blockSize) throw new ArgumentException($"{data.Length} recurrent weights do not make {blocks} gate blocks of {blockSize}");
        var outData = new float[data.Length];
        for (int k = 0; k < blocks; k++) Array.Copy(data, order[k] * blockSize, outData, k * blockSize, blockSize);
        return outData;
    }
}
