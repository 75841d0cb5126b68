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
/// <para>With a recurrent core (recurrent = lstm | gru) the agent keeps one core state per training env row, stores
/// the rows' states at the start of each rollout in the buffer, and zeroes a row's state after its episode ends
/// (unless keep_state_across_episodes); values of truncated episodes' final observations and of the bootstrap
/// observations are taken with the state each row had there. Acting outside training (deterministic, or on another
/// number of rows: evaluation) uses a second per-row state, which <see cref="OnEpisodeStart"/> resets.</para>
/// </summary>
public abstract class OnPolicyAgent<TConfig> : IStreamAgent, IActorCriticAgent, IHeldOutActor where TConfig : OnPolicyConfig
{
    protected readonly TConfig Cfg;
    protected readonly int ObsSize;
    protected readonly int ActionSize;
    protected readonly Rng Rng;
    protected readonly RolloutBuffer Buffer;
    private readonly PolicySampler _sampler;
    private readonly float[] _raw, _logp, _values;
    private int _actedRows = -1;
    private readonly RecurrentRowState? _trainState, _actState;
    private readonly bool[] _resets = Array.Empty<bool>();
    // normalize_observations: running statistics of the training observations, and the normalized copies the network sees.
    private readonly RunningMeanStd? _obsStats;
    private readonly float[] _normObs = Array.Empty<float>(), _normNext = Array.Empty<float>();
    private float[] _normOther = Array.Empty<float>();

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

    /// <param name="runName">The name the agent runs under when an algorithm built on this one drives it (RL²'s "rl2"): it
    /// names the agent in errors, its checkpoint sections and its books; null keeps the algorithm's own.</param>
    protected OnPolicyAgent(TConfig cfg, Space observationSpace, Space actionSpace, int seed, string? runName = null)
    {
        RunName = runName;
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
        Buffer = new RolloutBuffer(cfg.NSteps, cfg.NumEnvs, ObsSize, ActionSize, Network.StateSize);
        if (cfg.NormalizeObservations)
        {
            _obsStats = new RunningMeanStd(ObsSize);
            _normObs = new float[cfg.NumEnvs * ObsSize];
            _normNext = new float[cfg.NumEnvs * ObsSize];
        }
        if (Network.Recurrent)
        {
            _trainState = new RecurrentRowState(Network.StateSize, cfg.NumEnvs);
            _actState = new RecurrentRowState(Network.StateSize);
            _resets = new bool[Buffer.Size];
        }
        _raw = new float[cfg.NumEnvs * ActionSize];
        _logp = new float[cfg.NumEnvs];
        _values = new float[cfg.NumEnvs];
    }

    private string AlgoName => RunName ?? GetType().Name.Replace("Agent", "").ToLowerInvariant();

    /// <summary>The name given by an algorithm that drives this agent as its inner learner, or null.</summary>
    protected string? RunName { get; }

    protected abstract OptimizerHelper CreateOptimizer(IEnumerable<Parameter> parameters);

    /// <summary>Trains on the full rollout (advantages and returns computed); returns the metrics to log.</summary>
    protected abstract Dictionary<string, double> Train(Progress progress);

    /// <summary>The learning rate at this point of the run (linearly annealed to 0 when lr_anneal is set).</summary>

