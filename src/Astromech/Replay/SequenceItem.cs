namespace Astromech.Replay;

/// <summary>
/// One stored sequence of R2D2: up to <see cref="Length"/> = L consecutive steps of one episode of one env copy,
/// with the actor's recurrent state at its first step. Steps [0, <see cref="ValidSteps"/>) are real; the rest is
/// zero padding (the episode ended first). Observation row <see cref="ValidSteps"/> is the observation after the
/// last real step (the final observation when the episode ended there), so the learner can bootstrap the last
/// steps' targets and bootstrap on truncation; it is not a step of its own. A step whose
/// <see cref="Terminal"/> flag is set ended the episode by termination (nothing to bootstrap from); a sequence
/// that ends early without a terminal flag was truncated (time limit) and bootstraps from that final observation.
/// </summary>
public sealed class SequenceItem
{
    public SequenceItem(int length, int obsSize, int stateSize)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "sequence length must be ≥ 1");
        if (obsSize < 1) throw new ArgumentOutOfRangeException(nameof(obsSize), obsSize, "observation size must be ≥ 1");
        if (stateSize < 1) throw new ArgumentOutOfRangeException(nameof(stateSize), stateSize, "recurrent state size must be ≥ 1");
        Length = length;
        ObsSize = obsSize;
        StateSize = stateSize;
        Obs = new float[(length + 1) * obsSize];
        Actions = new int[length];
        Rewards = new float[length];
        Terminal = new bool[length];
        H = new float[stateSize];
        C = new float[stateSize];
    }

    /// <summary>L, the steps a sequence holds (burn-in included).</summary>
    public int Length { get; }
    public int ObsSize { get; }
    /// <summary>Size of each of h and c.</summary>
    public int StateSize { get; }

    /// <summary>[L + 1, obs]: the observation each step acted on, then the observation after the last real step.</summary>
    public float[] Obs { get; }
    public int[] Actions { get; }
    public float[] Rewards { get; }
    /// <summary>True at the step that terminated the episode (only ever the last real step).</summary>
    public bool[] Terminal { get; }
    /// <summary>Real steps (1..L); steps after them are padding, masked out of the loss.</summary>
    public int ValidSteps { get; set; }
    /// <summary>The previous action fed to the network at step 0 (−1 at an episode's first step).</summary>
    public int PrevAction { get; set; }
    /// <summary>The previous reward fed to the network at step 0 (0 at an episode's first step).</summary>
    public float PrevReward { get; set; }
    /// <summary>The actor's LSTM state (h, c) before step 0.</summary>
    public float[] H { get; }
    public float[] C { get; }
    /// <summary>Which episode the sequence came from (unique per env copy of a run).</summary>
    public long EpisodeId { get; set; }
    /// <summary>Index within its episode of step 0 (0: the sequence starts the episode, so its stored state is exactly the zero state).</summary>
    public int EpisodeStep { get; set; }

    /// <summary>Whether the last real step is followed by a state worth bootstrapping from (not terminated).</summary>
    public bool EndsNonTerminal => ValidSteps > 0 && !Terminal[ValidSteps - 1];

    /// <summary>Zeroes the padding after <see cref="ValidSteps"/> (and its observation rows after the bootstrap row).</summary>
    public void ClearPadding()
    {
        int v = ValidSteps;
        Array.Clear(Obs, (v + 1) * ObsSize, (Length - v) * ObsSize);
        Array.Clear(Actions, v, Length - v);
        Array.Clear(Rewards, v, Length - v);
        Array.Clear(Terminal, v, Length - v);
    }

    public void CopyTo(SequenceItem other)
    {
        if (other.Length != Length || other.ObsSize != ObsSize || other.StateSize != StateSize)
            throw new ArgumentException($"sequence shapes differ: ({Length}, {ObsSize}, {StateSize}) vs ({other.Length}, {other.ObsSize}, {other.StateSize})");
        Obs.CopyTo(other.Obs, 0);
        Actions.CopyTo(other.Actions, 0);
        Rewards.CopyTo(other.Rewards, 0);
        Terminal.CopyTo(other.Terminal, 0);
        H.CopyTo(other.H, 0);
        C.CopyTo(other.C, 0);
        other.ValidSteps = ValidSteps;
        other.PrevAction = PrevAction;
        other.PrevReward = PrevReward;
        other.EpisodeId = EpisodeId;
        other.EpisodeStep = EpisodeStep;
    }
}

