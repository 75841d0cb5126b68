namespace Astromech.Replay;

/// <summary>
/// Keeps the learner's sampling and the actors' inserting near a fixed ratio, as Reverb's SampleToInsertRatio
/// limiter does: once <see cref="MinSizeToSample"/> items were inserted, the learner may sample while
/// sampled − spi·(inserted − min) stays within <see cref="Tolerance"/>, and actors may insert while
/// spi·(inserted − min) − sampled stays within it (always before the minimum is reached). spi = 0 turns the limiter off (both sides run free; sampling
/// still waits for the minimum size). Counts are items (transitions), not calls.
/// <para>Neither side can wait on the other forever when Tolerance ≥ (largest sample + spi·largest insert) / 2;
/// <see cref="EnsureNoDeadlock"/> checks that for given batch and insert sizes.</para>
/// </summary>
public sealed class SampleToInsertRateLimiter
{
    public SampleToInsertRateLimiter(double samplesPerInsert, long minSizeToSample, double tolerance)
    {
        if (!(samplesPerInsert >= 0) || !double.IsFinite(samplesPerInsert)) throw new ArgumentOutOfRangeException(nameof(samplesPerInsert), samplesPerInsert, "samples per insert must be a finite number ≥ 0");
        if (minSizeToSample < 1) throw new ArgumentOutOfRangeException(nameof(minSizeToSample), minSizeToSample, "the minimum size to sample must be at least 1");
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "the tolerance must be ≥ 0");
        SamplesPerInsert = samplesPerInsert;
        MinSizeToSample = minSizeToSample;
        Tolerance = tolerance;
    }

    public double SamplesPerInsert { get; }
    public long MinSizeToSample { get; }
    public double Tolerance { get; }

    private double Owed(long inserted) => SamplesPerInsert * Math.Max(0, inserted - MinSizeToSample);

    /// <summary>Whether <paramref name="n"/> more items may be sampled now.</summary>
    public bool CanSample(long inserted, long sampled, int n) =>
        inserted >= MinSizeToSample && (SamplesPerInsert <= 0 || sampled + n - Owed(inserted) <= Tolerance);

    /// <summary>Whether <paramref name="n"/> more items may be inserted now.</summary>
    public bool CanInsert(long inserted, long sampled, int n) =>
        SamplesPerInsert <= 0 || inserted < MinSizeToSample || Owed(inserted + n) - sampled <= Tolerance;

    /// <summary>Throws, naming the sizes, when a sampler of <paramref name="sampleSize"/> and inserters of up to
    /// <paramref name="insertSize"/> items could both be refused at once.</summary>
    public void EnsureNoDeadlock(int sampleSize, int insertSize)
    {
        if (SamplesPerInsert > 0 && 2 * Tolerance < sampleSize + SamplesPerInsert * insertSize)
            throw new ArgumentException(
                $"rate limiter tolerance {Tolerance} is too small for samples of {sampleSize} and inserts of {insertSize} at {SamplesPerInsert} samples per insert: " +
                $"it must be at least (sample + samples_per_insert·insert) / 2 = {(sampleSize + SamplesPerInsert * insertSize) / 2}, or both sides can wait on each other forever");
    }
}
