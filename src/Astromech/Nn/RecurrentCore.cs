using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>The recurrent core of an actor-critic network: none (feedforward), an LSTM or a GRU.</summary>
public enum CoreKind { None, Lstm, Gru }

/// <summary>
/// One LSTM or GRU layer whose state travels as a single flat tensor [B, <see cref="StateSize"/>] ([h | c] for an
/// LSTM, h for a GRU), so an agent can keep it in one float row per env copy and a rollout can store it beside the
/// observations. <see cref="Unroll"/> runs a [T, B] stretch of steps and zeroes a row's state before every step
/// flagged in <c>resets</c> (an episode start inside the stretch); between resets it hands whole segments to the
/// fused <c>nn.LSTM</c>/<c>nn.GRU</c>, so stepping T times and unrolling T steps compute the same recurrence.
/// </summary>
public sealed class RecurrentCore : nn.Module
{
    private readonly TorchSharp.Modules.LSTM? _lstm;
    private readonly TorchSharp.Modules.GRU? _gru;

    public CoreKind Kind { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    /// <summary>Floats of state per row: 2·hidden for an LSTM (h then c), hidden for a GRU.</summary>
    public int StateSize => Kind == CoreKind.Lstm ? 2 * HiddenSize : HiddenSize;
    /// <summary>The fused layer (exactly one is set), for the ONNX exporter.</summary>
    public TorchSharp.Modules.LSTM? Lstm => _lstm;
    public TorchSharp.Modules.GRU? Gru => _gru;

    public RecurrentCore(CoreKind kind, int inputSize, int hiddenSize, string name = "core") : base(name)
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "a recurrent core needs at least one input feature");
        if (hiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, "core_size must be positive");
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        switch (kind)
        {
            case CoreKind.Lstm: _lstm = LSTM(inputSize, hiddenSize); break;
            case CoreKind.Gru: _gru = GRU(inputSize, hiddenSize); break;
            default: throw new ArgumentException($"a recurrent core is an lstm or a gru, not '{kind}'");
        }
        RegisterComponents();
    }

    /// <summary>
    /// Adds <paramref name="bias"/> to the forget-gate rows of an <c>nn.LSTM</c>'s input bias (gates are ordered input,
    /// forget, cell, output in <c>bias_ih</c>, <paramref name="hiddenSize"/> rows each).
    /// </summary>
    public static void AddForgetBias(TorchSharp.Modules.LSTM lstm, int hiddenSize, double bias)
    {
        if (bias == 0) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, p) in lstm.named_parameters())
            if (name.StartsWith("bias_ih")) p.narrow(0, hiddenSize, hiddenSize).add_(Scalars.Of(bias), Scalars.One);
    }

    /// <summary>
    /// Runs <paramref name="x"/> [T, B, input] from <paramref name="state"/> [B, state]. <paramref name="resets"/>, when
    /// given, holds T·B time-major flags (row t·B + b): true zeroes row b's state before step t. Returns the outputs
    /// [T, B, hidden] and the state after the last step.
    /// </summary>
    public (Tensor Output, Tensor State) Unroll(Tensor x, Tensor state, ReadOnlySpan<bool> resets = default)
    {
        if (x.dim() != 3 || x.shape[2] != InputSize)
            throw new ArgumentException($"the core takes inputs [T, B, {InputSize}]; got [{string.Join(", ", x.shape)}]");
        long T = x.shape[0], B = x.shape[1];
        if (state.dim() != 2 || state.shape[0] != B || state.shape[1] != StateSize)
            throw new ArgumentException($"the core's state must be [B, {StateSize}] = [{B}, {StateSize}]; got [{string.Join(", ", state.shape)}]");
        if (!resets.IsEmpty && resets.Length != T * B)
            throw new ArgumentException($"resets must hold T·B = {T * B} flags, got {resets.Length}");
        using var scope = NewDisposeScope();
        var outputs = new List<Tensor>();
        var s = state;
        int start = 0;
        for (int t = 0; t <= T; t++)
        {
            bool cut = t == T || (!resets.IsEmpty && AnyReset(resets, t, (int)B));
            if (!cut) continue;
            if (t > start)
            {
                var (o, next) = Run(x.narrow(0, start, t - start), s);
                outputs.Add(o);
                s = next;
            }
            if (t == T) break;
            s = s * Keep(resets, t, (int)B);
            start = t;
        }
        var output = outputs.Count == 1 ? outputs[0] : cat(outputs, 0);
        return (output.MoveToOuterDisposeScope(), s.MoveToOuterDisposeScope());
    }

    private (Tensor Output, Tensor State) Run(Tensor x, Tensor state)
    {
        if (_lstm is not null)
        {
            var h = state.narrow(1, 0, HiddenSize).unsqueeze(0).contiguous();
            var c = state.narrow(1, HiddenSize, HiddenSize).unsqueeze(0).contiguous();
            var (o, hn, cn) = _lstm.forward(x, (h, c));
            return (o, cat(new[] { hn.squeeze(0), cn.squeeze(0) }, 1));
        }
        var (og, hg) = _gru!.forward(x, state.unsqueeze(0).contiguous());
        return (og, hg.squeeze(0));
    }

    private static bool AnyReset(ReadOnlySpan<bool> resets, int t, int b)
    {
        foreach (bool r in resets.Slice(t * b, b)) if (r) return true;
        return false;
    }

    /// <summary>[B, 1]: 0 where row b resets at step t, 1 elsewhere.</summary>
    private static Tensor Keep(ReadOnlySpan<bool> resets, int t, int b)
    {
        var keep = new float[b];
        for (int i = 0; i < b; i++) keep[i] = !resets.IsEmpty && resets[t * b + i] ? 0f : 1f;
        return tensor(keep, new long[] { b, 1 });
    }
}

/// <summary>
/// Per-env-row recurrent state for acting: one row of <see cref="Size"/> floats per env copy, zero at an episode's
/// start. Agents keep one for their training rows and one for evaluation, and hand <see cref="Values"/> to the network.
/// </summary>
public sealed class RecurrentRowState
{
    public int Size { get; }
    public int Rows { get; private set; }
    /// <summary>Row-major [Rows, Size].</summary>
    public float[] Values { get; private set; }

    public RecurrentRowState(int size, int rows = 0)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "a recurrent state needs at least one float per row");
        Size = size;
        Rows = rows;
        Values = new float[rows * size];
    }

    /// <summary>Zero state for <paramref name="rows"/> rows (a new vector env).</summary>
    public void Resize(int rows)
    {
        Rows = rows;
        Values = new float[rows * Size];
    }

    public void Reset(int row) => Array.Clear(Values, row * Size, Size);

    public void ResetAll() => Array.Clear(Values);

    public Span<float> Row(int row) => Values.AsSpan(row * Size, Size);
}
