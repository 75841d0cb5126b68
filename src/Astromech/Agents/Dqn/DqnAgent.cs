using System.Text.Json.Nodes;
using Astromech.Adders;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Replay;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Dqn;

/// <summary>
/// DQN wired from the shared parts: an ε-greedy actor over the online Q-network, an n-step adder,
/// uniform or prioritized replay, and the <see cref="DqnLearner"/>. In one process the actor reads the
/// learner's online network directly (the variable source is a reference); the distributed runtime
/// will hand actors versioned copies instead.
/// </summary>
public sealed class DqnAgent : IStreamAgent
{
    private readonly DqnConfig _cfg;
    private readonly int _obsSize;
    private readonly int _numActions;
    private readonly DqnLearner _learner;
    private readonly IReplay _replay;
    private readonly VectorNStepAdder _adder;
    private readonly ReplayBatch _batch;
    private readonly Rng _rng;
    private readonly float[] _qRows;
    private readonly TrainSchedule _schedule;
    private readonly AgentState _state;

    public string Algo => "dqn";
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int NumEnvs => _cfg.NumEnvs;
    public DqnConfig Config => _cfg;
    public DqnLearner Learner => _learner;
    public IReplay Replay => _replay;

    public DqnAgent(DqnConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        var discrete = AgentSpaces.DiscreteActions("dqn", actionSpace);
        AgentSpaces.BoxObservations("dqn", observationSpace);
        _cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        _obsSize = observationSpace.FlatSize;
        _numActions = discrete.N;
        _rng = new Rng(seed);
        torch.manual_seed(seed);
        _learner = new DqnLearner(cfg, observationSpace.Shape, _numActions)
        {
            Kickstarter = Kickstarting.Kickstarter.FromConfig(cfg.Kickstart, observationSpace, actionSpace, seed),
        };
        _replay = cfg.Prioritized
            ? new PrioritizedReplay(cfg.BufferSize, _obsSize, 1, cfg.PriorityAlpha, cfg.PriorityEps)
            : new UniformReplay(cfg.BufferSize, _obsSize, 1);
        _adder = new VectorNStepAdder(cfg.NumEnvs, _obsSize, 1, cfg.NStep, (float)cfg.Gamma, _replay);
        _batch = new ReplayBatch(cfg.BatchSize, _obsSize, 1);
        _schedule = new TrainSchedule(cfg.LearningStarts, cfg.TrainFreq, cfg.GradientSteps);
        _qRows = new float[Math.Max(cfg.NumEnvs, 1) * _numActions];
        _state = DeclareState();
    }

    /// <summary>ε: linear from initial to final over the first exploration fraction of the run, then constant.</summary>
    public double Epsilon(Progress p) =>
        LinearSchedule.OverRunFraction(p, _cfg.ExplorationInitialEps, _cfg.ExplorationFinalEps, _cfg.ExplorationFraction);

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / _obsSize;
        if (rows * _obsSize != observations.Length || actions.Length != rows)
            throw new ArgumentException($"dqn: {observations.Length} observation floats do not make rows of {_obsSize} matching {actions.Length} actions");
        double eps = deterministic ? 0.0 : Epsilon(progress);
        GreedyActions(observations, rows, actions);
        if (eps > 0)
            for (int i = 0; i < rows; i++)
                if (_rng.NextDouble() < eps) actions[i] = _rng.Next(_numActions);
    }

    private void GreedyActions(ReadOnlySpan<float> observations, int rows, Span<float> actions)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = torch.tensor(observations.ToArray(), new long[] { rows, _obsSize });
        var best = _learner.Online.forward(obs).argmax(1).to_type(ScalarType.Int32);
        var idx = best.data<int>();
        for (int i = 0; i < rows; i++) actions[i] = idx[i];
    }

    /// <summary>Q-values of one observation, for inspection and tests.</summary>
    public float[] QValues(ReadOnlySpan<float> observation)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = torch.tensor(observation.ToArray(), new long[] { 1, _obsSize });
        return _learner.Online.forward(obs).data<float>().ToArray();
    }

    public void Observe(in VectorTransition t, Progress progress)
    {
        _adder.Add(t.Observations, t.Actions, t.Rewards, t.Terminated, t.Truncated, t.NextObservations);
        _schedule.Observed(t.Rewards.Length);
    }

    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress)
    {
        int gradientSteps = _schedule.Due(progress.EnvSteps, _learner.Updates, _replay.Count, _cfg.BatchSize);
        if (gradientSteps == 0) return null;
        double beta = _cfg.PriorityBeta0 + progress.Fraction * (1.0 - _cfg.PriorityBeta0);
        double lossSum = 0, qSum = 0;
        var kicks = new List<Kickstarting.KickstartTerms>();
        for (int g = 0; g < gradientSteps; g++)
        {
            _replay.Sample(_cfg.BatchSize, _rng, beta, _batch);
            var (loss, meanQ) = _learner.Update(_batch, progress.EnvSteps);
            if (_cfg.Prioritized) _replay.UpdatePriorities(_batch.Indices.AsSpan(0, _batch.Size), _learner.LastTdErrors);
            lossSum += loss;
            qSum += meanQ;
            if (_learner.LastKickstart is { } k) kicks.Add(k);
        }
        var metrics = new Dictionary<string, double>
        {
            ["train/loss"] = lossSum / gradientSteps,
            ["train/mean_q"] = qSum / gradientSteps,
            ["train/epsilon"] = Epsilon(progress),
            ["train/updates"] = _learner.Updates,
            ["train/replay_size"] = _replay.Count,
        };
        Kickstarting.KickstartTerms.Mean(kicks)?.AddTo(metrics);
        return metrics;
    }

    public void Save(Checkpoint c) => _state.Save(c);

    public void Load(Checkpoint c) => _state.Load(c);

    /// <summary>The checkpoint state, declared once (<see cref="AgentState"/>): save and load are derived from it.</summary>
    private AgentState DeclareState() => new AgentState("dqn")
        .Shape(("obs_size", "observation size", _obsSize), ("num_actions", "number of actions", _numActions))
        .Config(_cfg, "hidden", "dueling", "torso", "conv_filters")
        .Counters(o => { o["updates"] = _learner.Updates; _schedule.Save(o); }, o => { _learner.SetUpdates((long)o["updates"]!); _schedule.Load(o); })
        .Module("online", _learner.Online)
        .Module("target", _learner.Target)
        .Optimizer("optimizer", _learner.Optimizer)
        .Rng("rng", _rng)
        .Blob("replay", _replay.Save, _replay.Load);

    public void Dispose() => _learner.Dispose();
}
