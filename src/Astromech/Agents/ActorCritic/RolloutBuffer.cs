using Astromech.Returns;

namespace Astromech.Agents.ActorCritic;

/// <summary>
/// One on-policy rollout of T steps × N env copies, time-major (row t·N + b), with what the behaviour policy
/// knew when it acted (log π(a|s), V(s)) and what the env answered. At the end, <see cref="ComputeAdvantages"/>
/// fills GAE(λ) advantages and λ-returns, bootstrapping truncated episodes from the value of their final
/// observation and cutting the λ chain at every episode end. The buffer also keeps those final observations
/// and the observations after the last step (<see cref="FinalObs"/>, <see cref="BootstrapObs"/>), so a learner
/// whose network differs from the actor's (IMPALA) can value them itself.
/// <para>For a recurrent policy it also holds the core state each env row had when the rollout's first step was
/// acted on (<see cref="InitialState"/>); with the episode ends inside the rollout that is all a learner needs to
/// replay the sequence (<see cref="StateResets"/>).</para>
/// </summary>
public sealed class RolloutBuffer
{
    public int Steps { get; }
    public int Envs { get; }
    public int ObsSize { get; }
    public int ActionSize { get; }
    public int Count { get; private set; }
    public bool Full => Count == Steps;
    public int Size => Steps * Envs;

    public float[] Obs { get; }
    public float[] Actions { get; }
    public float[] LogProbs { get; }
    public float[] Values { get; }
    public float[] Rewards { get; }
    /// <summary>γ·(1 − terminated).</summary>
    public float[] Discounts { get; }
    /// <summary>Terminated or truncated.</summary>
    public bool[] Ends { get; }
    /// <summary>V(final observation) where an episode was truncated (0 elsewhere).</summary>
    public float[] FinalValues { get; }
    /// <summary>Final observation rows where an episode was truncated (other rows unspecified).</summary>
    public float[] FinalObs { get; }
    /// <summary>The observation after the last step, per env copy.</summary>
    public float[] BootstrapObs { get; }
    /// <summary>V(<see cref="BootstrapObs"/>), per env copy.</summary>
    public float[] Bootstrap { get; }
    public float[] Advantages { get; }
    public float[] Returns { get; }
    private readonly float[] _nextValues;
    /// <summary>Floats of recurrent state per env row (0: a feedforward policy's rollout).</summary>
    public int StateSize { get; }
    /// <summary>[envs, state_size]: each row's core state before its first step in this rollout.</summary>
    public float[] InitialState { get; }

    /// <summary>
    /// Fills this buffer with a complete rollout received from elsewhere (a remote actor's unroll): the fields a
    /// learner reads back (observations, actions, behaviour log-probs, rewards, discounts, episode ends, final
    /// observations of ended episodes, the observation after the last step). Lengths must match this buffer's shape.
    /// </summary>
    public void Load(ReadOnlySpan<float> obs, ReadOnlySpan<float> actions, ReadOnlySpan<float> logProbs, ReadOnlySpan<float> rewards,
        ReadOnlySpan<float> discounts, ReadOnlySpan<bool> ends, ReadOnlySpan<float> finalObs, ReadOnlySpan<float> bootstrapObs)
    {
        void Check(string what, int got, int want)
        {
            if (got != want) throw new ArgumentException($"unroll field '{what}' has {got} values; a rollout of {Steps} steps × {Envs} env copies (observation {ObsSize}, action {ActionSize}) has {want}");
        }
        Check("obs", obs.Length, Obs.Length); Check("actions", actions.Length, Actions.Length); Check("log_probs", logProbs.Length, LogProbs.Length);
        Check("rewards", rewards.Length, Rewards.Length); Check("discounts", discounts.Length, Discounts.Length); Check("ends", ends.Length, Ends.Length);
        Check("final_obs", finalObs.Length, FinalObs.Length); Check("bootstrap_obs", bootstrapObs.Length, BootstrapObs.Length);
        obs.CopyTo(Obs); actions.CopyTo(Actions); logProbs.CopyTo(LogProbs); rewards.CopyTo(Rewards); discounts.CopyTo(Discounts);
        ends.CopyTo(Ends); finalObs.CopyTo(FinalObs); bootstrapObs.CopyTo(BootstrapObs);
        Count = Steps;
    }

    public RolloutBuffer(int steps, int envs, int obsSize, int actionSize, int stateSize = 0)
    {
        if (steps < 1 || envs < 1) throw new ArgumentException($"a rollout needs at least one step and one env copy, got {steps} × {envs}");
        if (stateSize < 0) throw new ArgumentException($"a recurrent state size cannot be negative, got {stateSize}");
        Steps = steps; Envs = envs; ObsSize = obsSize; ActionSize = actionSize; StateSize = stateSize;
        InitialState = new float[envs * stateSize];
        int n = steps * envs;
        Obs = new float[n * obsSize];
        Actions = new float[n * actionSize];
        LogProbs = new float[n];
        Values = new float[n];
        Rewards = new float[n];
        Discounts = new float[n];
        Ends = new bool[n];
        FinalValues = new float[n];
        FinalObs = new float[n * obsSize];
        BootstrapObs = new float[envs * obsSize];
        Bootstrap = new float[envs];
        Advantages = new float[n];
        Returns = new float[n];
        _nextValues = new float[n];
    }

