namespace Astromech.Tests.Learning;

/// <summary>
/// Tests that must run alone: the learning tests (their thresholds assume the seeded run they were measured
/// with, and torch's global generator, which agents seed for network initialization, is shared by every test
/// running in parallel) and the collection-hammer tests (they force garbage collections in the whole process,
/// which would stress whatever else runs beside them). xUnit runs this collection after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: learning and GC-hammer tests";
}
