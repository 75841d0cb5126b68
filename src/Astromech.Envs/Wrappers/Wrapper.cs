using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// Wraps an env and forwards everything to it; subclasses override what they change. <see cref="Unwrapped"/>
/// reaches the innermost env (e.g. to read or set its physical parameters).
/// </summary>
public abstract class Wrapper : IEnv
{
    protected Wrapper(IEnv inner) => Inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public IEnv Inner { get; }

    public IEnv Unwrapped => Inner is Wrapper w ? w.Unwrapped : Inner;

    public virtual Space ObservationSpace => Inner.ObservationSpace;
    public virtual Space ActionSpace => Inner.ActionSpace;

    public EnvSpec? Spec
    {
        get => Inner.Spec;
        set => Inner.Spec = value;
    }

    public virtual IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null) => Inner.Reset(obs, seed);

    public virtual StepResult Step(ReadOnlySpan<float> action, Span<float> obs) => Inner.Step(action, obs);

    /// <summary>Finds the first wrapper of type T from the outside in, or null.</summary>
    public T? Find<T>() where T : class, IEnv
    {
        IEnv e = this;
        while (true)
        {
            if (e is T t) return t;
            if (e is Wrapper w) e = w.Inner; else return null;
        }
    }

    public virtual void Dispose() => Inner.Dispose();
}
