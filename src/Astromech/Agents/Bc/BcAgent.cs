using Astromech.Adders;
using Astromech.Agents.Sac;
using Astromech.Datasets;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.Bc;

/// <summary>
/// Behaviour cloning on the shared parts. Box actions: SAC's <see cref="SquashedGaussianActor"/>, replay actions in
/// [−1, 1] (<see cref="BoxActionScale"/>), loss −mean log π(a|s) with the tanh correction; evaluation acts tanh(μ).
/// Discrete actions: a <see cref="QNetwork"/> body read as logits of a <see cref="Categorical"/>, loss −mean log π(a|s);
/// evaluation acts argmax. Training actions are sampled from π with the agent's own <see cref="Rng"/>.
/// </summary>
public sealed class BcAgent : IOfflineAgent
{
    private const string Prefix = "bc";
    private readonly BcConfig _cfg;
    private readonly int _obsSize, _actSize, _numActions;
    private readonly BoxActionScale? _scale;      // Box actions
    private readonly SquashedGaussianActor? _gaussian;
    private readonly QNetwork? _logits;           // Discrete actions
    private readonly OptimizerHelper _optimizer;
    private readonly UniformReplay _replay;
    private readonly VectorNStepAdder _adder;
    private readonly ReplayBatch _batch;
    private readonly Rng _rng;
    private readonly float[] _stored;
    private readonly TrainSchedule _schedule;
    private readonly AgentState _state;
    private long _updates, _offlineUpdates;

    public string Algo => Prefix;
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int NumEnvs => _cfg.NumEnvs;
    public IReplay Replay => _replay;
    public long OfflineUpdates => _offlineUpdates;
    public long Updates => _updates;

    public BcAgent(BcConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        AgentSpaces.BoxObservations(Prefix, observationSpace);
        AgentSpaces.DiscreteOrBoxActions(Prefix, actionSpace);
        _cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        _obsSize = observationSpace.FlatSize;
        _rng = new Rng(seed);
        torch.manual_seed(seed);
        if (actionSpace is Discrete d)
        {
            _numActions = d.N;
            _actSize = 1;
            _logits = new QNetwork(_obsSize, d.N, cfg.NetArch, dueling: false);
            _optimizer = Optimizers.NewAdam(_logits.parameters(), cfg.LearningRate);
        }
        else
        {
            _scale = new BoxActionScale(Prefix, actionSpace);
            _actSize = _scale.Size;
            _gaussian = new SquashedGaussianActor(_obsSize, _actSize, cfg.NetArch);
            _optimizer = Optimizers.NewAdam(_gaussian.parameters(), cfg.LearningRate);
        }
        _replay = new UniformReplay(cfg.BufferSize, _obsSize, _actSize);
        _adder = new VectorNStepAdder(cfg.NumEnvs, _obsSize, _actSize, 1, 1f, _replay);
        _batch = new ReplayBatch(cfg.BatchSize, _obsSize, _actSize);
        _schedule = new TrainSchedule(cfg.LearningStarts, cfg.TrainFreq, cfg.GradientSteps);
        _stored = new float[cfg.NumEnvs * _actSize];
        _state = DeclareState();
    }

    /// <summary>The policy π(·|s) of observation rows [B, obs] (squashed Gaussian or categorical).</summary>
    public IActionDistribution Policy(Tensor obs) =>
        _gaussian is not null ? _gaussian.Distribution(obs) : new Astromech.Nn.Categorical(_logits!.forward(obs));

