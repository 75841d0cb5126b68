namespace Astromech.Envs.Vector;

/// <summary>One finished episode of one copy of a vector env.</summary>
/// <param name="Return">Undiscounted sum of the rewards.</param>
/// <param name="Length">Number of steps.</param>
/// <param name="CopyIndex">Row of the copy in the vector env.</param>
/// <param name="Truncated">True when the episode was cut (time limit), false when it terminated.</param>
public readonly record struct CompletedEpisode(double Return, int Length, int CopyIndex, bool Truncated);

/// <summary>
/// Episode bookkeeping for a training loop: call <see cref="Record(IVectorEnv)"/> after each vector step; it adds each
/// copy's reward to its running return and length, and when a copy finishes it appends a
/// <see cref="CompletedEpisode"/> to <see cref="Completed"/> (everything finished since the last <see cref="Clear"/>)
/// and to the window of recent returns. Steady state allocates nothing: the pending list only grows when more
/// episodes finish between two drains than ever before.
/// <code>
/// vec.Step(actions); tracker.Record(vec);
/// foreach (var ep in tracker.Completed) log(ep.Return, ep.Length);
/// tracker.Clear();
/// </code>
/// Rewards are taken as the vector env reports them; put the tracker before any reward scaling (or use the
/// <c>EpisodeStatistics</c> wrapper inside the copies) to log raw returns.
/// </summary>
public sealed class EpisodeTracker
{
    private readonly double[] _returns;
    private readonly int[] _lengths;
    private CompletedEpisode[] _completed;
    private int _count;
    private readonly double[] _window;
    private int _windowCount, _windowNext;
    private double _windowSum;

    /// <param name="numEnvs">Copies in the vector env.</param>
    /// <param name="windowSize">Episodes averaged by <see cref="MeanRecentReturn"/> (SB3 uses 100).</param>
    public EpisodeTracker(int numEnvs, int windowSize = 100)
    {
        if (numEnvs <= 0) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "must be > 0");
        if (windowSize <= 0) throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "must be > 0");
        _returns = new double[numEnvs];
        _lengths = new int[numEnvs];
        _completed = new CompletedEpisode[Math.Max(16, numEnvs)];
        _window = new double[windowSize];
    }

    public int NumEnvs => _returns.Length;

    /// <summary>Episodes finished since the last <see cref="Clear"/>, in the order they finished (by step, then by copy).</summary>
    public ReadOnlySpan<CompletedEpisode> Completed => _completed.AsSpan(0, _count);

    /// <summary>Episodes finished since construction.</summary>
    public long TotalEpisodes { get; private set; }

    /// <summary>Copy-steps recorded since construction (vector steps × copies).</summary>
    public long TotalSteps { get; private set; }

    /// <summary>Return so far of copy <paramref name="i"/>'s current episode.</summary>
    public double CurrentReturn(int i) => _returns[i];

    /// <summary>Length so far of copy <paramref name="i"/>'s current episode.</summary>
    public int CurrentLength(int i) => _lengths[i];

    /// <summary>Mean return of the last (up to) windowSize finished episodes, NaN before the first.</summary>
    public double MeanRecentReturn => _windowCount == 0 ? double.NaN : _windowSum / _windowCount;

    /// <summary>Number of episodes in the recent-return window.</summary>
    public int RecentCount => _windowCount;

    public void Record(IVectorEnv env) => Record(env.Rewards, env.Terminated, env.Truncated);

    public void Record(ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated)
    {
        int n = _returns.Length;
        if (rewards.Length != n || terminated.Length != n || truncated.Length != n)
            throw new ArgumentException($"expected {n} rewards and flags, got {rewards.Length}/{terminated.Length}/{truncated.Length}");
        for (int i = 0; i < n; i++)
        {
            _returns[i] += rewards[i];
            _lengths[i]++;
            if (terminated[i] | truncated[i])
            {
                Add(new CompletedEpisode(_returns[i], _lengths[i], i, !terminated[i]));
                _returns[i] = 0;
                _lengths[i] = 0;
            }
        }
        TotalSteps += n;
    }

    private void Add(CompletedEpisode e)
    {
        if (_count == _completed.Length) Array.Resize(ref _completed, _completed.Length * 2);
        _completed[_count++] = e;
        TotalEpisodes++;
        if (_windowCount == _window.Length) _windowSum -= _window[_windowNext];
        else _windowCount++;
        _window[_windowNext] = e.Return;
        _windowSum += e.Return;
        _windowNext = (_windowNext + 1) % _window.Length;
        if (_windowNext == 0) RecomputeWindowSum(); // keeps rounding drift of the running sum bounded
    }

    private void RecomputeWindowSum()
    {
        double s = 0;
        for (int k = 0; k < _windowCount; k++) s += _window[k];
        _windowSum = s;
    }

    /// <summary>Forgets <see cref="Completed"/> (after the caller has consumed it).</summary>
    public void Clear() => _count = 0;

    /// <summary>Discards the running returns and lengths, e.g. after resetting the vector env by hand.</summary>
    public void ResetRunning()
    {
        Array.Clear(_returns);
        Array.Clear(_lengths);
    }
}
