namespace Astromech.Training;

/// <summary>
/// The seed of actor (or worker) <c>index</c> of a run seeded <c>runSeed</c>. Embedded threads and cluster actor
/// nodes derive it the same way, so actor i of a run explores the same env and action streams wherever it runs;
/// the prime stride keeps actors' seeds apart from each other and from the learner's own seed offsets.
/// </summary>
public static class ActorSeed
{
    public static int Of(int runSeed, int index) => unchecked(runSeed + 10_007 * (index + 1));
}
