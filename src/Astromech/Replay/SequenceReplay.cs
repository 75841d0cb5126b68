using Astromech.Envs;

namespace Astromech.Replay;

/// <summary>
/// Prioritized replay of sequences for R2D2 (Kapturowski et al. 2019), on the shared <see cref="SumTree"/>.
/// <list type="bullet">
/// <item>Sampling: P(i) = p_i^α / Σ_k p_k^α (paper: α = 0.9), stratified over the batch like
/// <see cref="PrioritizedReplay"/>; importance weights w_i = (N·P(i))^−β normalised by the largest possible
/// weight (N·P_min)^−β (paper: β = 0.6, fixed).</item>
/// <item>Priorities: the learner reports one priority per sequence, the paper's mixture
/// p = η·max_t|δ_t| + (1 − η)·mean_t|δ_t| over the sequence's trained steps (<see cref="MixedPriority"/>,
/// η = 0.9); a small ε is added so no sequence becomes unsampleable.</item>
/// <item>New sequences enter with the largest priority seen so far (1 before any update), as in Schaul et al.;
/// the paper's actors compute initial priorities with their own network instead, which costs an extra
/// unroll per sequence on the actor and needs target-network copies there. With max priority every new
/// sequence is sampled soon after insertion; the first learner update then sets its real priority.</item>
/// <item>Capacity counts sequences; when full the oldest is overwritten (FIFO).</item>
/// <item>Thread safety: every public method takes one lock, so actor threads insert while the learner samples
/// and updates. A sample copies into the caller's <see cref="SequenceBatch"/> under the lock. Priority updates
/// are keyed: a row whose slot was overwritten between sample and update is skipped.</item>
/// </list>
/// </summary>
public sealed class SequenceReplay : ISequenceWriter
{
    private const uint Magic = 0x5351_5250; // "SQRP"
    private const int FormatVersion = 1;

    private readonly object _lock = new();
    private readonly SequenceItem?[] _slots;
    private readonly SumTree _tree;
    private double _maxPriority = 1.0;
    private long _totalAdded;
    private int _count;

