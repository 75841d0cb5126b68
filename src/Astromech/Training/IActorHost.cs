namespace Astromech.Training;

/// <summary>
/// What an actor loop (Ape-X's, IMPALA's, A3C's workers) reports to and asks of whoever runs it: the embedded
/// trainer's <see cref="ConcurrentRun"/>, or a cluster actor node that forwards steps and episodes to a
/// learner in another process.
/// </summary>
public interface IActorHost
{
    /// <summary>Called between units of work; parks while the host is paused and returns false when the loop should end.</summary>
    bool SafePoint();
    /// <summary>Counts env steps; false once the host's budget is spent.</summary>
    bool AddSteps(int n);
    void EndEpisode(double episodeReturn, int length);
}
