using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// Gymnasium's ClipAction: accepts any real action of the inner Box's shape and clips it element-wise to the inner
/// bounds before stepping. The action space becomes Box(−∞, ∞). NaN is passed through (and rejected by the inner env).
/// </summary>
public sealed class ClipAction : Wrapper
{
    private readonly Box _inner;
    private readonly Box _space;
    private readonly float[] _action;

    public ClipAction(IEnv inner) : base(inner)
    {
        _inner = inner.ActionSpace as Box
            ?? throw new ArgumentException($"ClipAction needs a Box action space, got {inner.ActionSpace}");
        _space = new Box(float.NegativeInfinity, float.PositiveInfinity, _inner.Shape, _inner.DType);
        _action = new float[_inner.FlatSize];
    }

    public override Space ActionSpace => _space;

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (action.Length != _action.Length)
            throw new ArgumentException($"action {Space.Format(action)} has {action.Length} values but {_space} needs {_action.Length}");
        float[] lo = _inner.Low, hi = _inner.High;
        for (int i = 0; i < _action.Length; i++)
        {
            float a = action[i];
            _action[i] = a < lo[i] ? lo[i] : a > hi[i] ? hi[i] : a;
        }
        return Inner.Step(_action, obs);
    }
}
