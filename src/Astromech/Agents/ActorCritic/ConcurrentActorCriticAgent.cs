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
/// What A3C and IMPALA share: one central network (A3C's shared parameters, IMPALA's learner) and its
/// optimizer behind a lock, a version counter bumped by every applied update, actor copies that pull the
/// newest parameters, acting for evaluation, and checkpoints. The trainer only evaluates and saves while it
/// has the run paused, so no thread is mid-update then.
/// </summary>
public abstract class ConcurrentActorCriticAgent<TConfig> : IConcurrentAgent, IActorCriticAgent where TConfig : OnPolicyConfig
{
    protected readonly TConfig Cfg;
    protected readonly int ObsSize;
    protected readonly int ActionSize;
    protected readonly int Seed;
    private readonly Rng _rng;
    private readonly PolicySampler _sampler;
    /// <summary>Guards <see cref="Network"/>'s parameters and the optimizer: held while updating and while copying out.</summary>
    protected readonly object ParamLock = new();
    private long _version;
    private long _updates;

    public ActorCriticNetwork Network { get; }
    /// <summary>The teachers and λ schedule when the config names kickstart_teachers, else null.</summary>
    public Kickstarter? Kickstarter { get; }
    public OptimizerHelper Optimizer { get; }
    public abstract string Algo { get; }
    public Space ObservationSpace { get; }
    public Space ActionSpace { get; }
    public TConfig Config => Cfg;
    /// <summary>Updates applied to the central parameters; actors stamp their rollouts with the version they acted with.</summary>
    public long Version => Interlocked.Read(ref _version);
    public long Updates => Interlocked.Read(ref _updates);

    protected ConcurrentActorCriticAgent(TConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        string algo = GetType().Name.Replace("Agent", "").ToLowerInvariant();
        AgentSpaces.BoxObservations(algo, observationSpace);
        AgentSpaces.DiscreteOrBoxActions(algo, actionSpace);
        Cfg = cfg;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
        ObsSize = observationSpace.FlatSize;
        ActionSize = actionSpace.FlatSize;
        Seed = seed;
        _rng = new Rng(seed);
        torch.manual_seed(seed);
        Network = cfg.BuildNetwork(observationSpace.Shape, actionSpace);
        Optimizer = CreateOptimizer(Network.parameters());
        _sampler = new PolicySampler(Network, actionSpace);
        Kickstarter = Agents.Kickstarting.Kickstarter.FromConfig(cfg, observationSpace, actionSpace, seed);
    }

    protected abstract OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters);

    public abstract void Start(ConcurrentRun run);

    /// <summary>A fresh copy of the network (an actor's), with the newest parameters; returns their version.</summary>
    protected (ActorCriticNetwork Net, long Version) NewActorNetwork()
    {
        var net = Cfg.BuildNetwork(ObservationSpace.Shape, ActionSpace);
        foreach (var p in net.parameters()) p.requires_grad = false;
        return (net, PullParameters(net));
    }

    /// <summary>Copies the central parameters into <paramref name="local"/>; returns their version.</summary>
    protected long PullParameters(ActorCriticNetwork local)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        lock (ParamLock)
        {
            foreach (var (dst, src) in local.parameters().Zip(Network.parameters())) dst.copy_(src);
            return _version;
        }
    }

    /// <summary>Runs <paramref name="update"/> (gradients already in place, or computed inside) under the lock, then
    /// clips, steps the optimizer and bumps the version. Returns the gradient norm before clipping.</summary>
    protected double ApplyUpdate(double learningRate, Action? setGradients = null)
    {
        lock (ParamLock)
        {
            setGradients?.Invoke();
            foreach (var g in Optimizer.ParamGroups) g.LearningRate = learningRate;
            double norm = Cfg.MaxGradNorm > 0 ? nn.utils.clip_grad_norm_(Network.parameters(), Cfg.MaxGradNorm) : double.NaN;
            Optimizer.step();
            Interlocked.Increment(ref _updates);
            Interlocked.Increment(ref _version);
            return norm;
        }
    }

    protected double LearningRate(Progress p) => p.Annealed(Cfg.LearningRate, Cfg.LrAnneal);

    /// <summary>Acting with the central network (evaluation, or the CLI's eval).</summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / ObsSize;
        if (rows * ObsSize != observations.Length || actions.Length != rows * ActionSize)
            throw new ArgumentException($"{Algo}: {observations.Length} observation floats and {actions.Length} action floats do not make rows of {ObsSize} and {ActionSize}");
        lock (ParamLock) _sampler.Act(observations, rows, deterministic, _rng, actions);
    }

    /// <summary>Counters and extra state an algorithm adds to its checkpoint.</summary>
    protected virtual void SaveExtra(JsonObject counters) { }
    protected virtual void LoadExtra(JsonNode counters) { }

    private AgentState? _state;

    /// <summary>The checkpoint state, declared once (<see cref="ActorCriticCheckpoint.Declare"/>), saved and loaded under the parameter lock.</summary>
    private AgentState State => _state ??= ActorCriticCheckpoint.Declare(Algo, Cfg, ObsSize, ActionSpace, Network, Optimizer, _rng,
        o => { o["updates"] = Updates; o["version"] = Version; SaveExtra(o); },
        o => { _updates = (long)o["updates"]!; _version = (long)o["version"]!; LoadExtra(o); }, ParamLock);

    public void Save(Checkpoint c) => State.Save(c);

    public void Load(Checkpoint c) => State.Load(c);

    /// <summary>The RL loss, kickstarted when teachers are configured (see <see cref="Agents.Kickstarting.Kickstarter"/>).</summary>
    protected (Tensor Loss, KickstartTerms? Terms) Kickstart(Tensor rlLoss, Tensor obs, IActionDistribution policy, long envSteps)
    {
        if (Kickstarter is null) return (rlLoss, null);
        var (loss, terms) = Kickstarter.Apply(rlLoss, obs, policy, envSteps);
        return (loss, terms);
    }

    public virtual void Dispose()
    {
        Kickstarter?.Dispose();
        Optimizer.Dispose();
        Network.Dispose();
    }
}