/// <summary>
/// A sampled batch of B sequences laid out time-major for the learner's [T, B] unrolls, in preallocated arrays
/// reused across samples. Row b of every array belongs to sampled sequence b.
/// </summary>
public sealed class SequenceBatch
{
    public SequenceBatch(int batchSize, int length, int obsSize, int stateSize)
    {
        BatchSize = batchSize;
        Length = length;
        ObsSize = obsSize;
        StateSize = stateSize;
        int steps = length * batchSize, rows = (length + 1) * batchSize;
        Obs = new float[rows * obsSize];
        PrevActions = new long[rows];
        PrevRewards = new float[rows];
        Actions = new long[steps];
        Rewards = new float[steps];
        Terminal = new float[steps];
        Mask = new float[steps];
        ValidSteps = new int[batchSize];
        H = new float[batchSize * stateSize];
        C = new float[batchSize * stateSize];
        EpisodeIds = new long[batchSize];
        EpisodeSteps = new int[batchSize];
        Indices = new int[batchSize];
        Keys = new long[batchSize];
        Weights = new float[batchSize];
    }

    public int BatchSize { get; }
    /// <summary>L; observation-side arrays have L + 1 time rows.</summary>
    public int Length { get; }
    public int ObsSize { get; }
    public int StateSize { get; }

    /// <summary>[L + 1, B, obs].</summary>
    public float[] Obs { get; }
    /// <summary>[L + 1, B]: the previous action fed to the network at each time row (−1 for none).</summary>
    public long[] PrevActions { get; }
    /// <summary>[L + 1, B]: the previous reward fed at each time row.</summary>
    public float[] PrevRewards { get; }
    /// <summary>[L, B].</summary>
    public long[] Actions { get; }
    public float[] Rewards { get; }
    /// <summary>[L, B]: 1 at a step that terminated its episode.</summary>
    public float[] Terminal { get; }
    /// <summary>[L, B]: 1 at real steps, 0 at padding.</summary>
    public float[] Mask { get; }
    public int[] ValidSteps { get; }
    /// <summary>[B, lstm]: the stored state of each sequence.</summary>
    public float[] H { get; }
    public float[] C { get; }
    public long[] EpisodeIds { get; }
    public int[] EpisodeSteps { get; }
    /// <summary>Replay slot and insertion key of each row (for the keyed priority update).</summary>
    public int[] Indices { get; }
    public long[] Keys { get; }
    /// <summary>Importance weights, normalised so the largest possible weight is 1.</summary>
    public float[] Weights { get; }

    /// <summary>Writes <paramref name="s"/> into row <paramref name="b"/>.</summary>
    public void SetRow(int b, SequenceItem s)
    {
        int B = BatchSize, L = Length, O = ObsSize;
        for (int t = 0; t <= L; t++)
        {
            Array.Copy(s.Obs, t * O, Obs, (t * B + b) * O, O);
            PrevActions[t * B + b] = t == 0 ? s.PrevAction : t <= s.ValidSteps ? s.Actions[t - 1] : -1;
            PrevRewards[t * B + b] = t == 0 ? s.PrevReward : t <= s.ValidSteps ? s.Rewards[t - 1] : 0f;
        }
        for (int t = 0; t < L; t++)
        {
            int i = t * B + b;
            Actions[i] = s.Actions[t];
            Rewards[i] = s.Rewards[t];
            Terminal[i] = s.Terminal[t] ? 1f : 0f;
            Mask[i] = t < s.ValidSteps ? 1f : 0f;
        }
        ValidSteps[b] = s.ValidSteps;
        Array.Copy(s.H, 0, H, b * StateSize, StateSize);
        Array.Copy(s.C, 0, C, b * StateSize, StateSize);
        EpisodeIds[b] = s.EpisodeId;
        EpisodeSteps[b] = s.EpisodeStep;
    }
}
