using System.Runtime.ExceptionServices;

namespace Astromech.Envs.Vector;

/// <summary>
/// Steps N copies on W threads, for envs whose step is expensive (physics engines, renderers). Copies are split into
/// W contiguous blocks of nearly equal size; block 0 is stepped by the caller's thread and blocks 1..W-1 by
/// W-1 dedicated background threads, so W = 1 behaves exactly like <see cref="SyncVectorEnv"/>. Every copy is stepped
/// by the same thread every time, and a copy's results depend only on its own RNG, so for the same seeds the buffers
/// are identical to <see cref="SyncVectorEnv"/>'s after any number of steps.
/// <para><b>Hand-off.</b> <see cref="VectorEnv.Step"/> copies the actions into an internal buffer, sets the pending
/// count to W-1 and bumps a generation counter. Each worker waits for a new generation by spinning for a short while
/// (<c>spinIterations</c> rounds of <see cref="SpinWait"/>, no sleeping) and then blocking on its own semaphore; the
/// "sleeping" flag it raises before blocking and the caller's exchange of that flag after bumping the generation are
/// both full fences, so a wake-up is never lost and the caller pays for a kernel signal only when the worker really
/// sleeps. After its own block the caller waits for the pending count to reach zero the same way (spin, then raise
/// its flag and block on a semaphore that the worker bringing the count to zero releases if it finds the flag up). Steps therefore cost a few hundred nanoseconds of hand-off when they come in
/// quick succession and yield the cores when the training loop is busy elsewhere.</para>
/// <para>An exception thrown by a copy on any thread is rethrown to the caller of Step with its original type and
/// stack (the first by block order when several threw); the vector env then needs <see cref="VectorEnv.Reset"/>.
/// <see cref="IDisposable.Dispose"/> stops and joins the threads, then disposes the copies. <see cref="VectorEnv.Reset"/>
/// runs on the caller's thread (so an env must not be tied to the thread that steps it).</para>
/// </summary>
public sealed class ThreadedVectorEnv : VectorEnv
{
    private readonly int _numWorkers;
    private readonly int[] _blockStart; // block w is [_blockStart[w], _blockStart[w + 1])
    private readonly float[] _actions;
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private readonly ExceptionDispatchInfo?[] _errors;
    private readonly SemaphoreSlim _done = new(0);
    private readonly int _spinIterations;
    private int _generation;
    private int _pending;
    private int _callerWaiting;
    private volatile bool _stopping;

    /// <summary>Takes ownership of <paramref name="envs"/>.</summary>
    /// <param name="numWorkers">Threads stepping copies, the caller's included; default <see cref="Environment.ProcessorCount"/>, capped at the number of copies.</param>
    /// <param name="spinIterations">Rounds of spinning before a waiting thread blocks.</param>
    public ThreadedVectorEnv(IEnv[] envs, int? numWorkers = null, int spinIterations = 200) : base(envs)
    {
        int w = numWorkers ?? Environment.ProcessorCount;
        if (w <= 0) throw new ArgumentOutOfRangeException(nameof(numWorkers), w, "needs at least one worker");
        if (spinIterations < 0) throw new ArgumentOutOfRangeException(nameof(spinIterations), spinIterations, "must be >= 0");
        _numWorkers = Math.Min(w, NumEnvs);
        _spinIterations = spinIterations;
        _blockStart = new int[_numWorkers + 1];
        for (int b = 0; b <= _numWorkers; b++) _blockStart[b] = (int)((long)NumEnvs * b / _numWorkers);
        _actions = new float[NumEnvs * ActionSize];
        _errors = new ExceptionDispatchInfo?[_numWorkers];
        _sleeping = new int[_numWorkers];
        _wake = new SemaphoreSlim[_numWorkers];
        _threads = new Thread[_numWorkers];
        for (int b = 1; b < _numWorkers; b++)
        {
            _wake[b] = new SemaphoreSlim(0);
            int block = b;
            _threads[b] = new Thread(() => WorkerLoop(block))
            {
                IsBackground = true,
                Name = $"{nameof(ThreadedVectorEnv)} worker {b}",
            };
            _threads[b].Start();
        }
    }