    public void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic)
    {
        int rows = observations.Length / ObsSize;
        if (rows * ObsSize != observations.Length || actions.Length != rows * ActionSize)
            throw new ArgumentException($"{Algo}: {observations.Length} observation floats and {actions.Length} action floats do not make rows of {ObsSize} and {ActionSize}");
        if (_obsStats is not null)
        {
            // As SB3's VecNormalize: training observations update the statistics, then every observation is normalized.
            bool training = !deterministic && rows == Cfg.NumEnvs;
            if (training) _obsStats.UpdateBatch(observations);
            if (!training && _normOther.Length != observations.Length) _normOther = new float[observations.Length];
            var dst = training ? _normObs : _normOther;
            _obsStats.Normalize(observations, dst);
            observations = dst;
        }
        if (Network.Recurrent)
        {
            ActRecurrent(observations, actions, rows, deterministic);
            return;
        }
        if (deterministic || rows != Cfg.NumEnvs)
        {
            _sampler.Act(observations, rows, deterministic, Rng, actions);
            return;
        }
        _sampler.Act(observations, rows, false, Rng, actions, _raw, _logp, _values);
        _actedRows = rows;
    }

    /// <summary>
    /// Acts on rows that are not the training rows, whatever their number: sampled (<paramref name="deterministic"/> false)
    /// or the mode, with the evaluation state (reset by <see cref="OnEpisodeStart"/>), leaving the rollout, the training
    /// state and the observation statistics alone (sampling draws from the agent's RNG). Meta-evaluation samples held-out
    /// trials this way.
    /// </summary>
    public void ActHeldOut(ReadOnlySpan<float> observations, Span<float> actions, bool deterministic)
    {
        int rows = observations.Length / ObsSize;
        if (rows * ObsSize != observations.Length || actions.Length != rows * ActionSize)
            throw new ArgumentException($"{Algo}: {observations.Length} observation floats and {actions.Length} action floats do not make rows of {ObsSize} and {ActionSize}");
        if (_obsStats is not null)
        {
            if (_normOther.Length != observations.Length) _normOther = new float[observations.Length];
            _obsStats.Normalize(observations, _normOther);
            observations = _normOther;
        }
        if (!Network.Recurrent)
        {
            _sampler.Act(observations, rows, deterministic, Rng, actions);
            return;
        }
        var state = _actState!;
        if (state.Rows == 0) state.Resize(rows);
        if (rows != state.Rows)
            throw new ArgumentException(
                $"{Algo} keeps recurrent state for {state.Rows} held-out rows, but got {rows} observation rows; call OnEpisodeStart with one flag per row first");
        _sampler.ActRecurrent(observations, rows, state.Values, deterministic, Rng, actions);
    }

    public void Observe(in VectorTransition t, Progress progress)
    {
        int n = Cfg.NumEnvs;
        if (_actedRows != n)
            throw new InvalidOperationException($"{Algo}: Observe needs a preceding stochastic Act on all {n} env copies (the behaviour policy's log-probabilities and values come from it)");
        _actedRows = -1;
        ReadOnlySpan<float> obs = t.Observations, next = t.NextObservations;
        if (_obsStats is not null)
        {
            // The rollout keeps what the network saw: the observations normalized when they were acted on.
            obs = _normObs;
            _obsStats.Normalize(t.NextObservations, _normNext);
            next = _normNext;
        }
        int o = Buffer.Add(obs, _raw, _logp, _values, t.Rewards, t.Terminated, t.Truncated, (float)Cfg.Gamma, next);
        if (_trainState is null)
        {
            if (Buffer.Full) Buffer.EvaluateBoundaries((x, rows) => PolicySampler.Values(Network, x, rows));
            return;
        }
        ObserveRecurrent(t, next, o);
    }

    private void ActRecurrent(ReadOnlySpan<float> observations, Span<float> actions, int rows, bool deterministic)
    {
        if (!deterministic && rows == Cfg.NumEnvs)
        {
            if (Buffer.Count == 0) Buffer.SetInitialState(_trainState!.Values);
            _sampler.ActRecurrent(observations, rows, _trainState!.Values, false, Rng, actions, _raw, _logp, _values);
            _actedRows = rows;
            return;
        }
        var state = _actState!;
        if (state.Rows == 0) state.Resize(rows);
        if (rows != state.Rows)
            throw new ArgumentException(
                $"{Algo} keeps recurrent state for {state.Rows} env rows, but Act got {rows} observation rows; call OnEpisodeStart with one flag per row before acting on a vector env of another size");
        _sampler.ActRecurrent(observations, rows, state.Values, deterministic, Rng, actions);
    }

    /// <summary>
    /// After a recurrent step is stored: values truncated episodes' final observations with the state the row had
    /// after that step, zeroes the state of rows whose episode ended (unless keep_state_across_episodes), and at the
    /// rollout's end values the observations after the last step with each row's current state.
    /// </summary>
    private void ObserveRecurrent(in VectorTransition t, ReadOnlySpan<float> next, int offset)
    {
        int n = Cfg.NumEnvs, s = Network.StateSize;
        int truncated = 0;
        for (int b = 0; b < n; b++) if (t.Truncated[b] && !t.Terminated[b]) truncated++;
        if (truncated > 0)
        {
            var obs = new float[truncated * ObsSize];
            var states = new float[truncated * s];
            var rows = new int[truncated];
            for (int b = 0, k = 0; b < n; b++)
            {
                if (!t.Truncated[b] || t.Terminated[b]) continue;
                next.Slice(b * ObsSize, ObsSize).CopyTo(obs.AsSpan(k * ObsSize));
                _trainState!.Row(b).CopyTo(states.AsSpan(k * s));
                rows[k++] = b;
            }
            var v = PolicySampler.Values(Network, obs, truncated, states);
            for (int k = 0; k < truncated; k++) Buffer.FinalValues[offset + rows[k]] = v[k];
        }
        if (!Cfg.KeepStateAcrossEpisodes)
            for (int b = 0; b < n; b++)
                if (t.Terminated[b] || t.Truncated[b]) _trainState!.Reset(b);
        if (Buffer.Full)
            PolicySampler.Values(Network, Buffer.BootstrapObs, n, _trainState!.Values).CopyTo(Buffer.Bootstrap, 0);
    }

    /// <summary>
    /// Resets the evaluation state of the rows starting an episode (recurrent networks; the training rows' states are
    /// reset by <see cref="Observe"/> from the episode ends it sees). A call for another number of rows begins a new
    /// vector env: every row starts from zero. With keep_state_across_episodes only a call where every row starts
    /// (a fresh evaluation) resets.
    /// </summary>
    public void OnEpisodeStart(ReadOnlySpan<bool> rows)
    {
        if (_actState is null) return;
        if (rows.Length != _actState.Rows) { _actState.Resize(rows.Length); return; }
        bool all = true;
        foreach (bool r in rows) all &= r;
        if (all) { _actState.ResetAll(); return; }
        if (Cfg.KeepStateAcrossEpisodes) return;
        for (int i = 0; i < rows.Length; i++) if (rows[i]) _actState.Reset(i);
    }

    /// <summary>The rollout being collected (read it; the agent fills and trains on it).</summary>
    public RolloutBuffer Rollout => Buffer;

    /// <summary>
    /// The log-probabilities the current network gives the stored rollout's actions, evaluated as training evaluates
    /// them (a recurrent network replays every env row from its stored initial state, resetting at episode starts).
    /// Before any update on this rollout they equal the behaviour log-probabilities <see cref="RolloutBuffer.LogProbs"/>:
    /// a check that acting and training see the same policy. Rollout order (t·N + b).
    /// </summary>
    public float[] ReplayLogProbs()
    {
        if (!Buffer.Full) throw new InvalidOperationException($"{Algo}: the rollout holds {Buffer.Count} of {Buffer.Steps} steps; replay needs a full one");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int n = Buffer.Size;
        var obs = torch.tensor(Buffer.Obs, new long[] { n, ObsSize });
        var actions = torch.tensor(Buffer.Actions, new long[] { n, ActionSize });
        if (!Network.Recurrent) return Network.Evaluate(obs).Policy.LogProb(actions).data<float>().ToArray();
        Buffer.StateResets(_resets, Cfg.KeepStateAcrossEpisodes);
        var rows = new long[Buffer.Envs];
        for (int b = 0; b < rows.Length; b++) rows[b] = b;
        var (policy, _, _, _) = EvaluateEnvRows(obs, rows);
        return policy.LogProb(actions).data<float>().ToArray();
    }

    /// <summary>The training rows' current core states ([num_envs, state]; empty for a feedforward network).</summary>
    public ReadOnlySpan<float> TrainingState => _trainState is null ? ReadOnlySpan<float>.Empty : _trainState.Values;

    /// <summary>
    /// For a recurrent network: the policy and values of whole env rows <paramref name="envRows"/> of the rollout,
    /// replayed from their stored initial states with the state zeroed where episodes started. Outputs are time-major
    /// over the chosen rows (t·m + j); <c>Index</c> holds the matching rollout rows (t·N + envRows[j]) for gathering
    /// the other per-step tensors, and <c>Obs</c> the replayed observations in that order.
    /// </summary>
    protected (IActionDistribution Policy, Tensor Values, Tensor Index, Tensor Obs) EvaluateEnvRows(Tensor allObs, ReadOnlySpan<long> envRows)
    {
        int T = Buffer.Steps, N = Buffer.Envs, m = envRows.Length, s = Network.StateSize;
        var idx = new long[T * m];
        var resets = new bool[T * m];
        var state = new float[m * s];
        for (int j = 0; j < m; j++) Buffer.InitialState.AsSpan((int)envRows[j] * s, s).CopyTo(state.AsSpan(j * s));
        for (int t = 0; t < T; t++)
            for (int j = 0; j < m; j++)
            {
                idx[t * m + j] = t * N + envRows[j];
                resets[t * m + j] = _resets[t * N + envRows[j]];
            }
        var index = torch.tensor(idx, new long[] { T * m });
        var obs = allObs.index_select(0, index);
        var (policy, values) = Network.EvaluateSequence(obs.reshape(T, m, ObsSize), torch.tensor(state, new long[] { m, s }), resets);
        return (policy, values, index, obs);
    }

    public IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress)
    {
        if (!Buffer.Full) return null;
        Buffer.ComputeAdvantages((float)Cfg.GaeLambda);
        if (Network.Recurrent) Buffer.StateResets(_resets, Cfg.KeepStateAcrossEpisodes);
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

    /// <summary>The checkpoint state, declared once (<see cref="ActorCriticCheckpoint.Declare"/>), plus the running observation
    /// statistics when normalize_observations is on.</summary>
    private AgentState State => _state ??= ActorCriticCheckpoint.Declare(Algo, Cfg, ObsSize, ActionSpace, Network, Optimizer, Rng,
        o => { o["updates"] = Updates; o["iterations"] = Iterations; },
        o => { Updates = (long)o["updates"]!; Iterations = (long)o["iterations"]!; })
        .Custom(c =>
        {
            if (_obsStats is null) return;
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) _obsStats.Save(w);
            c.SetBytes($"{Algo}/obs_norm", ms.ToArray());
        }, c =>
        {
            if (_obsStats is null) return;
            if (!c.TryGetBytes($"{Algo}/obs_norm", out var bytes))
                throw new CheckpointException($"normalize_observations is on but the checkpoint has no section '{Algo}/obs_norm' with the observation statistics");
            using var r = new BinaryReader(new MemoryStream(bytes));
            _obsStats.Load(r);
        });

    public virtual void Save(Checkpoint c) => State.Save(c);

    /// <summary>The running observation statistics (normalize_observations), or null.</summary>
    public RunningMeanStd? ObservationStatistics => _obsStats;

    public virtual void Load(Checkpoint c)
    {
        State.Load(c);
        Buffer.Reset();
        // A resumed run starts a fresh rollout on freshly reset envs: the cores start from zero too.
        _trainState?.ResetAll();
        _actState?.Resize(0);
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
