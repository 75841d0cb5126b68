namespace Astromech.Training;

/// <summary>
/// A concurrent agent whose actors can run in other processes (Ape-X, IMPALA). A cluster learner node turns
/// <see cref="RunActorsLocally"/> off, takes the trainer's run from <see cref="RunStarted"/>, and counts the
/// steps and episodes remote actors report into it; the learner thread and the trainer's books are unchanged.
/// </summary>
public interface IDistributedAgent : IConcurrentAgent
{
    bool RunActorsLocally { get; set; }
    event Action<ConcurrentRun>? RunStarted;
    long Updates { get; }
    /// <summary>Learner updates per second of learner-thread time (NaN before the first).</summary>
    double LearnerUpdatesPerSecond { get; }
    /// <summary>Mean policy lag in learner updates (NaN before it is known).</summary>
    double MeanPolicyLag { get; }
}
