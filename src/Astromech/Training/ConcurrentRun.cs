using System.Collections.Concurrent;
using Astromech.Envs;

namespace Astromech.Training;

/// <summary>
/// The trainer's side of a run whose agent collects experience on its own threads. Worker threads started
/// with <see cref="StartWorker"/> report env steps (<see cref="AddSteps"/>), finished episodes
/// (<see cref="EndEpisode"/>) and metrics (<see cref="ReportMetrics"/>), and call <see cref="SafePoint"/>
/// between units of work (a rollout, an update, a bounded wait on a queue). The trainer's thread consumes
/// the reports, and when it needs the agent still (evaluation, checkpoint) it calls <see cref="Pause"/>,
/// which returns once every live worker is parked in a safe point.
/// <para>A worker that throws stops the run: the other workers see <see cref="SafePoint"/> return false,
/// and the trainer rethrows the first exception.</para>
/// </summary>
public sealed class ConcurrentRun : IActorHost
{
    private readonly object _gate = new();
    private readonly List<Thread> _threads = new();
    private readonly ConcurrentQueue<(double Return, int Length)> _episodes = new();
    private volatile IReadOnlyDictionary<string, double>? _metrics;
    private long _envSteps;
    private volatile bool _stop;
    private volatile bool _pauseRequested;
    private int _alive;
    private int _parked;
    private Exception? _fault;

    public ConcurrentRun(Func<IEnv> makeEnv, int seed, long startSteps, long totalSteps)
    {
        MakeEnv = makeEnv;
        Seed = seed;
        _envSteps = startSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>Builds a fresh env copy (each worker owns its own).</summary>
    public Func<IEnv> MakeEnv { get; }
    public int Seed { get; }
    public long TotalSteps { get; }
    public long EnvSteps => Interlocked.Read(ref _envSteps);
    public Progress Progress => new(EnvSteps, TotalSteps);
    /// <summary>True once the step budget is spent, a worker failed, or the trainer stopped the run.</summary>
    public bool Stopping => _stop;
    public Exception? Fault => _fault;

    /// <summary>Starts a named background thread running <paramref name="body"/>; an exception in it stops the run.</summary>
    public void StartWorker(string name, Action body)
    {
        lock (_gate) _alive++;
        var t = new Thread(() =>
        {
            try
            {
                TorchSetup.ConfigureCurrentThread();
                body();
            }
            catch (Exception e)
            {
                lock (_gate) _fault ??= e;
                _stop = true;
            }
            finally
            {
                lock (_gate) { _alive--; Monitor.PulseAll(_gate); }
            }
        }) { IsBackground = true, Name = name };
        lock (_gate) _threads.Add(t);
        t.Start();
    }

    /// <summary>Counts env steps; returns false once the budget is spent (the worker should wind down).</summary>
    public bool AddSteps(int n)
    {
        long now = Interlocked.Add(ref _envSteps, n);
        return now < TotalSteps && !_stop;
    }

    /// <summary>Ends the run early (a signal, a cluster learner told to stop): workers wind down at their next safe point and the trainer finishes as at the budget's end.</summary>
    public void RequestStop()
    {
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
    }

    public void EndEpisode(double episodeReturn, int length) => _episodes.Enqueue((episodeReturn, length));

    /// <summary>The latest metrics of the learner; the trainer logs them at its own pace.</summary>
    public void ReportMetrics(IReadOnlyDictionary<string, double> metrics) => _metrics = metrics;

    /// <summary>
    /// Called by workers between units of work: parks while the trainer has the run paused, and returns false
    /// when the worker should exit (budget spent, stop requested, or another worker failed).
    /// </summary>
    public bool SafePoint()
    {
        if (_stop) return false;
        if (!_pauseRequested) return EnvSteps < TotalSteps;
        lock (_gate)
        {
            _parked++;
            Monitor.PulseAll(_gate);
            while (_pauseRequested && !_stop) Monitor.Wait(_gate);
            _parked--;
        }
        return !_stop && EnvSteps < TotalSteps;
    }

    internal bool TryDequeueEpisode(out (double Return, int Length) episode) => _episodes.TryDequeue(out episode);

    internal IReadOnlyDictionary<string, double>? TakeMetrics() => Interlocked.Exchange(ref _metrics, null);

    internal bool AnyAlive { get { lock (_gate) return _alive > 0; } }

    /// <summary>Asks every worker to park and waits until all live ones have (workers that exit count as parked).</summary>
    internal void Pause()
    {
        lock (_gate)
        {
            _pauseRequested = true;
            while (_parked < _alive && !_stop) Monitor.Wait(_gate, 50);
        }
    }

    internal void Resume()
    {
        lock (_gate)
        {
            _pauseRequested = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Stops every worker, waits for them, and rethrows the first worker failure.</summary>
    internal void StopAndJoin()
    {
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
        Thread[] threads;
        lock (_gate) threads = _threads.ToArray();
        foreach (var t in threads) t.Join();
        // The worker's own exception, with its type and stack (a non-finite loss keeps its message).
        if (_fault is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_fault).Throw();
    }
}
