using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Agents.Kickstarting;
using Astromech.Nn;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Agents.ActorCritic;

/// <summary>
/// The on-policy training loop A2C and PPO share: act with the current policy (keeping the raw action, its
/// log-probability and V(s)), fill a <see cref="RolloutBuffer"/> of n_steps × num_envs, bootstrap truncated
/// episodes and the rollout's end from V, compute GAE, and hand the full rollout to the algorithm's
/// <see cref="Train"/>. A rollout cut short by a checkpoint is not saved: a resumed run starts a fresh one.
/// </summary>
public abstract class OnPolicyAgent<TConfig> : IStreamAgent, IActorCriticAgent where TConfig : OnPolicyConfig
{
    protected readonly TConfig Cfg;
    protected readonly int ObsSize;
    protected readonly int ActionSize;
    protected readonly Rng Rng;
    protected readonly RolloutBuffer Buffer;
    private readonly PolicySampler _sampler;
    private readonly float[] _raw, _logp, _values;
    private int _actedRows = -1;

    public ActorCriticNetwork Network { get; }
    /// <summary>The teachers and λ schedule when the config names kickstart_teachers, else null.</summary>
    public Kickstarter? Kickstarter { get; }
    public OptimizerHelper Optimizer { get; }
    /// <summary>Gradient steps taken.</summary>
    public long Updates { get; protected set; }
    /// <summary>Rollouts trained on.</summary>
    public long Iterations { get; private set; }

    public abstract string Algo { get; }
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int NumEnvs => Cfg.NumEnvs;
    public TConfig Config => Cfg;

    protected OnPolicyAgent(TConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        AgentSpaces.BoxObservations(AlgoName, observationSpace);
        AgentSpaces.DiscreteOrBoxActions(AlgoName, actionSpace);
        Cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        ObsSize = observationSpace.FlatSize;
        ActionSize = actionSpace.FlatSize;
        Rng = new Rng(seed);
        torch.manual_seed(seed);
        Network = cfg.BuildNetwork(observationSpace.Shape, actionSpace);
        Optimizer = CreateOptimizer(Network.parameters());
        _sampler = new PolicySampler(Network, actionSpace);
        Kickstarter = Agents.Kickstarting.Kickstarter.FromConfig(cfg, observationSpace, actionSpace, seed);
        Buffer = new RolloutBuffer(cfg.NSteps, cfg.NumEnvs, ObsSize, ActionSize);
        _raw = new float[cfg.NumEnvs * ActionSize];
        _logp = new float[cfg.NumEnvs];
        _values = new float[cfg.NumEnvs];
    }

    private string AlgoName => GetType().Name.Replace("Agent", "").ToLowerInvariant();

    protected abstract OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters);

    /// <summary>Trains on the full rollout (advantages and returns computed); returns the metrics to log.</summary>
    protected abstract Dictionary<string, double> Train(Progress progress);

    /// <summary>The learning rate at this point of the run (linearly annealed to 0 when lr_anneal is set).</summary>

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / ObsSize;
        if (rows * ObsSize != observations.Length || actions.Length != rows * ActionSize)
            throw new ArgumentException($"{Algo}: {observations.Length} observation floats and {actions.Length} action floats do not make rows of {ObsSize} and {ActionSize}");
        if (deterministic || rows != Cfg.NumEnvs)
        {
            _sampler.Act(observations, rows, deterministic, Rng, actions);
            return;
        }
        _sampler.Act(observations, rows, false, Rng, actions, _raw, _logp, _values);
        _actedRows = rows;
    }

    public void Observe(in VectorTransition t, Progress progress)
    {
        int n = Cfg.NumEnvs;
        if (_actedRows != n)
            throw new InvalidOperationException($"{Algo}: Observe needs a preceding stochastic Act on all {n} env copies (the behaviour policy's log-probabilities and values come from it)");
        _actedRows = -1;
        Buffer.Add(t.Observations, _raw, _logp, _values, t.Rewards, t.Terminated, t.Truncated, (float)Cfg.Gamma, t.NextObservations);
        if (Buffer.Full) Buffer.EvaluateBoundaries((obs, rows) => PolicySampler.Values(Network, obs, rows));
    }

    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress)
    {
        if (!Buffer.Full) return null;
        Buffer.ComputeAdvantages((float)Cfg.GaeLambda);
        double lr = progress.Annealed(Cfg.LearningRate, Cfg.LrAnneal);
        foreach (var g in Optimizer.ParamGroups) g.LearningRate = lr;
        var metrics = Train(progress);
        Iterations++;
        Buffer.Reset();
        metrics["train/learning_rate"] = lr;
        metrics["train/updates"] = Updates;
        metrics["train/explained_variance"] = ActorCriticLoss.ExplainedVariance(Buffer.Values, Buffer.Returns);
        if (Network.LogStd is { } ls)
        {
            // In a scope: an unscoped temporary can be finalized while the next native op reads it (Nn/Scalars.cs).
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            metrics["train/std"] = ls.exp().mean().item<float>();
        }
        return metrics;
    }

    /// <summary>Clips the global gradient norm (when configured) and steps the optimizer; returns the norm before clipping.</summary>
    protected double Step(Tensor loss)
    {
        Optimizer.zero_grad();
        loss.backward();
        double norm = Cfg.MaxGradNorm > 0
            ? nn.utils.clip_grad_norm_(Network.parameters(), Cfg.MaxGradNorm)
            : double.NaN;
        Optimizer.step();
        Updates++;
        return norm;
    }

    private AgentState? _state;

    /// <summary>The checkpoint state, declared once (<see cref="ActorCriticCheckpoint.Declare"/>).</summary>
    private AgentState State => _state ??= ActorCriticCheckpoint.Declare(Algo, Cfg, ObsSize, ActionSpace, Network, Optimizer, Rng,
        o => { o["updates"] = Updates; o["iterations"] = Iterations; },
        o => { Updates = (long)o["updates"]!; Iterations = (long)o["iterations"]!; });

    public virtual void Save(Checkpoint c) => State.Save(c);

    public virtual void Load(Checkpoint c)
    {
        State.Load(c);
        Buffer.Reset();
    }

    /// <summary>The RL loss, kickstarted when teachers are configured (see <see cref="Agents.Kickstarting.Kickstarter"/>).</summary>
    protected (Tensor Loss, KickstartTerms? Terms) Kickstart(Tensor rlLoss, Tensor obs, IActionDistribution policy, Progress progress)
    {
        if (Kickstarter is null) return (rlLoss, null);
        var (loss, terms) = Kickstarter.Apply(rlLoss, obs, policy, progress.EnvSteps);
        return (loss, terms);
    }

    public virtual void Dispose()
    {
        Kickstarter?.Dispose();
        Optimizer.Dispose();
        Network.Dispose();
    }
}
