namespace Astromech.Training;

/// <summary>
/// A loss term went NaN or infinite. The learner throws it before applying the update, so the parameters
/// stay finite; the trainer lets it end the run without writing another checkpoint, so the last good one
/// on disk is kept.
/// </summary>
public sealed class NonFiniteLossException(string algo, long envSteps, long update, string term, double value)
    : InvalidOperationException($"{algo}: the loss term '{term}' became {value} at env step {envSteps} (update {update}); " +
        "the run stopped and the last good checkpoint was kept (try a lower learning rate or gradient clipping)")
{
    public string Term { get; } = term;
    public long EnvSteps { get; } = envSteps;

    /// <summary>Throws for the first non-finite term of a loss, naming it.</summary>
    public static void ThrowIfAny(string algo, long envSteps, long update, params (string Term, double Value)[] terms)
    {
        foreach (var (term, value) in terms)
            if (!double.IsFinite(value)) throw new NonFiniteLossException(algo, envSteps, update, term, value);
    }
}
