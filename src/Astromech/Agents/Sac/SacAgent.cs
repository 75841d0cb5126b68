using System.Text.Json.Nodes;
using Astromech.Adders;
using Astromech.Datasets;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Sac;

/// <summary>
/// SAC wired from the shared parts: a stochastic actor over the <see cref="SacLearner"/>'s policy, a one-step
/// adder (discount 0 at termination, γ at truncation with the final observation), uniform replay of float
/// actions, and the learner. The policy lives in [−1, 1]^A; the agent maps it affinely onto the env's bounded
/// Box (as SB3's scale/unscale_action do), so envs need no RescaleAction wrapper, and stores the [−1, 1] action
/// in replay. Before learning_starts actions are uniform in the Box. Optional action noise (Gaussian or
/// Ornstein-Uhlenbeck, reset per episode) is added to the [−1, 1] action before clipping, as SB3 does.
/// Acting samples with the agent's own <see cref="Rng"/>, so a single-threaded seeded run is repeatable.
/// <para>As an <see cref="IOfflineAgent"/> it is the "SAC from data" baseline of the AWAC paper (naive off-policy
/// fine-tuning): the dataset is preloaded into the replay, the offline phase runs ordinary SAC updates on it, and the
/// online phase goes on with the same updates on dataset + online data; the online schedule counts online updates
/// only. learning_starts still applies online (uniform actions, no updates before it): set it to 0 so the pretrained
/// policy acts and learns from the first step, as the presets and bench/awac do.</para>
/// </summary>
public sealed class SacAgent : IOfflineAgent, Astromech.Datasets.IReplayExport
{
    private const string Prefix = "sac";
    private readonly SacConfig _cfg;
    private readonly int _obsSize, _actSize;
    private readonly BoxActionScale _scale;
    private long _offlineUpdates;
    private readonly SacLearner _learner;
    private readonly UniformReplay _replay;
    private readonly VectorNStepAdder _adder;
    private readonly ReplayBatch _batch;
    private readonly Rng _rng;
    private readonly float[] _noise;   // Ornstein-Uhlenbeck state per env copy and action dimension
    private readonly float[] _scaled;  // env actions mapped back to [−1, 1] for replay
    private float[] _mean = Array.Empty<float>(), _logStd = Array.Empty<float>();
    private readonly TrainSchedule _schedule;
    private readonly AgentState _state;

    public string Algo => Prefix;
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int NumEnvs => _cfg.NumEnvs;
    public SacConfig Config => _cfg;
    public SacLearner Learner => _learner;
    public IReplay Replay => _replay;

