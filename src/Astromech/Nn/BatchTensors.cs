using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Nn;

/// <summary>Tensors over the arrays of a replay batch.</summary>
public static class BatchTensors
{
    /// <summary>A [rows, width] tensor over the first rows of a batch array (no managed copy when the batch is full).</summary>
    public static Tensor Rows(float[] data, int rows, int width) =>
        data.Length == rows * width
            ? torch.tensor(data, new long[] { rows, width })
            : torch.tensor(data.AsSpan(0, rows * width).ToArray(), new long[] { rows, width });
}
