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

/// <summary>An <see cref="IActorHost"/> that also books what an actor put into replay (Ape-X blocks, R2D2 sequences, IMPALA unrolls) and refused inserts.</summary>
public interface IActorLoopHost : IActorHost
{
    /// <summary>A block went into replay, acted with parameters of <paramref name="parameterVersion"/>.</summary>
    void BlockInserted(long parameterVersion, int transitions);
    /// <summary>The replay refused or could not take a block; the loop retries after a short sleep.</summary>
    void InsertWaited();
}
