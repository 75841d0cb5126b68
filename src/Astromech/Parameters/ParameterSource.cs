namespace Astromech.Parameters;

/// <summary>
/// One published version of a learner's parameters as a flat vector (<see cref="Nn.ParameterVector"/>). The
/// version is the learner's update count when it was published, so actor version vs learner version is the
/// policy lag in updates. Treat <see cref="Values"/> as read-only: one set is shared by every reader.
/// </summary>
public sealed record ParameterSet(long Version, float[] Values);

/// <summary>Where actors get parameters from: the learner's store in one process, a parameter-source actor in a cluster.</summary>
public interface IParameterSource
{
    /// <summary>
    /// The set now served if its version differs from <paramref name="haveVersion"/>, else null (nothing to copy).
    /// Versions only grow while one learner runs, so "differs" is "newer"; after a learner restarts from a
    /// checkpoint the served version can be lower than an actor's, and the actor must take it all the same.
    /// </summary>
    ParameterSet? GetNewer(long haveVersion);
}

/// <summary>Where a learner publishes its parameters.</summary>
public interface IParameterPublisher
{
    /// <summary>
    /// Publishes <paramref name="values"/> as <paramref name="version"/>. Versions must increase, except when
    /// <paramref name="restart"/> says a (re)started learner replaces whatever was served, at any version.
    /// </summary>
    void Publish(long version, float[] values, bool restart = false);
}

/// <summary>
/// The in-process variable source: the newest published set behind one reference, swapped atomically, so
/// readers never see a half-written vector and never wait on the learner. Publishing hands over the array;
/// the publisher must not write to it afterwards.
/// </summary>
public sealed class ParameterStore : IParameterSource, IParameterPublisher
{
    private volatile ParameterSet? _latest;
    private long _published;

    /// <summary>The newest set, or null before the first publish.</summary>
    public ParameterSet? Latest => _latest;
    public long Version => _latest?.Version ?? -1;
    /// <summary>Sets published so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Times a publish replaced a newer or equal version (a learner restarted from a checkpoint).</summary>
    public long Restarts => Interlocked.Read(ref _restarts);
    private long _restarts;

    public void Publish(long version, float[] values, bool restart = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        var prev = _latest;
        if (prev is not null)
        {
            if (restart && version <= prev.Version) Interlocked.Increment(ref _restarts);
            else if (version <= prev.Version) throw new ArgumentException($"parameter version {version} is not newer than the published {prev.Version}");
            if (values.Length != prev.Values.Length)
                throw new ArgumentException($"parameter vector of {values.Length} floats does not match the {prev.Values.Length} published before (a network of another shape?)");
        }
        _latest = new ParameterSet(version, values);
        Interlocked.Increment(ref _published);
    }

    public ParameterSet? GetNewer(long haveVersion)
    {
        var p = _latest;
        return p is not null && p.Version != haveVersion ? p : null;
    }
}
