using Astromech.Adders;
using Astromech.Envs;
using Astromech.Envs.Vector;
using Astromech.Nn;
using static TorchSharp.torch;

namespace Astromech.Agents.R2d2;

/// <summary>
/// An R2D2 actor: its own env copies, its own network copy and RNG, and one LSTM state per copy, carried
/// across steps and reset to zero at every episode start. Each <see cref="Step"/> acts ε-greedily on every copy
/// (one ε per copy), steps the envs, and hands the step with the state the network was in before it to the
/// adder (if any). The previous action/reward it feeds the network follow the adder's rule: −1/0 at an
/// episode's first step, else the last step's. It never trains; <see cref="Network"/> is refreshed from the
/// learner by whoever owns the actor.
/// </summary>
public sealed class R2d2Actor : IDisposable
{
    private readonly SyncVectorEnv _env;
    private readonly VectorSequenceAdder? _adder;
    private readonly EpisodeTracker _episodes;
    private readonly Rng _rng;
    private readonly int _n, _obsSize, _stateSize, _numActions;
    private float[] _h, _c, _hNext, _cNext;
    private readonly float[] _obs, _actions, _prevRewards;
    private readonly long[] _prevActions;
    private readonly int[] _greedy;

    public R2d2Actor(Func<IEnv> makeEnv, int numEnvs, RecurrentQNetwork network, VectorSequenceAdder? adder, Rng rng, int seed)
    {
        if (numEnvs < 1) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "an actor needs at least one env copy");
        if (adder is not null && adder.NumEnvs != numEnvs) throw new ArgumentException($"adder is for {adder.NumEnvs} env copies, the actor has {numEnvs}");
        _env = new SyncVectorEnv(Enumerable.Range(0, numEnvs).Select(_ => makeEnv()).ToArray());
        Network = network;
        _adder = adder;
        _rng = rng;
        _n = numEnvs;
        _obsSize = _env.SingleObservationSpace.FlatSize;
        _stateSize = network.LstmSize;
        _numActions = network.NumActions;
        _episodes = new EpisodeTracker(numEnvs);
        _h = new float[_n * _stateSize];
        _c = new float[_n * _stateSize];
        _hNext = new float[_n * _stateSize];
        _cNext = new float[_n * _stateSize];
        _obs = new float[_n * _obsSize];
        _actions = new float[_n];
        _prevRewards = new float[_n];
        _prevActions = new long[_n];
        _greedy = new int[_n];
        Array.Fill(_prevActions, -1L);
        _env.Reset(seed);
    }

    public RecurrentQNetwork Network { get; }
    public int NumEnvs => _n;
    public IVectorEnv Env => _env;
    /// <summary>Each copy's LSTM state before its next step ([copies, lstm]).</summary>
    public ReadOnlySpan<float> H => _h;
    public ReadOnlySpan<float> C => _c;
    /// <summary>Episodes finished since the last <see cref="ClearCompleted"/>.</summary>
    public ReadOnlySpan<CompletedEpisode> Completed => _episodes.Completed;
    public void ClearCompleted() => _episodes.Clear();

    /// <summary>One vector step with ε <paramref name="epsilons"/>[i] on copy i.</summary>
    public void Step(ReadOnlySpan<double> epsilons)
    {
        if (epsilons.Length != _n) throw new ArgumentException($"one ε per env copy: {_n} copies, {epsilons.Length} values");
        Array.Copy(_env.Observations, _obs, _obs.Length);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var (q, h, c) = Network.Step(tensor(_obs, new long[] { _n, _obsSize }), tensor(_prevActions, new long[] { _n }),
                tensor(_prevRewards, new long[] { _n }), tensor(_h, new long[] { _n, _stateSize }), tensor(_c, new long[] { _n, _stateSize }));
            q.argmax(1).to_type(ScalarType.Int32).data<int>().CopyTo(_greedy);
            h.data<float>().CopyTo(_hNext);
            c.data<float>().CopyTo(_cNext);
        }
        for (int i = 0; i < _n; i++)
            _actions[i] = _rng.NextDouble() < epsilons[i] ? _rng.Next(_numActions) : _greedy[i];
        _env.Step(_actions);
        _adder?.Add(_obs, _h, _c, _actions, _env.Rewards, _env.Terminated, _env.Truncated, _env.Observations, _env.FinalObservations);
        for (int i = 0; i < _n; i++)
        {
            if (_env.Terminated[i] || _env.Truncated[i])
            {
                Array.Clear(_hNext, i * _stateSize, _stateSize);
                Array.Clear(_cNext, i * _stateSize, _stateSize);
                _prevActions[i] = -1;
                _prevRewards[i] = 0;
            }
            else
            {
                _prevActions[i] = (long)_actions[i];
                _prevRewards[i] = _env.Rewards[i];
            }
        }
        (_h, _hNext) = (_hNext, _h);
        (_c, _cNext) = (_cNext, _c);
        _episodes.Record(_env);
    }

    public void Dispose()
    {
        _env.Dispose();
        Network.Dispose();
    }
}
