using Astromech.Envs.Spaces;
using Astromech.Training.Checkpoints;

namespace Astromech.Training;

/// <summary>
/// One vector step as the trainer hands it to an agent: rows are env copies. <see cref="NextObservations"/>
/// holds the true next observation of every row (the final observation where an episode ended), so
/// adders can bootstrap correctly on truncation.
/// </summary>
public readonly ref struct VectorTransition
{
    public ReadOnlySpan<float> Observations { get; init; }
    public ReadOnlySpan<float> Actions { get; init; }
    public ReadOnlySpan<float> Rewards { get; init; }
    public ReadOnlySpan<bool> Terminated { get; init; }
    public ReadOnlySpan<bool> Truncated { get; init; }
    public ReadOnlySpan<float> NextObservations { get; init; }
}

/// <summary>Where a run stands: env steps taken so far (summed over copies) out of the planned total.</summary>
public readonly record struct Progress(long EnvSteps, long TotalSteps)
{
    public double Fraction => TotalSteps <= 0 ? 1.0 : Math.Min(1.0, (double)EnvSteps / TotalSteps);

    /// <summary><paramref name="start"/> annealed linearly to 0 over the run when <paramref name="anneal"/> is set
    /// (SB3's linear schedules for learning rates and clip ranges), else <paramref name="start"/>.</summary>
    public double Annealed(double start, bool anneal) => anneal ? start * (1.0 - Fraction) : start;
}

/// <summary>
/// What every trained agent offers, however it collects experience: it acts on a batch of observations
/// (the evaluator and the CLI's eval use only this), resets per-episode state, and saves/restores its whole
/// state in a checkpoint. Two kinds build on it: <see cref="IStreamAgent"/>, which the <see cref="Trainer"/>
/// feeds one vector step at a time (DQN, A2C, PPO, SAC), and <see cref="IConcurrentAgent"/>, which runs its
/// own actor and learner threads (A3C, IMPALA) while the trainer keeps the books.
/// </summary>
public interface IAgent : IDisposable
{
    /// <summary>Short algorithm id ("dqn").</summary>
    string Algo { get; }

    Space ObservationSpace { get; }
    Space ActionSpace { get; }

    /// <summary>Writes one action per observation row; <paramref name="progress"/> drives exploration schedules.
    /// Deterministic acting (evaluation) takes the greedy or mode action.</summary>
    void Act(ReadOnlySpan<float> observations, Span<float> actions, Progress progress, bool deterministic);

    /// <summary>Resets per-episode state of the given env copies (recurrent agents); a no-op for feedforward ones.</summary>
    void OnEpisodeStart(ReadOnlySpan<bool> rows) { }

    /// <summary>The rewards the env returned for the actions of the last <see cref="Act"/>, one per row. Recurrent
    /// agents that feed the previous reward back into their core (R2D2) need it; a no-op for the others.</summary>
    void OnRewards(ReadOnlySpan<float> rewards) { }

    /// <summary>Adds the agent's sections (networks, optimizer, replay, counters, RNG) to a checkpoint.</summary>
    void Save(Checkpoint checkpoint);

    /// <summary>Restores from a checkpoint written by <see cref="Save"/>; throws <see cref="CheckpointException"/> on a mismatch.</summary>
    void Load(Checkpoint checkpoint);
}

/// <summary>
/// An agent the shared <see cref="Trainer"/> drives step by step: it acts on the trainer's vector env, sees
/// each vector transition, and trains when it decides to, so the run loop, evaluation, logging and
/// checkpoints exist once for every algorithm that learns from one stream of env steps.
/// </summary>
public interface IStreamAgent : IAgent
{
    /// <summary>Env copies the agent wants to act on in training.</summary>
    int NumEnvs { get; }

    /// <summary>Consumes one vector step.</summary>
    void Observe(in VectorTransition t, Progress progress);

    /// <summary>Trains if due (progress counts the steps observed so far). Returns the metrics of the
    /// update(s) it ran, or null when none ran.</summary>
    IReadOnlyDictionary<string, double>? MaybeUpdate(Progress progress);
}

/// <summary>
/// An agent that collects experience on its own threads (A3C's workers, IMPALA's actors and learner). The
/// <see cref="Trainer"/> hands it a <see cref="ConcurrentRun"/>: the agent starts its threads through it,
/// reports env steps, finished episodes and metrics to it, and parks its threads at safe points when the
/// trainer pauses the run to evaluate or checkpoint.
/// </summary>
public interface IConcurrentAgent : IAgent
{
    /// <summary>Starts the agent's threads with <see cref="ConcurrentRun.StartWorker"/> and returns.</summary>
    void Start(ConcurrentRun run);
}

/// <summary>An agent with numbers of its own worth keeping in summary.json (under "agent_stats"): IMPALA's policy lag, for example.</summary>
public interface IReportsAgentStats
{
    System.Text.Json.Nodes.JsonObject AgentStats();
}