    /// <summary>The acting policy as ONNX: tanh(μ) on the Box, or argmax of the logits.</summary>
    public Export.ExportedPolicy ExportPolicy() => _gaussian is not null
        ? Export.PolicyExports.SquashedGaussian(Prefix, _gaussian, (Box)ActionSpace)
        : Export.PolicyExports.QPolicy(Prefix, _logits!, _obsSize, "logits");

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / _obsSize;
        if (rows * _obsSize != observations.Length || actions.Length != rows * _actSize)
            throw new ArgumentException($"bc: {observations.Length} observation floats do not make rows of {_obsSize} matching {actions.Length} action floats ({_actSize} per row)");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = torch.tensor(observations.ToArray(), new long[] { rows, _obsSize });
        if (_gaussian is not null)
        {
            var (mean, logStd) = _gaussian.forward(obs);
            var mu = mean.data<float>().ToArray();
            var ls = logStd.data<float>().ToArray();
            for (int k = 0; k < actions.Length; k++)
                actions[k] = (float)Math.Tanh(deterministic ? mu[k] : mu[k] + Math.Exp(ls[k]) * _rng.NextGaussian());
            _scale!.ToEnv(actions);
            return;
        }
        var logits = _logits!.forward(obs);
        if (deterministic)
        {
            var best = logits.argmax(1).to_type(ScalarType.Float32).data<float>().ToArray();
            best.CopyTo(actions);
            return;
        }
        var probs = nn.functional.softmax(logits, 1).data<float>().ToArray();
        for (int r = 0; r < rows; r++)
        {
            double u = _rng.NextDouble(), c = 0;
            int a = _numActions - 1;
            for (int j = 0; j < _numActions; j++)
            {
                c += probs[r * _numActions + j];
                if (u < c) { a = j; break; }
            }
            actions[r] = a;
        }
    }

    public void Observe(in VectorTransition t, Progress progress)
    {
        if (t.Actions.Length != _stored.Length)
            throw new ArgumentException($"bc: a vector step of {_cfg.NumEnvs} copies needs {_stored.Length} action floats, got {t.Actions.Length}");
        if (_scale is not null) _scale.ToUnit(t.Actions, _stored);
        else t.Actions.CopyTo(_stored);
        _adder.Add(t.Observations, _stored, t.Rewards, t.Terminated, t.Truncated, t.NextObservations);
        _schedule.Observed(t.Rewards.Length);
    }

    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress)
    {
        int steps = _schedule.Due(progress.EnvSteps, _updates - _offlineUpdates, _replay.Count, _cfg.BatchSize);
        return steps <= 0 ? null : Train(steps, progress.EnvSteps);
    }

    public void LoadDataset(OfflineDataset dataset)
    {
        if (_scale is not null) { _scale.LoadDataset(Prefix, dataset, ObservationSpace, ActionSpace, _replay, 1f); return; }
        dataset.Validate(ObservationSpace, ActionSpace, BoxActionScale.DatasetSource(Prefix, dataset));
        dataset.CopyTo(_replay, 1f);
    }

    public IReadOnlyDictionary<string, double> OfflineUpdate()
    {
        if (_replay.Count < _cfg.BatchSize)
            throw new InvalidOperationException($"bc: the offline phase needs at least batch_size = {_cfg.BatchSize} transitions in the replay, it holds {_replay.Count} (was a dataset loaded?)");
        var m = Train(1, 0);
        _offlineUpdates++;
        return m;
    }

    private Dictionary<string, double> Train(int gradientSteps, long envSteps)
    {
        double loss = 0;
        for (int g = 0; g < gradientSteps; g++)
        {
            _replay.Sample(_cfg.BatchSize, _rng, 0, _batch);
            using var scope = NewDisposeScope();
            var obs = BatchTensors.Rows(_batch.Obs, _batch.Size, _obsSize);
            var actions = BatchTensors.Rows(_batch.Actions, _batch.Size, _actSize);
            var nll = -Policy(obs).LogProb(actions).mean();
            double value = nll.item<float>();
            NonFiniteLossException.ThrowIfAny(Prefix, envSteps, _updates, ("bc_loss", value));
            _optimizer.zero_grad();
            nll.backward();
            _optimizer.step();
            _updates++;
            loss += value;
        }
        return new Dictionary<string, double>
        {
            ["train/bc_loss"] = loss / gradientSteps,
            ["train/updates"] = _updates,
            ["train/replay_size"] = _replay.Count,
        };
    }

    public void Save(Checkpoint c) => _state.Save(c);

    public void Load(Checkpoint c) => _state.Load(c);

    private AgentState DeclareState() => new AgentState(Prefix)
        .Shape(("obs_size", "observation size", _obsSize), ("action_space", "action space", ActionSpace.ToString()))
        .Config(_cfg, "net_arch", "num_envs")
        .Counters(o => { o["updates"] = _updates; o["offline_updates"] = _offlineUpdates; _schedule.Save(o); },
                  o => { _updates = (long)o["updates"]!; _offlineUpdates = (long)o["offline_updates"]!; _schedule.Load(o); })
        .Module("policy", _gaussian is not null ? _gaussian : _logits!)
        .Optimizer("optimizer", _optimizer)
        .Rng("rng", _rng)
        .Blob("replay", _replay.Save, _replay.Load);

    public void Dispose()
    {
        _optimizer.Dispose();
        _gaussian?.Dispose();
        _logits?.Dispose();
    }
}
