using Astromech.Adders;
using Astromech.Agents.Sac;
using Astromech.Datasets;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Awac;

/// <summary>
/// AWAC wired from SAC's parts: the squashed-Gaussian actor, the twin critics (<see cref="TwinCritic"/>), a one-step
/// adder into a uniform replay of [−1, 1] actions (<see cref="BoxActionScale"/>), and the <see cref="AwacLearner"/>.
/// The dataset goes into the same replay as the online steps, so after the offline phase every batch mixes prior and
/// online data, as in the paper. Training actions are sampled from π (no warm-up, no added noise: rlkit's AWAC explores
/// with its stochastic policy); evaluation takes tanh(μ).
/// </summary>
public sealed class AwacAgent : IOfflineAgent
{
    private const string Prefix = "awac";
    private readonly AwacConfig _cfg;
    private readonly int _obsSize, _actSize;
    private readonly BoxActionScale _scale;
    private readonly AwacLearner _learner;
    private readonly UniformReplay _replay;
    private readonly VectorNStepAdder _adder;
    private readonly ReplayBatch _batch;
    private readonly Rng _rng;
    private readonly float[] _scaled;
    private float[] _mean = Array.Empty<float>(), _logStd = Array.Empty<float>();
    private readonly TrainSchedule _schedule;
    private readonly AgentState _state;
    private long _offlineUpdates;

    public string Algo => Prefix;
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int NumEnvs => _cfg.NumEnvs;
    public AwacConfig Config => _cfg;
    public AwacLearner Learner => _learner;
    public IReplay Replay => _replay;
    public long OfflineUpdates => _offlineUpdates;

    public AwacAgent(AwacConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        _scale = new BoxActionScale(Prefix, actionSpace);
        AgentSpaces.BoxObservations(Prefix, observationSpace);
        _cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        _obsSize = observationSpace.FlatSize;
        _actSize = _scale.Size;
        _rng = new Rng(seed);
        torch.manual_seed(seed);
        _learner = new AwacLearner(cfg, _obsSize, _actSize, seed);
        _replay = new UniformReplay(cfg.BufferSize, _obsSize, _actSize);
        _adder = new VectorNStepAdder(cfg.NumEnvs, _obsSize, _actSize, 1, (float)cfg.Gamma, _replay);
        _batch = new ReplayBatch(cfg.BatchSize, _obsSize, _actSize);
        _schedule = new TrainSchedule(cfg.LearningStarts, cfg.TrainFreq, cfg.GradientSteps);
        _scaled = new float[cfg.NumEnvs * _actSize];
        _state = DeclareState();
    }

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / _obsSize;
        if (rows * _obsSize != observations.Length || actions.Length != rows * _actSize)
            throw new ArgumentException($"awac: {observations.Length} observation floats do not make rows of {_obsSize} matching {actions.Length} action floats ({_actSize} per row)");
        int n = rows * _actSize;
        if (_mean.Length < n) { _mean = new float[n]; _logStd = new float[n]; }
        using (NewDisposeScope())
        using (no_grad())
        {
            var (mean, logStd) = _learner.Actor.forward(torch.tensor(observations.ToArray(), new long[] { rows, _obsSize }));
            mean.data<float>().CopyTo(_mean.AsSpan(0, n));
            logStd.data<float>().CopyTo(_logStd.AsSpan(0, n));
        }
        for (int k = 0; k < n; k++)
        {
            double u = deterministic ? _mean[k] : _mean[k] + Math.Exp(_logStd[k]) * _rng.NextGaussian();
            actions[k] = (float)Math.Tanh(u);
        }
        _scale.ToEnv(actions);
    }

    public void Observe(in VectorTransition t, Progress progress)
    {
        if (t.Actions.Length != _scaled.Length)
            throw new ArgumentException($"awac: a vector step of {_cfg.NumEnvs} copies needs {_scaled.Length} action floats, got {t.Actions.Length}");
        _scale.ToUnit(t.Actions, _scaled);
        _adder.Add(t.Observations, _scaled, t.Rewards, t.Terminated, t.Truncated, t.NextObservations);
        _schedule.Observed(t.Rewards.Length);
    }

    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress)
    {
        int steps = _schedule.Due(progress.EnvSteps, _learner.Updates - _offlineUpdates, _replay.Count, _cfg.BatchSize);
        return steps <= 0 ? null : Train(steps, progress.EnvSteps);
    }

    public void LoadDataset(OfflineDataset dataset) =>
        _scale.LoadDataset(Prefix, dataset, ObservationSpace, ActionSpace, _replay, (float)_cfg.Gamma);

    public IReadOnlyDictionary<string, double> OfflineUpdate()
    {
        if (_replay.Count < _cfg.BatchSize)
            throw new InvalidOperationException($"awac: the offline phase needs at least batch_size = {_cfg.BatchSize} transitions in the replay, it holds {_replay.Count} (was a dataset loaded?)");
        var m = Train(1, 0);
        _offlineUpdates++;
        return m;
    }

    private Dictionary<string, double> Train(int gradientSteps, long envSteps)
    {
        double critic = 0, actor = 0, q = 0, adv = 0, w = 0, wMax = double.NegativeInfinity, logp = 0;
        for (int g = 0; g < gradientSteps; g++)
        {
            _replay.Sample(_cfg.BatchSize, _rng, 0, _batch);
            var s = _learner.Update(_batch, envSteps);
            critic += s.CriticLoss; actor += s.ActorLoss; q += s.QMean; adv += s.AdvantageMean;
            w += s.WeightMean; wMax = Math.Max(wMax, s.WeightMax); logp += s.LogProbMean;
        }
        return new Dictionary<string, double>
        {
            ["train/critic_loss"] = critic / gradientSteps,
            ["train/actor_loss"] = actor / gradientSteps,
            ["train/mean_q"] = q / gradientSteps,
            ["train/advantage"] = adv / gradientSteps,
            ["train/weight_mean"] = w / gradientSteps,
            ["train/weight_max"] = wMax,
            ["train/log_prob"] = logp / gradientSteps,
            ["train/updates"] = _learner.Updates,
            ["train/replay_size"] = _replay.Count,
        };
    }

    public void Save(Checkpoint c) => _state.Save(c);

    public void Load(Checkpoint c) => _state.Load(c);

    private AgentState DeclareState() => new AgentState(Prefix)
        .Shape(("obs_size", "observation size", _obsSize), ("action_space", "action space", ActionSpace.ToString()))
        .Config(_cfg, "net_arch", "num_envs")
        .Counters(o => { o["updates"] = _learner.Updates; o["offline_updates"] = _offlineUpdates; _schedule.Save(o); },
                  o => { _learner.SetUpdates((long)o["updates"]!); _offlineUpdates = (long)o["offline_updates"]!; _schedule.Load(o); })
        .Module("actor", _learner.Actor)
        .Module("critic", _learner.Critics.Online)
        .Module("critic_target", _learner.Critics.Target)
        .Optimizer("actor_optimizer", _learner.ActorOptimizer)
        .Optimizer("critic_optimizer", _learner.Critics.Optimizer)
        .Rng("rng", _rng)
        .Generator("generator", _learner.Generator)
        .Blob("replay", _replay.Save, _replay.Load);

    public void Dispose() => _learner.Dispose();
}
