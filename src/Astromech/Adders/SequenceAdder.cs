using Astromech.Replay;

namespace Astromech.Adders;

/// <summary>
/// Cuts one env copy's stream of steps into R2D2's fixed-length sequences (Kapturowski et al. 2019): a new
/// sequence starts every <c>period</c> = L − overlap steps of an episode (at episode steps 0, period, 2·period, …),
/// each runs for L steps, and consecutive sequences share <c>overlap</c> steps. A sequence never crosses an
/// episode boundary: when the episode ends, every open sequence is closed early, its remaining steps padded
/// with zeros and masked (<see cref="SequenceItem.ValidSteps"/>).
/// <para>Each sequence records the actor's recurrent state (h, c) before its first step and the previous
/// action/reward fed to the network there (−1/0 at the episode's first step); the adder tracks those inputs
/// itself with the same rule the actor uses.</para>
/// <para><b>The tail and n-step targets.</b> A sequence stores one observation more than it has steps: the
/// observation after its last real step (the next observation for a sequence cut at L, the final observation
/// for one cut by the episode end). The learner computes n-step targets inside the sequence only; a step
/// closer than n to the end bootstraps from that extra observation with a shorter window (m = steps left).
/// So sequences hold L + 1 observations, not L + n steps, and no step is left without a target. At
/// termination the last step has no bootstrap (its <see cref="SequenceItem.Terminal"/> flag); at
/// truncation it bootstraps from the final observation, since the episode was cut, not ended.</para>
/// <para>Sequences that start after an episode's first step and end with no more than <c>minSteps</c> − 1 real
/// steps are dropped: with a burn-in of that length they would have nothing to train on. Sequences that start
/// an episode are always kept (their stored state, zero, is exact, and the learner trains all their steps).</para>
/// Preallocated: at most ⌈L / period⌉ sequences are open at once, and they are reused.
/// </summary>
public sealed class SequenceAdder
{
    private readonly ISequenceWriter _replay;
    private readonly int _length, _period, _obsSize, _stateSize, _minSteps;
    private readonly SequenceItem[] _open;
    private int _openCount;
    private int _episodeStep;
    private int _prevAction = -1;
    private float _prevReward;
    private long _episodeId;

    public SequenceAdder(ISequenceWriter replay, int length, int overlap, int minSteps = 1, long firstEpisodeId = 0)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "sequence length must be ≥ 1");
        if (overlap < 0 || overlap >= length)
            throw new ArgumentOutOfRangeException(nameof(overlap), overlap, $"overlap must lie in [0, sequence length {length})");
        if (minSteps < 1 || minSteps > length) throw new ArgumentOutOfRangeException(nameof(minSteps), minSteps, $"minSteps must lie in [1, {length}]");
        if (replay.Length != length) throw new ArgumentException($"the replay stores sequences of {replay.Length} steps, the adder cuts {length}");
        _replay = replay;
        _length = length;
        _period = length - overlap;
        _obsSize = replay.ObsSize;
        _stateSize = replay.StateSize;
        _minSteps = minSteps;
        _open = new SequenceItem[(length + _period - 1) / _period];
        for (int i = 0; i < _open.Length; i++) _open[i] = new SequenceItem(length, _obsSize, _stateSize);
        _episodeId = firstEpisodeId;
    }

    /// <summary>Sequences now collecting steps.</summary>
    public int OpenSequences => _openCount;
    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeStep => _episodeStep;
    public long EpisodeId => _episodeId;
    /// <summary>The previous action/reward the network should see at the next step (−1/0 at an episode start).</summary>
    public int PrevAction => _prevAction;
    public float PrevReward => _prevReward;
    /// <summary>Sequences written to the replay and dropped as too short.</summary>
    public long Written { get; private set; }
    public long Dropped { get; private set; }

    /// <summary>
    /// One step: the observation acted on, the actor's LSTM state before this step, the action and reward, how
    /// the step ended, and the true next observation (the final one when the episode ended).
    /// </summary>
    public void Observe(ReadOnlySpan<float> obs, ReadOnlySpan<float> h, ReadOnlySpan<float> c, int action, float reward,
        bool terminated, bool truncated, ReadOnlySpan<float> nextObs)
    {
        if (obs.Length != _obsSize || nextObs.Length != _obsSize || h.Length != _stateSize || c.Length != _stateSize)
            throw new ArgumentException($"sequence adder takes {_obsSize} observation floats and h, c of {_stateSize}; got {obs.Length}, {nextObs.Length}, {h.Length}, {c.Length}");
        if (_episodeStep % _period == 0)
        {
            var s = _open[_openCount++];
            h.CopyTo(s.H);
            c.CopyTo(s.C);
            s.PrevAction = _prevAction;
            s.PrevReward = _prevReward;
            s.EpisodeId = _episodeId;
            s.EpisodeStep = _episodeStep;
            s.ValidSteps = 0;
        }
        for (int i = 0; i < _openCount; i++)
        {
            var s = _open[i];
            int t = s.ValidSteps++;
            obs.CopyTo(s.Obs.AsSpan(t * _obsSize, _obsSize));
            s.Actions[t] = action;
            s.Rewards[t] = reward;
            s.Terminal[t] = terminated;
        }
        _prevAction = action;
        _prevReward = reward;
        _episodeStep++;

        if (terminated || truncated)
        {
            for (int i = 0; i < _openCount; i++) Close(_open[i], nextObs);
            _openCount = 0;
            _episodeStep = 0;
            _prevAction = -1;
            _prevReward = 0;
            _episodeId++;
        }
        else if (_openCount > 0 && _open[0].ValidSteps == _length)
        {
            // Only the oldest open sequence can be full; close it and shift the rest down (reusing its buffer).
            var full = _open[0];
            Close(full, nextObs);
            for (int i = 1; i < _openCount; i++) _open[i - 1] = _open[i];
            _open[--_openCount] = full;
        }
    }

    private void Close(SequenceItem s, ReadOnlySpan<float> nextObs)
    {
        nextObs.CopyTo(s.Obs.AsSpan(s.ValidSteps * _obsSize, _obsSize));
        s.ClearPadding();
        if (s.EpisodeStep != 0 && s.ValidSteps < _minSteps)
        {
            Dropped++;
            return;
        }
        _replay.Add(s);
        Written++;
    }

    /// <summary>Drops open sequences and starts a fresh episode (e.g. after resetting the env copy from outside).</summary>
    public void Reset()
    {
        _openCount = 0;
        _episodeStep = 0;
        _prevAction = -1;
        _prevReward = 0;
        _episodeId++;
    }
}