    public SacAgent(SacConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        _scale = new BoxActionScale("sac", actionSpace);
        AgentSpaces.BoxObservations("sac", observationSpace);
        _cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        _obsSize = observationSpace.FlatSize;
        _actSize = _scale.Size;
        _rng = new Rng(seed);
        torch.manual_seed(seed);
        _learner = new SacLearner(cfg, _obsSize, _actSize, seed);
        _replay = new UniformReplay(cfg.BufferSize, _obsSize, _actSize);
        _adder = new VectorNStepAdder(cfg.NumEnvs, _obsSize, _actSize, 1, (float)cfg.Gamma, _replay);
        _batch = new ReplayBatch(cfg.BatchSize, _obsSize, _actSize);
        _schedule = new TrainSchedule(cfg.LearningStarts, cfg.TrainFreq, cfg.GradientSteps);
        _noise = new float[cfg.NumEnvs * _actSize];
        _scaled = new float[cfg.NumEnvs * _actSize];
        _state = DeclareState();
    }

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / _obsSize;
        if (rows * _obsSize != observations.Length || actions.Length != rows * _actSize)
            throw new ArgumentException($"sac: {observations.Length} observation floats do not make rows of {_obsSize} matching {actions.Length} action floats ({_actSize} per row)");
        bool random = !deterministic && progress.EnvSteps < _cfg.LearningStarts;
        if (random)
        {
            for (int k = 0; k < actions.Length; k++) actions[k] = (float)(2 * _rng.NextDouble() - 1);
        }
        else
        {
            PolicyOutputs(observations, rows);
            for (int k = 0; k < actions.Length; k++)
            {
                double u = deterministic ? _mean[k] : _mean[k] + Math.Exp(_logStd[k]) * _rng.NextGaussian();
                actions[k] = (float)Math.Tanh(u);
            }
        }
        // Exploration noise applies to training actions on the agent's own env copies (rows = num_envs).
        if (!deterministic && _cfg.ActionNoise != ActionNoiseKind.None && rows == _cfg.NumEnvs)
            AddNoise(actions);
        _scale.ToEnv(actions);
    }

    private void AddNoise(Span<float> actions)
    {
        double sigma = _cfg.ActionNoiseSigma;
        if (_cfg.ActionNoise == ActionNoiseKind.Normal)
        {
            for (int k = 0; k < actions.Length; k++) actions[k] += (float)(sigma * _rng.NextGaussian());
            return;
        }
        double theta = _cfg.ActionNoiseTheta, dt = _cfg.ActionNoiseDt, sqrtDt = Math.Sqrt(dt);
        for (int k = 0; k < actions.Length; k++)
        {
            _noise[k] = (float)(_noise[k] - theta * _noise[k] * dt + sigma * sqrtDt * _rng.NextGaussian());
            actions[k] += _noise[k];
        }
    }

    /// <summary>μ(s) and log σ(s) of observation rows, copied into managed buffers.</summary>
    private void PolicyOutputs(ReadOnlySpan<float> observations, int rows)
    {
        int n = rows * _actSize;
        if (_mean.Length < n) { _mean = new float[n]; _logStd = new float[n]; }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = torch.tensor(observations.ToArray(), new long[] { rows, _obsSize });
        var (mean, logStd) = _learner.Actor.forward(obs);
        mean.data<float>().CopyTo(_mean.AsSpan(0, n));
        logStd.data<float>().CopyTo(_logStd.AsSpan(0, n));
    }

    /// <summary>The Ornstein-Uhlenbeck state restarts at 0 for env copies that begin an episode.</summary>
    public void OnEpisodeStart(ReadOnlySpan<bool> rows)
    {
        for (int i = 0; i < rows.Length && i < _cfg.NumEnvs; i++)
            if (rows[i]) Array.Clear(_noise, i * _actSize, _actSize);
    }

    public void Observe(in VectorTransition t, Progress progress)
    {
        var acts = t.Actions;
        if (acts.Length != _scaled.Length)
            throw new ArgumentException($"sac: a vector step of {_cfg.NumEnvs} copies needs {_scaled.Length} action floats, got {acts.Length}");
        _scale.ToUnit(acts, _scaled);
        _adder.Add(t.Observations, _scaled, t.Rewards, t.Terminated, t.Truncated, t.NextObservations);
        _schedule.Observed(t.Rewards.Length);
    }

    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress)
    {
        long envSteps = progress.EnvSteps;
        int gradientSteps = _schedule.Due(envSteps, _learner.Updates - _offlineUpdates, _replay.Count, _cfg.BatchSize);
        if (gradientSteps <= 0) return null;
        return Train(gradientSteps, envSteps);
    }

    public void LoadDataset(OfflineDataset dataset) =>
        _scale.LoadDataset(Prefix, dataset, ObservationSpace, ActionSpace, _replay, (float)_cfg.Gamma);

    public long OfflineUpdates => _offlineUpdates;

    public IReadOnlyDictionary<string, double> OfflineUpdate()
    {
        if (_replay.Count < _cfg.BatchSize)
            throw new InvalidOperationException($"sac: the offline phase needs at least batch_size = {_cfg.BatchSize} transitions in the replay, it holds {_replay.Count} (was a dataset loaded?)");
        var m = Train(1, 0);
        _offlineUpdates++;
        return m;
    }

    private Dictionary<string, double> Train(int gradientSteps, long envSteps)
    {
        double critic = 0, actor = 0, alpha = 0, alphaLoss = 0, q = 0, logp = 0;
        for (int g = 0; g < gradientSteps; g++)
        {
            _replay.Sample(_cfg.BatchSize, _rng, 0, _batch);
            var s = _learner.Update(_batch, envSteps);
            critic += s.CriticLoss; actor += s.ActorLoss; alpha += s.EntCoef;
            alphaLoss += s.EntCoefLoss ?? 0; q += s.QMean; logp += s.LogProbMean;
        }
        var m = new Dictionary<string, double>
        {
            ["train/critic_loss"] = critic / gradientSteps,
            ["train/actor_loss"] = actor / gradientSteps,
            ["train/ent_coef"] = alpha / gradientSteps,
            ["train/mean_q"] = q / gradientSteps,
            ["train/log_prob"] = logp / gradientSteps,
            ["train/updates"] = _learner.Updates,
            ["train/replay_size"] = _replay.Count,
        };
        if (_learner.LearnsEntCoef) m["train/ent_coef_loss"] = alphaLoss / gradientSteps;
        return m;
    }

    public void Save(Checkpoint c) => _state.Save(c);

    public void Load(Checkpoint c) => _state.Load(c);

    /// <summary>The checkpoint state, declared once (<see cref="AgentState"/>): save and load are derived from it.</summary>
    private AgentState DeclareState() => new AgentState(Prefix)
        .Shape(("obs_size", "observation size", _obsSize), ("action_space", "action space", ActionSpace.ToString()))
        .Config(_cfg, "net_arch", "num_envs")
        .CheckConfig<SacConfig>(saved => Checkpoint.EnsureMatches("ent_coef learned (\"auto…\" or fixed)", saved.ParseEntCoef().Learned.ToString(), _learner.LearnsEntCoef.ToString()))
        .Counters(o => { o["updates"] = _learner.Updates; o["offline_updates"] = _offlineUpdates; _schedule.Save(o); },
                  o => { _learner.SetUpdates((long)o["updates"]!); _offlineUpdates = (long?)o["offline_updates"] ?? 0; _schedule.Load(o); })
        .Module("actor", _learner.Actor)
        .Module("critic", _learner.Critic)
        .Module("critic_target", _learner.CriticTarget)
        .Module("log_ent_coef", _learner.Temperature)
        .Optimizer("actor_optimizer", _learner.ActorOptimizer)
        .Optimizer("critic_optimizer", _learner.CriticOptimizer)
        .Optimizer("ent_coef_optimizer", _learner.EntCoefOptimizer)
        .Rng("rng", _rng)
        .Generator("generator", _learner.Generator)
        .Bytes("action_noise_state", () =>
        {
            var noise = new byte[_noise.Length * sizeof(float)];
            Buffer.BlockCopy(_noise, 0, noise, 0, noise.Length);
            return noise;
        }, noise =>
        {
            if (noise.Length != _noise.Length * sizeof(float))
                throw new CheckpointException($"checkpoint section '{Prefix}/action_noise_state' holds {noise.Length} bytes, expected {_noise.Length * sizeof(float)}");
            Buffer.BlockCopy(noise, 0, _noise, 0, noise.Length);
        })
        .Blob("replay", _replay.Save, _replay.Load);

    // IReplayExport: `dataset record --from-replay` turns this run's replay into a dataset (D4RL's medium-replay).
    TransitionReplay Astromech.Datasets.IReplayExport.ExportedReplay => _replay;
    int Astromech.Datasets.IReplayExport.ReplayCopies => _cfg.NumEnvs;

    /// <summary>Replay holds the policy's [−1, 1] action; the env saw it mapped affinely onto the Box.</summary>
    void Astromech.Datasets.IReplayExport.ToEnvAction(ReadOnlySpan<float> stored, Span<float> envAction)
    {
        stored[.._actSize].CopyTo(envAction);
        _scale.ToEnv(envAction[.._actSize]);
    }

    public void Dispose() => _learner.Dispose();
}
