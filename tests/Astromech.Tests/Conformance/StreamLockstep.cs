using Astromech.Envs;
using Astromech.Envs.Vector;
using Astromech.Training;

namespace Astromech.Tests.Conformance;

/// <summary>
/// Drives one or more stream agents over one vector env, in lockstep: every agent acts on the same observations,
/// the env steps with the first agent's actions, and every agent sees the same transition and decides its own
/// updates. Two agents in the same state must then act and train identically, step for step; this is the
/// trainer's stream loop (Trainer.StreamLoop) without its books.
/// </summary>
internal sealed class StreamLockstep : IDisposable
{
    private readonly SyncVectorEnv _venv;
    private readonly int _n, _obsSize, _actSize;
    private readonly float[] _obs, _next;
    private readonly bool[] _starts;
    private readonly long _total;

    public long EnvSteps { get; private set; }

    /// <summary>Whether every row ended an episode in the last step.</summary>
    public bool EpisodeEnded => _starts.All(x => x);

    public StreamLockstep(Func<IEnv> makeEnv, int numEnvs, int seed, long totalSteps)
    {
        _venv = new SyncVectorEnv(Enumerable.Range(0, numEnvs).Select(_ => makeEnv()).ToArray());
        _n = numEnvs;
        _obsSize = _venv.SingleObservationSpace.FlatSize;
        _actSize = _venv.SingleActionSpace.FlatSize;
        _obs = new float[_n * _obsSize];
        _next = new float[_n * _obsSize];
        _starts = new bool[_n];
        _total = totalSteps;
        _venv.Reset(seed);
    }

    /// <summary>The observations the next step's agents act on (a copy).</summary>
    public float[] Observations => (float[])_venv.Observations.Clone();

    /// <summary>Tells the agents that every row starts an episode (call once, before the first step).</summary>
    public void Start(params IStreamAgent[] agents)
    {
        Array.Fill(_starts, true);
        foreach (var a in agents) a.OnEpisodeStart(_starts);
    }

    /// <summary>One vector step; returns each agent's actions and update metrics.</summary>
    public (float[][] Actions, IReadOnlyDictionary<string, double>?[] Metrics) Step(IReadOnlyList<IStreamAgent> agents)
    {
        var p = new Progress(EnvSteps, _total);
        Array.Copy(_venv.Observations, _obs, _obs.Length);
        var actions = new float[agents.Count][];
        for (int k = 0; k < agents.Count; k++)
        {
            actions[k] = new float[_n * _actSize];
            agents[k].Act(_obs, actions[k], p, deterministic: false);
        }
        _venv.Step(actions[0]);
        EnvSteps += _n;
        Array.Copy(_venv.Observations, _next, _next.Length);
        bool anyDone = false;
        for (int i = 0; i < _n; i++)
        {
            _starts[i] = _venv.Terminated[i] || _venv.Truncated[i];
            if (!_starts[i]) continue;
            anyDone = true;
            Array.Copy(_venv.FinalObservations, i * _obsSize, _next, i * _obsSize, _obsSize);
        }
        var after = new Progress(EnvSteps, _total);
        var metrics = new IReadOnlyDictionary<string, double>?[agents.Count];
        for (int k = 0; k < agents.Count; k++)
        {
            agents[k].Observe(new VectorTransition
            {
                Observations = _obs, Actions = actions[0], Rewards = _venv.Rewards,
                Terminated = _venv.Terminated, Truncated = _venv.Truncated, NextObservations = _next,
            }, after);
            if (anyDone) agents[k].OnEpisodeStart(_starts);
            metrics[k] = agents[k].MaybeUpdate(after);
        }
        return (actions, metrics);
    }

    public void Dispose() => _venv.Dispose();
}
