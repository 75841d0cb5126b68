using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Envs.Vector;
using Astromech.Nn;
using Astromech.Training;

namespace Astromech.Agents.ActorCritic;

/// <summary>
/// An actor's loop for the threaded actor-critic agents (A3C's workers, IMPALA's actors): its own env copies,
/// its own network copy and RNG; <see cref="Collect"/> fills a <see cref="RolloutBuffer"/> with n_steps of
/// acting, reports the env steps and finished episodes to its <see cref="IActorHost"/>, and values the
/// rollout's boundaries with the actor's network.
/// </summary>
public sealed class RolloutCollector : IDisposable
{
    private readonly SyncVectorEnv _env;
    private readonly ActorCriticNetwork _net;
    private readonly PolicySampler _sampler;
    private readonly EpisodeTracker _episodes;
    private readonly Rng _rng;
    private readonly float _gamma;
    private readonly float[] _obs, _envActions, _raw, _logp, _values, _next;

    public RolloutCollector(Func<IEnv> makeEnv, int envs, ActorCriticNetwork net, Space actionSpace, Rng rng, float gamma, int seed)
    {
        _env = new SyncVectorEnv(Enumerable.Range(0, envs).Select(_ => makeEnv()).ToArray());
        _net = net;
        _sampler = new PolicySampler(net, actionSpace);
        _episodes = new EpisodeTracker(envs);
        _rng = rng;
        _gamma = gamma;
        int obs = _env.SingleObservationSpace.FlatSize, act = _env.SingleActionSpace.FlatSize;
        _obs = new float[envs * obs];
        _next = new float[envs * obs];
        _envActions = new float[envs * act];
        _raw = new float[envs * act];
        _logp = new float[envs];
        _values = new float[envs];
        _env.Reset(seed);
    }

    public int Envs => _env.NumEnvs;
    public ActorCriticNetwork Network => _net;

    /// <summary>
    /// Resets and fills <paramref name="buffer"/> (n_steps × this collector's env copies). Returns false when the
    /// run's step budget ran out during the rollout (the rollout is still complete and usable).
    /// </summary>
    public bool Collect(RolloutBuffer buffer, IActorHost run)
    {
        buffer.Reset();
        bool more = true;
        int n = _env.NumEnvs, obsSize = _env.SingleObservationSpace.FlatSize;
        while (!buffer.Full)
        {
            Array.Copy(_env.Observations, _obs, _obs.Length);
            _sampler.Act(_obs, n, false, _rng, _envActions, _raw, _logp, _values);
            _env.Step(_envActions);
            Array.Copy(_env.Observations, _next, _next.Length);
            for (int b = 0; b < n; b++)
                if (_env.Terminated[b] || _env.Truncated[b])
                    Array.Copy(_env.FinalObservations, b * obsSize, _next, b * obsSize, obsSize);
            buffer.Add(_obs, _raw, _logp, _values, _env.Rewards, _env.Terminated, _env.Truncated, _gamma, _next);
            _episodes.Record(_env);
            foreach (var e in _episodes.Completed) run.EndEpisode(e.Return, e.Length);
            _episodes.Clear();
            more &= run.AddSteps(n);
        }
        buffer.EvaluateBoundaries((obs, rows) => PolicySampler.Values(_net, obs, rows));
        return more;
    }

    public void Dispose()
    {
        _env.Dispose();
        _net.Dispose();
    }
}
