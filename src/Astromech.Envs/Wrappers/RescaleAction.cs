using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// Gymnasium's RescaleAction: exposes Box(min, max) (default [−1, 1], what a tanh-squashed policy such as SAC's
/// emits) and maps it affinely onto the inner env's bounded Box: inner = low + (a − min)·(high − low)/(max − min).
/// An action outside [min, max] throws <see cref="ArgumentException"/>; the mapped action is clamped to the inner
/// bounds to absorb float rounding.
/// </summary>
public sealed class RescaleAction : Wrapper
{
    private readonly Box _inner;
    private readonly Box _space;
    private readonly float[] _action;
    private readonly double[] _scale, _offset; // inner = offset + scale · a

    public RescaleAction(IEnv inner, float minAction = -1, float maxAction = 1)
        : this(inner, Fill(inner, minAction), Fill(inner, maxAction)) { }

    public RescaleAction(IEnv inner, float[] minAction, float[] maxAction) : base(inner)
    {
        _inner = inner.ActionSpace as Box
            ?? throw new ArgumentException($"RescaleAction needs a Box action space, got {inner.ActionSpace}");
        if (!_inner.IsBounded) throw new ArgumentException($"RescaleAction needs a bounded action space, got {_inner}");
        int n = _inner.FlatSize;
        if (minAction.Length != n || maxAction.Length != n)
            throw new ArgumentException($"minAction/maxAction have {minAction.Length}/{maxAction.Length} values but the action has {n}");
        for (int i = 0; i < n; i++)
            if (!(minAction[i] < maxAction[i]) || !float.IsFinite(minAction[i]) || !float.IsFinite(maxAction[i]))
                throw new ArgumentException($"need finite minAction[{i}] < maxAction[{i}], got {minAction[i]} and {maxAction[i]}");
        _space = new Box(minAction, maxAction, _inner.Shape, _inner.DType);
        _action = new float[n];
        _scale = new double[n];
        _offset = new double[n];
        for (int i = 0; i < n; i++)
        {
            _scale[i] = ((double)_inner.High[i] - _inner.Low[i]) / ((double)maxAction[i] - minAction[i]);
            _offset[i] = _inner.Low[i] - _scale[i] * minAction[i];
        }
    }

    private static float[] Fill(IEnv inner, float v)
    {
        var a = new float[inner.ActionSpace.FlatSize];
        Array.Fill(a, v);
        return a;
    }

    public override Space ActionSpace => _space;

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (!_space.Contains(action))
            throw new ArgumentException($"action {Space.Format(action)} is not in the action space {_space}");
        float[] lo = _inner.Low, hi = _inner.High;
        for (int i = 0; i < _action.Length; i++)
            _action[i] = Math.Clamp((float)(_offset[i] + _scale[i] * action[i]), lo[i], hi[i]);
        return Inner.Step(_action, obs);
    }
}
