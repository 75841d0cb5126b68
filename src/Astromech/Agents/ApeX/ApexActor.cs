using Astromech.Adders;
using Astromech.Agents.Dqn;
using Astromech.Envs;
using Astromech.Envs.Vector;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Replay;
using static TorchSharp.torch;

namespace Astromech.Agents.ApeX;

/// <summary>
/// An Ape-X actor: its own env copies, its own copies of the online and target Q-networks (loaded from a
/// <see cref="IParameterSource"/>), one fixed ε per copy, and an n-step adder that writes into a local
/// <see cref="TransitionBlock"/>. Once the block holds flush_size transitions (<see cref="BlockReady"/>), the
/// owner calls <see cref="ComputePriorities"/> — |δ| of each transition under the actor's own network copies,
/// one batched forward pass, as in the paper — and sends block and priorities to the replay. It never trains.
/// </summary>
public sealed class ApexActor : IDisposable
{
    private readonly SyncVectorEnv _env;
    private readonly VectorNStepAdder _adder;
    private readonly EpisodeTracker _episodes;
    private readonly DqnConfig _dqn;
    private readonly Rng _rng;
    private readonly double[] _epsilons;
    private readonly int _n, _obsSize, _numActions, _flushSize;
    private readonly float[] _obs, _actions, _priorities;
    private readonly int[] _greedy;

    public ApexActor(Func<IEnv> makeEnv, ApexConfig cfg, int obsSize, int numActions, ReadOnlySpan<double> epsilons, Rng rng, int seed)
    {
        if (epsilons.Length != cfg.NumEnvs) throw new ArgumentException($"one ε per env copy: {cfg.NumEnvs} copies, {epsilons.Length} values");
        _n = cfg.NumEnvs;
        _env = new SyncVectorEnv(Enumerable.Range(0, _n).Select(_ => makeEnv()).ToArray());
        if (_env.SingleObservationSpace.FlatSize != obsSize)
            throw new ArgumentException($"the env's observations have {_env.SingleObservationSpace.FlatSize} floats, the network expects {obsSize}");
        _dqn = cfg.ToDqnConfig();
        _obsSize = obsSize;
        _numActions = numActions;
        _flushSize = cfg.FlushSize;
        _epsilons = epsilons.ToArray();
        _rng = rng;
        Online = new QNetwork(obsSize, numActions, cfg.Hidden, cfg.Dueling);
        Target = new QNetwork(obsSize, numActions, cfg.Hidden, cfg.Dueling);
        foreach (var p in Online.parameters().Concat(Target.parameters())) p.requires_grad = false;
        Online.eval();
        Target.eval();
        Block = new TransitionBlock(cfg.BlockCapacity, obsSize, 1);
        _adder = new VectorNStepAdder(_n, obsSize, 1, cfg.NStep, (float)cfg.Gamma, Block);
        _episodes = new EpisodeTracker(_n);
        _obs = new float[_n * obsSize];
        _actions = new float[_n];
        _greedy = new int[_n];
        _priorities = new float[cfg.BlockCapacity];
        _env.Reset(seed);
    }

    public QNetwork Online { get; }
    public QNetwork Target { get; }
    public int NumEnvs => _n;
    public IReadOnlyList<double> Epsilons => _epsilons;
    /// <summary>Version of the parameters loaded last (−1: none yet).</summary>
    public long ParameterVersion { get; private set; } = -1;
    /// <summary>The local buffer the adder writes into.</summary>
    public TransitionBlock Block { get; }
    public bool BlockReady => Block.Count >= _flushSize;
    /// <summary>The priorities of the block's rows after <see cref="ComputePriorities"/>.</summary>
    public ReadOnlySpan<float> Priorities => _priorities.AsSpan(0, Block.Count);
    public ReadOnlySpan<CompletedEpisode> Completed => _episodes.Completed;
    public void ClearCompleted() => _episodes.Clear();

    /// <summary>Loads the source's newest parameters (online then target) if they are newer than ours; returns whether it did.</summary>
    public bool Pull(IParameterSource source)
    {
        var p = source.GetNewer(ParameterVersion);
        if (p is null) return false;
        ParameterVector.Write(p.Values, Online, Target);
        ParameterVersion = p.Version;
        return true;
    }

    /// <summary>One vector step: ε-greedy on every copy with the local online network, then the adder.</summary>
    public void Step()
    {
        Array.Copy(_env.Observations, _obs, _obs.Length);
        using (var scope = NewDisposeScope())
        using (no_grad())
            Online.forward(tensor(_obs, new long[] { _n, _obsSize })).argmax(1).to_type(ScalarType.Int32).data<int>().CopyTo(_greedy);
        for (int i = 0; i < _n; i++)
            _actions[i] = _rng.NextDouble() < _epsilons[i] ? _rng.Next(_numActions) : _greedy[i];
        _env.Step(_actions);
        _adder.Add(_obs, _actions, _env.Rewards, _env.Terminated, _env.Truncated, _env.Observations, _env.FinalObservations);
        _episodes.Record(_env);
    }

    /// <summary>
    /// |δ| of every block row under the local online and target networks (the initial priorities). A non-finite one (a NaN
    /// reward, a diverged network) stops the actor with <see cref="Training.NonFiniteLossException"/> naming it, before it
    /// can reach the replay's sum tree.
    /// </summary>
    public void ComputePriorities()
    {
        DqnLearner.AbsTdErrors(_dqn, Online, Target, Block, _priorities);
        foreach (float p in Priorities)
            if (!float.IsFinite(p)) throw new Training.NonFiniteLossException(ApexAlgorithm.Info.Name, -1, ParameterVersion, "actor_td_error", p);
    }

    public void Dispose()
    {
        _env.Dispose();
        Online.Dispose();
        Target.Dispose();
    }
}
