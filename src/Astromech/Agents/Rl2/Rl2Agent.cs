using System.Text.Json.Nodes;
using Astromech.Agents.A2c;
using Astromech.Agents.ActorCritic;
using Astromech.Agents.Ppo;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;

namespace Astromech.Agents.Rl2;

/// <summary>
/// RL²'s agent: the recurrent PPO or A2C of the on-policy family (<see cref="OnPolicyAgent{TConfig}"/>), run on trials. It
/// adds no network or rollout code of its own: the trial wrapper its descriptor puts around every env gives the core its
/// inputs (previous action, reward, done flag) and makes the trial the episode the agent resets its core after. This
/// class hands everything to the inner learner, which runs under the name "rl2" (errors, checkpoint sections).
/// </summary>
public sealed class Rl2Agent : IStreamAgent, IActorCriticAgent, IHeldOutActor
{
    private readonly IStreamAgent _inner;

    public Rl2Agent(Rl2Config cfg, Space observationSpace, Space actionSpace, int seed)
    {
        Config = cfg;
        var json = ConfigBinder.ToJson(cfg);
        foreach (var key in Rl2Config.OwnKeys) json.Remove(key);
        Type innerType = cfg.Learner == Rl2Learner.Ppo ? typeof(PpoConfig) : typeof(A2cConfig);
        var keep = new HashSet<string>(ConfigBinder.KeysOf(innerType));
        foreach (var key in json.Select(kv => kv.Key).ToArray())
            if (!keep.Contains(key)) json.Remove(key);
        InnerConfig = (OnPolicyConfig)ConfigBinder.Bind(innerType, json, source: "rl2's config");
        _inner = cfg.Learner == Rl2Learner.Ppo
            ? new PpoAgent((PpoConfig)InnerConfig, observationSpace, actionSpace, seed, "rl2")
            : new A2cAgent((A2cConfig)InnerConfig, observationSpace, actionSpace, seed, "rl2");
    }

    public Rl2Config Config { get; }

    /// <summary>The config of the inner PPO or A2C learner (every rl2 key but trial_episodes and learner).</summary>
    public OnPolicyConfig InnerConfig { get; }

    /// <summary>The inner learner (a <see cref="PpoAgent"/> or an <see cref="A2cAgent"/>).</summary>
    public IStreamAgent Inner => _inner;

    public string Algo => "rl2";
    public Space ObservationSpace => _inner.ObservationSpace;
    public Space ActionSpace => _inner.ActionSpace;
    public int NumEnvs => _inner.NumEnvs;
    public ActorCriticNetwork Network => ((IActorCriticAgent)_inner).Network;
    public Astromech.Envs.RunningMeanStd? ObservationStatistics => ((IActorCriticAgent)_inner).ObservationStatistics;

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic) =>
        _inner.Act(observations, actions, progress, deterministic);

    /// <summary>Acts on rows that are not the training rows (held-out trials), sampling or taking the mode, without touching the rollout.</summary>
    public void ActHeldOut(ReadOnlySpan<float> observations, Span<float> actions, bool deterministic) =>
        ((IHeldOutActor)_inner).ActHeldOut(observations, actions, deterministic);

    public void OnEpisodeStart(ReadOnlySpan<bool> rows) => _inner.OnEpisodeStart(rows);
    public void Observe(in VectorTransition t, Progress progress) => _inner.Observe(t, progress);
    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress) => _inner.MaybeUpdate(progress);
    public void Save(Checkpoint checkpoint) => _inner.Save(checkpoint);
    public void Load(Checkpoint checkpoint) => _inner.Load(checkpoint);
    public void Dispose() => _inner.Dispose();
}