    /// <summary>
    /// Appends one vector step; <paramref name="nextObs"/> holds each copy's true next observation (the final one
    /// where an episode ended). Returns the step's row offset t·N.
    /// </summary>
    public int Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> actions, ReadOnlySpan<float> logProbs, ReadOnlySpan<float> values,
        ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated, float gamma, ReadOnlySpan<float> nextObs)
    {
        if (Full) throw new InvalidOperationException($"the rollout already holds its {Steps} steps; compute advantages and reset it first");
        int n = Envs, o = Count * n;
        if (obs.Length != n * ObsSize || actions.Length != n * ActionSize || rewards.Length != n)
            throw new ArgumentException($"a vector step for {n} env copies needs {n * ObsSize} observation, {n * ActionSize} action and {n} reward floats; got {obs.Length}, {actions.Length}, {rewards.Length}");
        obs.CopyTo(Obs.AsSpan(o * ObsSize));
        actions.CopyTo(Actions.AsSpan(o * ActionSize));
        logProbs.CopyTo(LogProbs.AsSpan(o));
        values.CopyTo(Values.AsSpan(o));
        rewards.CopyTo(Rewards.AsSpan(o));
        for (int b = 0; b < n; b++)
        {
            Discounts[o + b] = terminated[b] ? 0f : gamma;
            Ends[o + b] = terminated[b] || truncated[b];
            FinalValues[o + b] = 0f;
            if (truncated[b] && !terminated[b])
                nextObs.Slice(b * ObsSize, ObsSize).CopyTo(FinalObs.AsSpan((o + b) * ObsSize));
        }
        Count++;
        if (Full) nextObs.CopyTo(BootstrapObs);
        return o;
    }

    /// <summary>Rows (t·N + b) where an episode was truncated: their value must come from <see cref="FinalObs"/>.</summary>
    public IEnumerable<int> TruncatedRows()
    {
        for (int i = 0; i < Count * Envs; i++)
            if (Ends[i] && Discounts[i] != 0f) yield return i;
    }

    /// <summary>
    /// Values the rollout's boundaries with <paramref name="value"/> (observation rows → V): the final observation of
    /// every truncated episode into <see cref="FinalValues"/>, the observations after the last step into
    /// <see cref="Bootstrap"/>. One batched call.
    /// </summary>
    public void EvaluateBoundaries(Func<float[], int, float[]> value)
    {
        if (!Full) throw new InvalidOperationException($"the rollout holds {Count} of {Steps} steps");
        var rows = TruncatedRows().ToArray();
        var input = new float[(rows.Length + Envs) * ObsSize];
        for (int k = 0; k < rows.Length; k++) FinalObs.AsSpan(rows[k] * ObsSize, ObsSize).CopyTo(input.AsSpan(k * ObsSize));
        BootstrapObs.CopyTo(input.AsSpan(rows.Length * ObsSize));
        var v = value(input, rows.Length + Envs);
        for (int k = 0; k < rows.Length; k++) FinalValues[rows[k]] = v[k];
        v.AsSpan(rows.Length, Envs).CopyTo(Bootstrap);
    }

    /// <summary>GAE(λ) advantages and returns (= A + V), after <see cref="EvaluateBoundaries"/>.</summary>
    public void ComputeAdvantages(float lambda)
    {
        if (!Full) throw new InvalidOperationException($"the rollout holds {Count} of {Steps} steps");
        Gae.NextValues(Values, Bootstrap, Ends, FinalValues, Steps, Envs, _nextValues);
        Gae.Compute(Rewards, Values, _nextValues, Discounts, Ends, Steps, Envs, lambda, Advantages, Returns);
    }

    public void Reset() => Count = 0;

    /// <summary>Stores each env row's core state before the rollout's first step; only valid while the rollout is empty.</summary>
    public void SetInitialState(ReadOnlySpan<float> state)
    {
        if (Count != 0) throw new InvalidOperationException($"the initial recurrent state belongs before the rollout's first step; the rollout already holds {Count}");
        if (state.Length != InitialState.Length)
            throw new ArgumentException($"the initial recurrent state of {Envs} env rows × {StateSize} floats has {InitialState.Length} values, got {state.Length}");
        state.CopyTo(InitialState);
    }

    /// <summary>
    /// Fills <paramref name="resets"/> (T·N, time-major) with where a replay of this rollout must zero a row's core
    /// state: before every step that starts a new episode inside the rollout (the step after an end). The first step
    /// never resets: <see cref="InitialState"/> is already the state it was acted on with. With
    /// <paramref name="keepStateAcrossEpisodes"/> nothing resets (trials carry the state over episode ends).
    /// </summary>
    public void StateResets(Span<bool> resets, bool keepStateAcrossEpisodes)
    {
        if (resets.Length != Size) throw new ArgumentException($"the reset mask of a {Steps} × {Envs} rollout has {Size} flags, got {resets.Length}");
        resets.Slice(0, Envs).Clear();
        for (int i = Envs; i < Size; i++) resets[i] = !keepStateAcrossEpisodes && Ends[i - Envs];
    }
}
