using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// Stacks the last k observations, oldest first, into a Box of shape [k, ..inner shape] (Gymnasium's
/// FrameStackObservation). At reset every slot holds the first observation (Gymnasium's <c>padding_type="reset"</c>).
/// Keeps its own copy of the stack, so the caller may overwrite the observation buffer between steps.
/// </summary>
public sealed class FrameStack : Wrapper
{
    private readonly Box _space;
    private readonly float[] _frames; // k × frame size, oldest first
    private readonly int _frameSize;

    public FrameStack(IEnv inner, int k) : base(inner)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "must be > 0");
        var s = inner.ObservationSpace as Box
            ?? throw new ArgumentException($"FrameStack needs a Box observation space, got {inner.ObservationSpace}");
        K = k;
        _frameSize = s.FlatSize;
        var low = new float[k * _frameSize];
        var high = new float[k * _frameSize];
        for (int f = 0; f < k; f++)
        {
            s.Low.CopyTo(low, f * _frameSize);
            s.High.CopyTo(high, f * _frameSize);
        }
        var innerShape = s.Shape;
        var shape = new int[innerShape.Length + 1];
        shape[0] = k;
        innerShape.CopyTo(shape, 1);
        _space = new Box(low, high, shape, s.DType);
        _frames = new float[k * _frameSize];
    }

    public int K { get; }

    public override Space ObservationSpace => _space;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        var newest = _frames.AsSpan((K - 1) * _frameSize, _frameSize);
        var info = Inner.Reset(newest, seed);
        for (int f = 0; f < K - 1; f++) newest.CopyTo(_frames.AsSpan(f * _frameSize, _frameSize));
        _frames.CopyTo(obs);
        return info;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        var newest = _frames.AsSpan((K - 1) * _frameSize, _frameSize);
        // Step into the scratch area first: if the inner env throws, the stack is left as it was.
        var r = Inner.Step(action, obs.Slice(0, _frameSize));
        if (K > 1) _frames.AsSpan(_frameSize).CopyTo(_frames); // shift left by one frame
        obs.Slice(0, _frameSize).CopyTo(newest);
        _frames.CopyTo(obs);
        return r;
    }
}
