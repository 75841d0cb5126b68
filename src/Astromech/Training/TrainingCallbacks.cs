namespace Astromech.Training;

/// <summary>A training episode that just ended: the env step count at its end, its return and its length.</summary>
public readonly record struct EpisodeEnded(long EnvSteps, int Episode, double Return, int Length);

/// <summary>A periodic evaluation that just ran (deterministic policy, <see cref="TrainerOptions.EvalEpisodes"/> episodes).</summary>
public readonly record struct EvaluationDone(long EnvSteps, EvalResult Result, bool IsBest);

/// <summary>A checkpoint the trainer just wrote (periodic, best-so-far, or final).</summary>
public readonly record struct CheckpointWritten(long EnvSteps, string Path, bool IsBest);

/// <summary>Where a run stands, with the agent's latest training metrics (loss, entropy, ...), at the cadence the
/// trainer logs them (about every 1,000 env steps).</summary>
public readonly record struct TrainingProgress(long EnvSteps, long TotalSteps, int Episodes, double MeanReturn100, double StepsPerSecond,
    IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Hooks a caller's code into a training run (<see cref="TrainerOptions.Callbacks"/>, or <c>Model.Learn</c>): each is
/// called on the training thread, between env steps, so it sees a consistent agent; a slow callback slows the run.
/// <see cref="StopWhen"/> ends the run in order after an evaluation (early stopping): the checkpoint, logs, curve and
/// summary are written as at the end, and the evaluation it stopped on is the final one.
/// </summary>
public sealed record TrainingCallbacks
{
    public Action<EpisodeEnded>? Episode { get; init; }
    public Action<EvaluationDone>? Evaluation { get; init; }
    public Action<CheckpointWritten>? Checkpoint { get; init; }
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Asked after each periodic evaluation; true ends the run there (e.g. <c>e =&gt; e.Result.MeanReturn &gt;= 475</c>).</summary>
    public Func<EvaluationDone, bool>? StopWhen { get; init; }
}