    public SequenceReplay(int capacity, int length, int obsSize, int stateSize, double alpha = 0.9, double epsilon = 1e-6)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "replay capacity (sequences) must be positive");
        if (alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "priority exponent α must be ≥ 0");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "priority ε must be > 0");
        _ = new SequenceItem(length, obsSize, stateSize); // validates the shape
        EnsureFits(capacity, length, obsSize, stateSize);
        Capacity = capacity;
        Length = length;
        ObsSize = obsSize;
        StateSize = stateSize;
        Alpha = alpha;
        Epsilon = epsilon;
        _slots = new SequenceItem?[capacity];
        _tree = new SumTree(capacity);
    }

    /// <summary>
    /// Refuses a capacity whose full replay this machine cannot hold, before training starts: sequences are allocated as
    /// they arrive, so without this a too-large capacity fails hours later with an unnamed OutOfMemoryException.
    /// </summary>
    private static void EnsureFits(int capacity, int length, int obsSize, int stateSize)
    {
        // Per sequence: (L + 1) observations, L actions (int), rewards (float) and terminal flags (bool), h and c.
        long perItem = 4L * (length + 1) * obsSize + 9L * length + 8L * stateSize + 64; // + object headers, roughly
        long bytes = perItem * capacity;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
            throw new ArgumentOutOfRangeException(nameof(capacity),
                $"a sequence replay of {capacity:N0} sequences of {length} steps needs {bytes / 1e9:F1} GB when full, more than the {available / 1e9:F1} GB this process may use; lower the replay capacity (replay.capacity)");
    }

    public int Capacity { get; }
    public int Length { get; }
    public int ObsSize { get; }
    public int StateSize { get; }
    public double Alpha { get; }
    public double Epsilon { get; }

    public int Count { get { lock (_lock) return _count; } }
    /// <summary>Sequences inserted since construction; the next gets this key.</summary>
    public long TotalAdded { get { lock (_lock) return _totalAdded; } }
    public double MaxPriority { get { lock (_lock) return _maxPriority; } }

    /// <summary>The paper's sequence priority η·max|δ| + (1 − η)·mean|δ| over the given absolute TD errors (0 when empty).</summary>
    public static double MixedPriority(ReadOnlySpan<float> absTdErrors, double eta)
    {
        if (absTdErrors.Length == 0) return 0;
        double max = 0, sum = 0;
        foreach (float d in absTdErrors)
        {
            double a = Math.Abs((double)d);
            if (a > max) max = a;
            sum += a;
        }
        return eta * max + (1 - eta) * sum / absTdErrors.Length;
    }

    /// <summary>Copies <paramref name="item"/> in, overwriting the oldest sequence when full; returns its slot.</summary>
    public int Add(SequenceItem item)
    {
        if (item.Length != Length || item.ObsSize != ObsSize || item.StateSize != StateSize)
            throw new ArgumentException($"replay holds sequences of (length {Length}, obs {ObsSize}, state {StateSize}); got ({item.Length}, {item.ObsSize}, {item.StateSize})");
        if (item.ValidSteps < 1 || item.ValidSteps > Length)
            throw new ArgumentException($"a stored sequence needs 1..{Length} real steps; got {item.ValidSteps}");
        lock (_lock)
        {
            int slot = (int)(_totalAdded % Capacity);
            var dst = _slots[slot] ??= new SequenceItem(Length, ObsSize, StateSize);
            item.CopyTo(dst);
            _totalAdded++;
            if (_count < Capacity) _count++;
            _tree.Update(slot, Math.Pow(_maxPriority, Alpha));
            return slot;
        }
    }

    /// <summary>The key (insertion number) of the sequence now in <paramref name="slot"/>; caller holds the lock.</summary>
    private long KeyOf(int slot)
    {
        long last = _totalAdded - 1;
        return last - (last - slot) % Capacity;
    }

    /// <summary>Draws <paramref name="batchSize"/> sequences (with replacement) into <paramref name="into"/>.</summary>
    public void Sample(int batchSize, Rng rng, double beta, SequenceBatch into)
    {
        if (batchSize != into.BatchSize) throw new ArgumentException($"batch of {batchSize} does not match the SequenceBatch's {into.BatchSize} rows");
        if (into.Length != Length || into.ObsSize != ObsSize || into.StateSize != StateSize)
            throw new ArgumentException("the SequenceBatch was made for another sequence shape");
        if (beta < 0) throw new ArgumentOutOfRangeException(nameof(beta), beta, "importance-sampling exponent β must be ≥ 0");
        lock (_lock)
        {
            if (_count == 0) throw new InvalidOperationException("cannot sample from an empty sequence replay");
            double total = _tree.Total, segment = total / batchSize;
            double maxWeight = Math.Pow(_count * (_tree.Min / total), -beta);
            for (int b = 0; b < batchSize; b++)
            {
                int i = _tree.Find((b + rng.NextDouble()) * segment);
                into.Indices[b] = i;
                into.Keys[b] = KeyOf(i);
                into.Weights[b] = (float)(Math.Pow(_count * (_tree[i] / total), -beta) / maxWeight);
                into.SetRow(b, _slots[i]!);
            }
        }
    }

    /// <summary>
    /// Sets priorities (already mixed, see <see cref="MixedPriority"/>) of sampled rows; rows whose slot was
    /// overwritten since the sample (key mismatch) are skipped. Returns the number applied.
    /// </summary>
    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<double> priorities)
    {
        if (indices.Length != keys.Length || indices.Length != priorities.Length)
            throw new ArgumentException($"one key and one priority per index; got {indices.Length} indices, {keys.Length} keys and {priorities.Length} priorities");
        lock (_lock)
        {
            int applied = 0;
            for (int k = 0; k < indices.Length; k++)
            {
                int slot = indices[k];
                if ((uint)slot >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(indices), slot, $"replay slot {slot} holds no sequence (count {_count})");
                if (KeyOf(slot) != keys[k]) continue;
                double p = priorities[k] + Epsilon;
                if (!double.IsFinite(p) || p < 0) throw new ArgumentException($"priority {priorities[k]} for replay slot {slot} is not a finite non-negative number");
                _maxPriority = Math.Max(_maxPriority, p);
                _tree.Update(slot, Math.Pow(p, Alpha));
                applied++;
            }
            return applied;
        }
    }

    /// <summary>The stored p^α of a slot.</summary>
    public double PriorityMass(int slot) { lock (_lock) return _tree[slot]; }

    /// <summary>Copies the sequence in <paramref name="slot"/> out (for diagnostics and tests).</summary>
    public void Read(int slot, SequenceItem into)
    {
        lock (_lock)
        {
            if ((uint)slot >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"replay holds {_count} sequences");
            _slots[slot]!.CopyTo(into);
        }
    }

    /// <summary>A copy of every stored sequence, oldest first.</summary>
    public List<SequenceItem> Snapshot()
    {
        lock (_lock)
        {
            var list = new List<SequenceItem>(_count);
            long first = _totalAdded - _count;
            for (long k = first; k < _totalAdded; k++)
            {
                var copy = new SequenceItem(Length, ObsSize, StateSize);
                _slots[(int)(k % Capacity)]!.CopyTo(copy);
                list.Add(copy);
            }
            return list;
        }
    }

    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        lock (_lock)
        {
            w.Write(Magic); w.Write(FormatVersion);
            w.Write(Capacity); w.Write(Length); w.Write(ObsSize); w.Write(StateSize);
            w.Write(_count); w.Write(_totalAdded); w.Write(_maxPriority);
            for (int i = 0; i < _count; i++)
            {
                var s = _slots[i]!;
                w.Write(_tree[i]);
                w.Write(s.ValidSteps); w.Write(s.PrevAction); w.Write(s.PrevReward); w.Write(s.EpisodeId); w.Write(s.EpisodeStep);
                foreach (float f in s.Obs) w.Write(f);
                foreach (int a in s.Actions) w.Write(a);
                foreach (float r in s.Rewards) w.Write(r);
                foreach (bool t in s.Terminal) w.Write(t);
                foreach (float f in s.H) w.Write(f);
                foreach (float f in s.C) w.Write(f);
            }
        }
    }

    public void Load(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        lock (_lock)
        {
            try
            {
                if (r.ReadUInt32() != Magic) throw new InvalidDataException("not a saved sequence replay");
                int version = r.ReadInt32();
                if (version != FormatVersion) throw new InvalidDataException($"saved sequence replay has format version {version}, this build reads {FormatVersion}");
                int cap = r.ReadInt32(), len = r.ReadInt32(), obs = r.ReadInt32(), state = r.ReadInt32();
                if (cap != Capacity || len != Length || obs != ObsSize || state != StateSize)
                    throw new InvalidDataException($"saved sequence replay has capacity {cap}, length {len}, obs {obs}, state {state}; this run has {Capacity}, {Length}, {ObsSize}, {StateSize}");
                int count = r.ReadInt32();
                long total = r.ReadInt64();
                double maxP = r.ReadDouble();
                if (count < 0 || count > Capacity || total < count || (count < Capacity && total != count))
                    throw new InvalidDataException("saved sequence replay counters are out of range");
                _tree.Clear();
                for (int i = 0; i < count; i++)
                {
                    var s = _slots[i] ??= new SequenceItem(Length, ObsSize, StateSize);
                    double mass = r.ReadDouble();
                    s.ValidSteps = r.ReadInt32(); s.PrevAction = r.ReadInt32(); s.PrevReward = r.ReadSingle();
                    s.EpisodeId = r.ReadInt64(); s.EpisodeStep = r.ReadInt32();
                    for (int k = 0; k < s.Obs.Length; k++) s.Obs[k] = r.ReadSingle();
                    for (int k = 0; k < s.Actions.Length; k++) s.Actions[k] = r.ReadInt32();
                    for (int k = 0; k < s.Rewards.Length; k++) s.Rewards[k] = r.ReadSingle();
                    for (int k = 0; k < s.Terminal.Length; k++) s.Terminal[k] = r.ReadBoolean();
                    for (int k = 0; k < s.H.Length; k++) s.H[k] = r.ReadSingle();
                    for (int k = 0; k < s.C.Length; k++) s.C[k] = r.ReadSingle();
                    _tree.Update(i, mass);
                }
                _count = count;
                _totalAdded = total;
                _maxPriority = maxP;
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException("saved sequence replay is truncated");
            }
        }
    }
}