/// <summary>
/// One <see cref="SequenceAdder"/> per env copy, fed from a vector step's row-major buffers and the actor's
/// per-copy LSTM state ([copies, lstm] each for h and c, the state before the step).
/// </summary>
public sealed class VectorSequenceAdder
{
    private readonly SequenceAdder[] _adders;
    private readonly int _obsSize, _stateSize;

    /// <param name="episodeIdBase">Episode ids of copy i start at episodeIdBase + i·2^32, so ids stay unique across copies and actors.</param>
    public VectorSequenceAdder(int numEnvs, ISequenceWriter replay, int length, int overlap, int minSteps = 1, long episodeIdBase = 0)
    {
        _adders = new SequenceAdder[numEnvs];
        for (int i = 0; i < numEnvs; i++) _adders[i] = new SequenceAdder(replay, length, overlap, minSteps, episodeIdBase + ((long)i << 32));
        _obsSize = replay.ObsSize;
        _stateSize = replay.StateSize;
    }

    public int NumEnvs => _adders.Length;
    public SequenceAdder this[int copy] => _adders[copy];

    /// <summary>
    /// One vector step under the same-step autoreset contract: copy i's next observation is its row of
    /// <paramref name="finalObservations"/> where it ended, else its row of <paramref name="observations"/>.
    /// </summary>
    public void Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> h, ReadOnlySpan<float> c, ReadOnlySpan<float> actions,
        ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated,
        ReadOnlySpan<float> observations, ReadOnlySpan<float> finalObservations)
    {
        int n = _adders.Length, O = _obsSize, S = _stateSize;
        if (obs.Length != n * O || observations.Length != n * O || finalObservations.Length != n * O || h.Length != n * S || c.Length != n * S
            || actions.Length != n || rewards.Length != n || terminated.Length != n || truncated.Length != n)
            throw new ArgumentException($"vector sequence adder for {n} copies (obs {O}, state {S}) got {obs.Length}/{observations.Length}/{finalObservations.Length} observation floats, {h.Length}/{c.Length} state floats, {actions.Length} actions, {rewards.Length} rewards and {terminated.Length}/{truncated.Length} flags");
        for (int i = 0; i < n; i++)
        {
            bool ended = terminated[i] || truncated[i];
            var next = (ended ? finalObservations : observations).Slice(i * O, O);
            _adders[i].Observe(obs.Slice(i * O, O), h.Slice(i * S, S), c.Slice(i * S, S), (int)actions[i], rewards[i],
                terminated[i], truncated[i], next);
        }
    }
}
