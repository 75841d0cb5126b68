using System.Runtime.CompilerServices;
using Astromech.Envs.Spaces;

namespace Astromech.Envs.Vector;

/// <summary>
/// What <see cref="SyncVectorEnv"/> and <see cref="ThreadedVectorEnv"/> share: the copies, the preallocated
/// buffers, validation, <see cref="Reset"/> and the per-copy step with same-step autoreset (see
/// <see cref="IVectorEnv"/>). Subclasses decide only which thread steps which copies.
/// </summary>
public abstract class VectorEnv : IVectorEnv
{
    private readonly IEnv[] _envs;
    private readonly int _obsSize, _actSize;
    private bool _needsReset = true;
    private bool _disposed;

    protected VectorEnv(IEnv[] envs)
    {
        ArgumentNullException.ThrowIfNull(envs);
        if (envs.Length == 0) throw new ArgumentException("a vector env needs at least one copy", nameof(envs));
        for (int i = 0; i < envs.Length; i++)
            if (envs[i] is null) throw new ArgumentException($"copy {i} is null", nameof(envs));
        _envs = (IEnv[])envs.Clone();
        SingleObservationSpace = _envs[0].ObservationSpace;
        SingleActionSpace = _envs[0].ActionSpace;
        _obsSize = SingleObservationSpace.FlatSize;
        _actSize = SingleActionSpace.FlatSize;
        for (int i = 1; i < _envs.Length; i++)
        {
            if (_envs[i].ObservationSpace.FlatSize != _obsSize || _envs[i].ActionSpace.FlatSize != _actSize)
                throw new ArgumentException(
                    $"copy {i} has observation space {_envs[i].ObservationSpace} and action space {_envs[i].ActionSpace}, " +
                    $"but copy 0 has {SingleObservationSpace} and {SingleActionSpace}", nameof(envs));
        }
        int n = _envs.Length;
        Observations = new float[n * _obsSize];
        FinalObservations = new float[n * _obsSize];
        Rewards = new float[n];
        Terminated = new bool[n];
        Truncated = new bool[n];
        Infos = new IReadOnlyDictionary<string, object>?[n];
        FinalInfos = new IReadOnlyDictionary<string, object>?[n];
    }

    /// <summary>Builds <paramref name="numEnvs"/> copies by calling <paramref name="factory"/> once per copy.</summary>
    protected static IEnv[] Build(Func<IEnv> factory, int numEnvs)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (numEnvs <= 0) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "a vector env needs at least one copy");
        var envs = new IEnv[numEnvs];
        try
        {
            for (int i = 0; i < numEnvs; i++) envs[i] = factory() ?? throw new ArgumentException($"the factory returned null for copy {i}");
        }
        catch
        {
            foreach (var e in envs) e?.Dispose();
            throw;
        }
        return envs;
    }

    public int NumEnvs => _envs.Length;
    public Space SingleObservationSpace { get; }
    public Space SingleActionSpace { get; }

    /// <summary>The copies, in row order (e.g. to reach a wrapper with <c>((Wrapper)Envs[i]).Find&lt;T&gt;()</c>).</summary>
    public IReadOnlyList<IEnv> Envs => _envs;

    public float[] Observations { get; }
    public float[] FinalObservations { get; }
    public float[] Rewards { get; }
    public bool[] Terminated { get; }
    public bool[] Truncated { get; }

    /// <summary>Per copy: the info of the last step, or of the autoreset when the copy finished (then see <see cref="FinalInfos"/>).</summary>
    public IReadOnlyDictionary<string, object>?[] Infos { get; }

    /// <summary>Per copy: the info of the finishing step; valid in the rows whose copy finished in the last step.</summary>
    public IReadOnlyDictionary<string, object>?[] FinalInfos { get; }

    /// <summary>Floats per observation row.</summary>
    public int ObservationSize => _obsSize;

    /// <summary>Floats per action row.</summary>
    public int ActionSize => _actSize;

    public void Reset(int? seed = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _needsReset = true;
        for (int i = 0; i < _envs.Length; i++)
        {
            Infos[i] = _envs[i].Reset(Observations.AsSpan(i * _obsSize, _obsSize), seed is int s ? unchecked(s + i) : null);
            FinalInfos[i] = null;
            Rewards[i] = 0;
            Terminated[i] = false;
            Truncated[i] = false;
        }
        _needsReset = false;
    }

    public void Step(ReadOnlySpan<float> actions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (actions.Length != _envs.Length * _actSize)
            throw new ArgumentException(
                $"actions has {actions.Length} floats but {_envs.Length} copies × {_actSize} per action ({SingleActionSpace}) need {_envs.Length * _actSize}",
                nameof(actions));
        if (_needsReset)
            throw new InvalidOperationException("Step called before Reset (or after a copy threw during Step); call Reset first.");
        try
        {
            StepCopies(actions);
        }
        catch
        {
            // Some copies stepped and some did not: the batch no longer describes one time step.
            _needsReset = true;
            throw;
        }
    }

    /// <summary>Steps every copy once (each with <see cref="StepRange"/>); <paramref name="actions"/> has been validated.</summary>
    protected abstract void StepCopies(ReadOnlySpan<float> actions);

    /// <summary>
    /// Steps copies [<paramref name="from"/>, <paramref name="to"/>) with their rows of <paramref name="actions"/>,
    /// autoresetting (without a seed) the ones that finish. Touches only those copies' rows, so disjoint ranges may
    /// run on different threads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void StepRange(ReadOnlySpan<float> actions, int from, int to)
    {
        IEnv[] envs = _envs;
        int os = _obsSize, asz = _actSize;
        float[] obs = Observations, rewards = Rewards;
        bool[] term = Terminated, trunc = Truncated;
        var infos = Infos;
        for (int i = from; i < to; i++)
        {
            Span<float> row = obs.AsSpan(i * os, os);
            StepResult r = envs[i].Step(actions.Slice(i * asz, asz), row);
            rewards[i] = (float)r.Reward;
            term[i] = r.Terminated;
            trunc[i] = r.Truncated;
            if (r.Terminated | r.Truncated)
            {
                row.CopyTo(FinalObservations.AsSpan(i * os, os));
                FinalInfos[i] = r.Info;
                infos[i] = envs[i].Reset(row);
            }
            else if (r.Info is not null || infos[i] is not null)
            {
                infos[i] = r.Info; // stores into an interface-typed array are type-checked; skip the common null → null
            }
        }
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        List<Exception>? errors = null;
        foreach (var e in _envs)
        {
            try { e.Dispose(); }
            catch (Exception ex) { (errors ??= new()).Add(ex); }
        }
        if (errors is not null) throw new AggregateException("disposing the copies failed", errors);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