    /// <summary>Builds <paramref name="numEnvs"/> copies with <paramref name="factory"/>.</summary>
    public ThreadedVectorEnv(Func<IEnv> factory, int numEnvs, int? numWorkers = null, int spinIterations = 200)
        : this(Build(factory, numEnvs), numWorkers, spinIterations) { }

    /// <summary>Threads stepping copies, the caller's included.</summary>
    public int NumWorkers => _numWorkers;

    protected override void StepCopies(ReadOnlySpan<float> actions)
    {
        if (_numWorkers == 1)
        {
            StepRange(actions, 0, NumEnvs);
            return;
        }
        actions.CopyTo(_actions);
        Volatile.Write(ref _pending, _numWorkers - 1);
        Interlocked.Increment(ref _generation); // full fence: the actions and the pending count are published
        for (int b = 1; b < _numWorkers; b++)
            if (Interlocked.Exchange(ref _sleeping[b], 0) == 1) _wake[b].Release();

        try
        {
            StepRange(_actions, _blockStart[0], _blockStart[1]);
        }
        catch (Exception ex)
        {
            _errors[0] = ExceptionDispatchInfo.Capture(ex);
        }

        WaitForWorkers();

        for (int b = 0; b < _numWorkers; b++)
        {
            if (_errors[b] is { } e)
            {
                Array.Clear(_errors);
                e.Throw();
            }
        }
    }

    private void WaitForWorkers()
    {
        var spin = new SpinWait();
        for (int k = 0; k < _spinIterations; k++)
        {
            if (Volatile.Read(ref _pending) == 0) return;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        Interlocked.Exchange(ref _callerWaiting, 1);
        if (Volatile.Read(ref _pending) == 0)
        {
            // The last worker may have taken the flag already; then its Release is on the way and must be consumed.
            if (Interlocked.Exchange(ref _callerWaiting, 0) == 0) _done.Wait();
            return;
        }
        _done.Wait(); // released by the worker that brought the pending count to zero
    }

    private void WorkerLoop(int block)
    {
        int seen = 0;
        int from = _blockStart[block], to = _blockStart[block + 1];
        while (true)
        {
            seen = WaitForGeneration(block, seen);
            if (_stopping) return;
            try
            {
                StepRange(_actions, from, to);
            }
            catch (Exception ex)
            {
                _errors[block] = ExceptionDispatchInfo.Capture(ex);
            }
            if (Interlocked.Decrement(ref _pending) == 0 && Interlocked.Exchange(ref _callerWaiting, 0) == 1)
                _done.Release();
        }
    }

    private int WaitForGeneration(int block, int seen)
    {
        var spin = new SpinWait();
        for (int k = 0; k < _spinIterations; k++)
        {
            int g = Volatile.Read(ref _generation);
            if (g != seen) return g;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        while (true)
        {
            Interlocked.Exchange(ref _sleeping[block], 1);
            int g = Volatile.Read(ref _generation);
            if (g != seen)
            {
                // The caller may have taken the flag already; then its Release is on the way and must be consumed.
                if (Interlocked.Exchange(ref _sleeping[block], 0) == 0) _wake[block].Wait();
                return g;
            }
            _wake[block].Wait();
            g = Volatile.Read(ref _generation);
            if (g != seen) return g;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping = true;
            Interlocked.Increment(ref _generation);
            for (int b = 1; b < _numWorkers; b++)
                if (Interlocked.Exchange(ref _sleeping[b], 0) == 1) _wake[b].Release();
            for (int b = 1; b < _numWorkers; b++) _threads[b].Join();
            for (int b = 1; b < _numWorkers; b++) _wake[b].Dispose();
            _done.Dispose();
        }
        base.Dispose(disposing);
    }
}
