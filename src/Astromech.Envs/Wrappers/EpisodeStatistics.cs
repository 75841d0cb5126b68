using System.Diagnostics;

namespace Astromech.Envs.Wrappers;

/// <summary>What <see cref="EpisodeStatistics"/> puts under <c>info["episode"]</c> (Gymnasium's r, l, t).</summary>
/// <param name="Return">r: undiscounted sum of the episode's rewards.</param>
/// <param name="Length">l: number of steps.</param>
/// <param name="Time">t: wall-clock seconds from the reset to the last step.</param>
public sealed record EpisodeInfo(double Return, int Length, double Time);

/// <summary>
/// Gymnasium's RecordEpisodeStatistics: accumulates the return and length of the running episode and, on the step
/// that ends it, adds <c>"episode"</c> → <see cref="EpisodeInfo"/> to the info (a new dictionary holding the inner
/// env's entries too; the only allocation, once per episode). Keeps a bounded queue of recent returns and lengths.
/// </summary>
public sealed class EpisodeStatistics : Wrapper
{
    public const string InfoKey = "episode";

    private readonly Queue<double> _returns;
    private readonly Queue<int> _lengths;
    private readonly int _bufferLength;
    private double _return;
    private int _length;
    private long _startTicks;

    /// <param name="bufferLength">Recent episodes kept in <see cref="RecentReturns"/> / <see cref="RecentLengths"/>.</param>
    public EpisodeStatistics(IEnv inner, int bufferLength = 100) : base(inner)
    {
        if (bufferLength <= 0) throw new ArgumentOutOfRangeException(nameof(bufferLength), bufferLength, "must be > 0");
        _bufferLength = bufferLength;
        _returns = new Queue<double>(bufferLength);
        _lengths = new Queue<int>(bufferLength);
    }

    /// <summary>Return of the last finished episode (NaN before the first).</summary>
    public double LastEpisodeReturn { get; private set; } = double.NaN;

    /// <summary>Length of the last finished episode (0 before the first).</summary>
    public int LastEpisodeLength { get; private set; }

    /// <summary>Wall time in seconds of the last finished episode.</summary>
    public double LastEpisodeTime { get; private set; }

    /// <summary>Episodes finished so far.</summary>
    public long EpisodeCount { get; private set; }

    /// <summary>Return and length of the running episode.</summary>
    public double CurrentReturn => _return;
    public int CurrentLength => _length;

    /// <summary>Returns of the last (up to) bufferLength episodes, oldest first.</summary>
    public IReadOnlyCollection<double> RecentReturns => _returns;

    /// <summary>Lengths of the last (up to) bufferLength episodes, oldest first.</summary>
    public IReadOnlyCollection<int> RecentLengths => _lengths;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        var info = Inner.Reset(obs, seed);
        _return = 0;
        _length = 0;
        _startTicks = Stopwatch.GetTimestamp();
        return info;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        var r = Inner.Step(action, obs);
        _return += r.Reward;
        _length++;
        if (!r.Done) return r;

        double t = Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;
        LastEpisodeReturn = _return;
        LastEpisodeLength = _length;
        LastEpisodeTime = t;
        EpisodeCount++;
        if (_returns.Count == _bufferLength) { _returns.Dequeue(); _lengths.Dequeue(); }
        _returns.Enqueue(_return);
        _lengths.Enqueue(_length);

        var info = r.Info is null ? new Dictionary<string, object>(1) : new Dictionary<string, object>(r.Info);
        info[InfoKey] = new EpisodeInfo(_return, _length, t);
        return r with { Info = info };
    }
}
