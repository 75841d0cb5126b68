namespace Astromech.Envs.Wrappers;

/// <summary>
/// Truncates episodes after <see cref="MaxEpisodeSteps"/> steps, as Gymnasium's TimeLimit:
/// <c>truncated = inner truncated || elapsed &gt;= max</c>, whether or not the step also terminated.
/// Once an episode has ended (terminated or truncated) stepping throws until the next reset.
/// </summary>
public sealed class TimeLimit : Wrapper
{
    private bool _needsReset = true;

    public TimeLimit(IEnv inner, int maxEpisodeSteps) : base(inner)
    {
        if (maxEpisodeSteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxEpisodeSteps), maxEpisodeSteps, "TimeLimit needs maxEpisodeSteps > 0");
        MaxEpisodeSteps = maxEpisodeSteps;
    }

    public int MaxEpisodeSteps { get; }

    /// <summary>Steps taken since the last reset.</summary>
    public int ElapsedSteps { get; private set; }

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        var info = Inner.Reset(obs, seed);
        ElapsedSteps = 0;
        _needsReset = false;
        return info;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (_needsReset)
            throw new InvalidOperationException(
                $"{Spec?.Id ?? Inner.GetType().Name}: Step called before Reset or after the episode ended (terminated or truncated); call Reset first.");
        var r = Inner.Step(action, obs); // throws on a bad action before anything is counted
        ElapsedSteps++;
        if (ElapsedSteps >= MaxEpisodeSteps && !r.Truncated) r = r with { Truncated = true };
        if (r.Terminated || r.Truncated) _needsReset = true;
        return r;
    }

    public override string ToString() => $"TimeLimit({MaxEpisodeSteps}, {Inner})";
}
