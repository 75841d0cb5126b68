using Astromech.Envs.Spaces;

namespace Astromech.Envs;

/// <summary>
/// Base class for concrete environments: it owns the RNG, validates actions, and enforces
/// "reset before the first step and after the end of an episode". Subclasses implement
/// <see cref="ResetCore"/> and <see cref="StepCore"/>.
/// </summary>
public abstract class Env : IEnv
{
    private bool _needsReset = true;

    /// <summary>The env's own RNG; reseeded by <c>Reset(seed)</c>. Before any seed it is seeded from the OS.</summary>
    protected Rng Rng { get; } = new();

    public abstract Space ObservationSpace { get; }
    public abstract Space ActionSpace { get; }
    public EnvSpec? Spec { get; set; }

    /// <summary>True after an episode ended and before the next reset.</summary>
    public bool NeedsReset => _needsReset;

    public IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        if (seed is int s)
        {
            Rng.Seed(s);
            OnSeeded();
        }
        _needsReset = false;
        var info = ResetCore(obs);
        CheckFinite(obs, 0f, "reset");
        return info;
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (_needsReset)
            throw new InvalidOperationException(
                $"{Name}: Step called before Reset or after the episode ended (terminated or truncated); call Reset first.");
        if (!ActionSpace.Contains(action))
            throw new ArgumentException($"{Name}: action {Space.Format(action)} is not in the action space {ActionSpace}");
        var r = StepCore(action, obs);
        if (r.Terminated || r.Truncated) _needsReset = true;
        CheckFinite(obs, r.Reward, "step");
        return r;
    }

    /// <summary>
    /// A NaN or infinite observation or reward means the env's parameters are impossible (a zero total mass, a
    /// negative length): refuse it here, naming the env, rather than let it reach an agent's loss or a log as null.
    /// </summary>
    private void CheckFinite(ReadOnlySpan<float> obs, double reward, string where)
    {
        bool finite = double.IsFinite(reward);
        for (int i = 0; finite && i < obs.Length; i++) finite = float.IsFinite(obs[i]);
        if (finite) return;
        _needsReset = true;
        throw new InvalidOperationException(
            $"{Name}: {where} produced a non-finite observation {Space.Format(obs)} or reward {reward}; the env's parameters (--env-arg) are likely impossible for its physics");
    }

    /// <summary>
    /// Called by a seeded <c>Reset</c> right after the RNG is reseeded and before <see cref="ResetCore"/>: an env
    /// whose state outlives episodes and should not survive a reseed clears it here (MinAtar's sticky last action
    /// deliberately survives, as in the reference).
    /// </summary>
    protected virtual void OnSeeded() { }

    protected string Name => Spec?.Id ?? GetType().Name;

    protected abstract IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs);

    /// <summary>Called with an action already checked to lie in <see cref="ActionSpace"/>.</summary>
    protected abstract StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs);

    public virtual void Dispose() { }
}
