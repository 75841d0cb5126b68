using Astromech.Envs.Spaces;
using Astromech.Replay;

namespace Astromech.Datasets;

/// <summary>
/// A fixed set of recorded transitions in memory, in the flat layout D4RL uses: row i is one step
/// (o_i, a_i, r_i, o'_i) with two flags, <see cref="Terminals"/> (the episode ended in a terminal state: do not
/// bootstrap) and <see cref="Timeouts"/> (the episode was cut off by a time limit or the end of recording: bootstrap
/// from o'_i). An episode ends at every row where either flag is set. Observations and actions are flat floats as
/// everywhere in Astromech (a Discrete action is one float holding the integer). This is the one type the readers and
/// writers (D4RL, Minari), the recorder, <c>dataset info</c> and the offline learners (BC, AWAC) share.
/// </summary>
public sealed class OfflineDataset
{
    public OfflineDataset(int observationSize, int actionSize, float[] observations, float[] actions, float[] rewards,
        bool[] terminals, bool[] timeouts, float[] nextObservations)
    {
        if (observationSize <= 0) throw new ArgumentOutOfRangeException(nameof(observationSize), observationSize, "observation size must be positive");
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, "action size must be positive");
        int n = rewards.Length;
        Check("observations", observations.LongLength, (long)n * observationSize);
        Check("actions", actions.LongLength, (long)n * actionSize);
        Check("terminals", terminals.LongLength, n);
        Check("timeouts", timeouts.LongLength, n);
        Check("next_observations", nextObservations.LongLength, (long)n * observationSize);
        ObservationSize = observationSize;
        ActionSize = actionSize;
        Observations = observations;
        Actions = actions;
        Rewards = rewards;
        Terminals = terminals;
        Timeouts = timeouts;
        NextObservations = nextObservations;
    }

    private static void Check(string key, long got, long want)
    {
        if (got != want) throw new ArgumentException($"dataset key '{key}' holds {got} values where {want} were expected (one row per reward)");
    }

    public int ObservationSize { get; }
    public int ActionSize { get; }
    /// <summary>Number of transitions (rows).</summary>
    public int Count => Rewards.Length;
    public float[] Observations { get; }
    public float[] Actions { get; }
    public float[] Rewards { get; }
    public bool[] Terminals { get; }
    public bool[] Timeouts { get; }
    public float[] NextObservations { get; }

    /// <summary>Per-step extra arrays (D4RL's <c>infos/*</c>, e.g. qpos, qvel), each Count × width floats.</summary>
    public Dictionary<string, float[]> Infos { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// True when the actions are integers (a Discrete or MultiDiscrete action space): the files then store them as
    /// 64-bit integers, as D4RL and Minari do for discrete actions, and the readers set it when a file's actions are
    /// stored as integers.
    /// </summary>
    public bool IntegerActions { get; set; }

    /// <summary>Dataset-level facts (D4RL's <c>metadata/*</c>, Minari's attributes): env id, policy, seed, ...</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>The env the data was recorded on (<c>Metadata["env_id"]</c>), or null when unknown.</summary>
    public string? EnvId
    {
        get => Metadata.TryGetValue("env_id", out var id) ? id : null;
        set { if (value is null) Metadata.Remove("env_id"); else Metadata["env_id"] = value; }
    }

    public ReadOnlySpan<float> Observation(int row) => Observations.AsSpan(row * ObservationSize, ObservationSize);
    public ReadOnlySpan<float> NextObservation(int row) => NextObservations.AsSpan(row * ObservationSize, ObservationSize);
    public ReadOnlySpan<float> Action(int row) => Actions.AsSpan(row * ActionSize, ActionSize);

    /// <summary>True when row ends an episode (terminal or timeout).</summary>
    public bool EndsEpisode(int row) => Terminals[row] || Timeouts[row];

    /// <summary>The episodes as [start, end) row ranges; a last run of rows with neither flag counts as one episode.</summary>
    public IReadOnlyList<(int Start, int End)> Episodes()
    {
        var list = new List<(int, int)>();
        int start = 0;
        for (int i = 0; i < Count; i++)
            if (EndsEpisode(i)) { list.Add((start, i + 1)); start = i + 1; }
        if (start < Count) list.Add((start, Count));
        return list;
    }

    /// <summary>The undiscounted return of each episode of <see cref="Episodes"/>.</summary>
    public double[] EpisodeReturns()
    {
        var eps = Episodes();
        var returns = new double[eps.Count];
        for (int e = 0; e < eps.Count; e++)
            for (int i = eps[e].Start; i < eps[e].End; i++) returns[e] += Rewards[i];
        return returns;
    }

    /// <summary>
    /// Throws naming the key and the first row that holds a NaN or infinity, or an action outside
    /// <paramref name="actionSpace"/> / an observation of the wrong size for <paramref name="observationSpace"/>.
    /// </summary>
    public void Validate(Space? observationSpace = null, Space? actionSpace = null, string source = "dataset")
    {
        if (observationSpace is not null && observationSpace.FlatSize != ObservationSize)
            throw new ArgumentException($"{source}: observations have {ObservationSize} floats per row but the env's observation space {observationSpace} has {observationSpace.FlatSize}");
        if (actionSpace is not null && actionSpace.FlatSize != ActionSize)
            throw new ArgumentException($"{source}: actions have {ActionSize} floats per row but the env's action space {actionSpace} has {actionSpace.FlatSize}");
        FirstNonFinite(source, "observations", Observations, ObservationSize);
        FirstNonFinite(source, "next_observations", NextObservations, ObservationSize);
        FirstNonFinite(source, "actions", Actions, ActionSize);
        FirstNonFinite(source, "rewards", Rewards, 1);
        if (actionSpace is not null)
            for (int i = 0; i < Count; i++)
                if (!actionSpace.Contains(Action(i)))
                    throw new ArgumentException($"{source}: actions row {i} is {Space.Format(Action(i))}, not in the env's action space {actionSpace}");
    }

    private static void FirstNonFinite(string source, string key, float[] values, int width)
    {
        for (long k = 0; k < values.LongLength; k++)
            if (!float.IsFinite(values[k]))
                throw new ArgumentException($"{source}: key '{key}' row {k / width} holds {values[k]} (every value must be finite)");
    }

    /// <summary>
    /// Writes every row into <paramref name="replay"/> as a one-step transition with discount γ, or 0 where the row
    /// is terminal (a timeout bootstraps). Rows are written in order, so a replay smaller than the dataset keeps its end.
    /// </summary>
    public void CopyTo(ITransitionWriter replay, float gamma)
    {
        if (replay is null) throw new ArgumentNullException(nameof(replay));
        for (int i = 0; i < Count; i++)
            replay.Add(Observation(i), Action(i), Rewards[i], Terminals[i] ? 0f : gamma, NextObservation(i));
    }

    /// <summary>Rows of <paramref name="parts"/> one after another (D4RL's medium-expert is medium + expert); metadata of the first.</summary>
    public static OfflineDataset Concat(params OfflineDataset[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("concatenating needs at least one dataset");
        int obs = parts[0].ObservationSize, act = parts[0].ActionSize;
        foreach (var p in parts)
            if (p.ObservationSize != obs || p.ActionSize != act)
                throw new ArgumentException($"cannot concatenate datasets of {obs}/{act} and {p.ObservationSize}/{p.ActionSize} observation/action floats");
        T[] Join<T>(Func<OfflineDataset, T[]> pick) => parts.SelectMany(pick).ToArray();
        var d = new OfflineDataset(obs, act, Join(p => p.Observations), Join(p => p.Actions), Join(p => p.Rewards),
            Join(p => p.Terminals), Join(p => p.Timeouts), Join(p => p.NextObservations));
        foreach (var key in parts[0].Infos.Keys)
            if (parts.All(p => p.Infos.ContainsKey(key))) d.Infos[key] = Join(p => p.Infos[key]);
        foreach (var (k, v) in parts[0].Metadata) d.Metadata[k] = v;
        d.IntegerActions = parts.All(p => p.IntegerActions);
        return d;
    }
}

/// <summary>
/// Builds an <see cref="OfflineDataset"/> one step at a time (the recorder, tests, AWAC's prior-data recipe):
/// append each step with its flags; an episode ends at a step flagged terminal or truncated.
/// </summary>
public sealed class OfflineDatasetBuilder
{
    private readonly List<float> _obs = new(), _act = new(), _rew = new(), _next = new();
    private readonly List<bool> _term = new(), _trunc = new();
    private readonly Dictionary<string, (int Width, List<float> Values)> _infos = new(StringComparer.Ordinal);

    public OfflineDatasetBuilder(int observationSize, int actionSize)
    {
        if (observationSize <= 0 || actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(observationSize), "observation and action sizes must be positive");
        ObservationSize = observationSize;
        ActionSize = actionSize;
    }

    public int ObservationSize { get; }
    public int ActionSize { get; }
    public int Count => _rew.Count;
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);
    /// <summary>See <see cref="OfflineDataset.IntegerActions"/>.</summary>
    public bool IntegerActions { get; set; }

    public void Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, bool terminal, bool truncated, ReadOnlySpan<float> nextObs)
    {
        if (obs.Length != ObservationSize || nextObs.Length != ObservationSize || action.Length != ActionSize)
            throw new ArgumentException($"dataset rows hold {ObservationSize} observation and {ActionSize} action floats; got {obs.Length}, {nextObs.Length} and {action.Length}");
        foreach (var x in obs) _obs.Add(x);
        foreach (var x in action) _act.Add(x);
        foreach (var x in nextObs) _next.Add(x);
        _rew.Add(reward);
        _term.Add(terminal);
        _trunc.Add(truncated);
    }

    /// <summary>Adds a per-step info value for the step just added (every step must get the same keys and widths).</summary>
    public void AddInfo(string key, ReadOnlySpan<float> values)
    {
        if (!_infos.TryGetValue(key, out var info))
        {
            if (Count != 1) throw new InvalidOperationException($"info '{key}' first given at step {Count - 1}; every step must carry it");
            info = (values.Length, new List<float>());
            _infos[key] = info;
        }
        if (values.Length != info.Width) throw new ArgumentException($"info '{key}' has {info.Width} floats per step; got {values.Length}");
        if (info.Values.Count != (Count - 1) * info.Width) throw new InvalidOperationException($"info '{key}' missing for some step before {Count - 1}");
        foreach (var x in values) info.Values.Add(x);
    }

    /// <summary>Marks the last step as cut off (recording stopped mid-episode), so the episode is closed as a timeout.</summary>
    public void CloseEpisode()
    {
        if (Count > 0 && !_term[^1]) _trunc[^1] = true;
    }

    public OfflineDataset Build()
    {
        var d = new OfflineDataset(ObservationSize, ActionSize, _obs.ToArray(), _act.ToArray(), _rew.ToArray(), _term.ToArray(), _trunc.ToArray(), _next.ToArray());
        foreach (var (k, (w, v)) in _infos)
        {
            if (v.Count != Count * w) throw new InvalidOperationException($"info '{k}' given for {v.Count / w} of {Count} steps");
            d.Infos[k] = v.ToArray();
        }
        foreach (var (k, v) in Metadata) d.Metadata[k] = v;
        d.IntegerActions = IntegerActions;
        return d;
    }
}
