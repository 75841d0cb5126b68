using Astromech.Replay;

namespace Astromech.Adders;

/// <summary>
/// Turns one env copy's stream of steps into n-step transitions (o_t, a_t, Σ_{k&lt;n} γ^k r_{t+k}, γ^n, o_{t+n})
/// and writes them to a replay table (or any <see cref="ITransitionWriter"/>). At termination every pending step is written with discount 0 (nothing
/// to bootstrap from); at truncation with discount γ^k, bootstrapping from the final observation, since the
/// episode was cut, not ended. n = 1 gives plain transitions. Preallocated; allocates nothing per step.
/// </summary>
public sealed class NStepAdder
{
    private readonly ITransitionWriter _replay;
    private readonly int _n, _obsSize, _actSize;
    private readonly float _gamma;
    private readonly float[] _obs, _act, _rew;
    private int _head, _count;

    public NStepAdder(ITransitionWriter replay, int obsSize, int actSize, int n, float gamma)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n-step needs n ≥ 1");
        if (!(gamma >= 0 && gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must lie in [0, 1]");
        _replay = replay;
        _n = n;
        _gamma = gamma;
        _obsSize = obsSize;
        _actSize = actSize;
        _obs = new float[n * obsSize];
        _act = new float[n * actSize];
        _rew = new float[n];
    }

    /// <summary>Steps seen but not yet written (fewer than n, or 0 after an episode end).</summary>
    public int Pending => _count;

    /// <summary>
    /// One step: the observation it acted on, its action and reward, how it ended, and the true next
    /// observation (the final one when the episode ended).
    /// </summary>
    public void Observe(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, bool terminated, bool truncated, ReadOnlySpan<float> nextObs)
    {
        if (obs.Length != _obsSize || nextObs.Length != _obsSize || action.Length != _actSize)
            throw new ArgumentException($"n-step adder takes {_obsSize} observation and {_actSize} action floats; got {obs.Length}, {nextObs.Length} and {action.Length}");
        int slot = (_head + _count) % _n;
        obs.CopyTo(_obs.AsSpan(slot * _obsSize, _obsSize));
        action.CopyTo(_act.AsSpan(slot * _actSize, _actSize));
        _rew[slot] = reward;
        _count++;

        if (terminated || truncated)
        {
            while (_count > 0) EmitOldest(terminated, nextObs);
            _head = 0;
        }
        else if (_count == _n)
        {
            EmitOldest(false, nextObs);
        }
    }

    /// <summary>Drops pending steps without writing them (e.g. when the env copy is reset from outside).</summary>
    public void Clear()
    {
        _head = 0;
        _count = 0;
    }

    private void EmitOldest(bool terminated, ReadOnlySpan<float> nextObs)
    {
        float ret = 0, g = 1;
        for (int k = 0; k < _count; k++)
        {
            ret += g * _rew[(_head + k) % _n];
            g *= _gamma;
        }
        float discount = terminated ? 0f : g;
        _replay.Add(_obs.AsSpan(_head * _obsSize, _obsSize), _act.AsSpan(_head * _actSize, _actSize), ret, discount, nextObs);
        _head = (_head + 1) % _n;
        _count--;
    }
}

/// <summary>One <see cref="NStepAdder"/> per env copy, fed from a vector step's row-major buffers.</summary>
public sealed class VectorNStepAdder
{
    private readonly NStepAdder[] _adders;
    private readonly int _obsSize, _actSize;

    public VectorNStepAdder(int numEnvs, int obsSize, int actSize, int n, float gamma, ITransitionWriter replay)
    {
        _obsSize = obsSize;
        _actSize = actSize;
        _adders = new NStepAdder[numEnvs];
        for (int i = 0; i < numEnvs; i++) _adders[i] = new NStepAdder(replay, obsSize, actSize, n, gamma);
    }

    public int NumEnvs => _adders.Length;

    public void Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> actions, ReadOnlySpan<float> rewards,
        ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, ReadOnlySpan<float> nextObs)
    {
        int n = _adders.Length;
        if (rewards.Length != n || terminated.Length != n || truncated.Length != n || obs.Length != n * _obsSize
            || nextObs.Length != n * _obsSize || actions.Length != n * _actSize)
            throw new ArgumentException($"vector adder for {n} copies got {rewards.Length} rewards, {terminated.Length}/{truncated.Length} done flags, {obs.Length}/{nextObs.Length} observation floats and {actions.Length} action floats");
        for (int i = 0; i < n; i++)
            _adders[i].Observe(obs.Slice(i * _obsSize, _obsSize), actions.Slice(i * _actSize, _actSize), rewards[i],
                terminated[i], truncated[i], nextObs.Slice(i * _obsSize, _obsSize));
    }

    /// <summary>
    /// One vector step straight from the env's buffers under the same-step autoreset contract of
    /// <see cref="Astromech.Envs.Vector.IVectorEnv"/>: copy i's next observation is row i of
    /// <paramref name="finalObservations"/> where it terminated or truncated, else row i of
    /// <paramref name="observations"/> (the env's buffers after the step). <paramref name="obs"/> holds the
    /// observations the actions were chosen on (a copy taken before the step).
    /// </summary>
    public void Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> actions, ReadOnlySpan<float> rewards,
        ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, ReadOnlySpan<float> observations, ReadOnlySpan<float> finalObservations)
    {
        int n = _adders.Length;
        if (rewards.Length != n || terminated.Length != n || truncated.Length != n || obs.Length != n * _obsSize
            || observations.Length != n * _obsSize || finalObservations.Length != n * _obsSize || actions.Length != n * _actSize)
            throw new ArgumentException($"vector adder for {n} copies got {rewards.Length} rewards, {terminated.Length}/{truncated.Length} done flags, {obs.Length}/{observations.Length}/{finalObservations.Length} observation floats and {actions.Length} action floats");
        for (int i = 0; i < n; i++)
        {
            var next = terminated[i] || truncated[i] ? finalObservations : observations;
            _adders[i].Observe(obs.Slice(i * _obsSize, _obsSize), actions.Slice(i * _actSize, _actSize), rewards[i],
                terminated[i], truncated[i], next.Slice(i * _obsSize, _obsSize));
        }
    }

    public void Clear()
    {
        foreach (var a in _adders) a.Clear();
    }
}
