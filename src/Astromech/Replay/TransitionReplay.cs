using Astromech.Envs;

namespace Astromech.Replay;

/// <summary>
/// Ring-buffer storage of transitions in flat float arrays, shared by <see cref="UniformReplay"/> and
/// <see cref="PrioritizedReplay"/>, which differ only in how they pick rows. Memory is fixed at construction
/// (<see cref="BytesUsed"/>); when full, each add overwrites the oldest transition. Every add gets a key, the
/// number of adds before it; the slot is the key modulo the capacity, so the key of a slot's current
/// transition is derived, not stored, and sampled rows carry it for stale-update checks.
/// </summary>
public abstract class TransitionReplay : IReplay
{
    private const uint Magic = 0x5250_4C59; // "RPLY"
    private const int Version = 2; // 2: the add counter replaces the next-slot index

    protected readonly int ObsSize;
    protected readonly int ActSize;
    private readonly float[] _obs, _next, _act, _rew, _disc;

    protected TransitionReplay(int capacity, int obsSize, int actSize)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "replay capacity must be positive");
        if (obsSize <= 0 || actSize <= 0) throw new ArgumentOutOfRangeException(nameof(obsSize), "observation and action sizes must be positive");
        EnsureFits(capacity, obsSize, actSize);
        Capacity = capacity;
        ObsSize = obsSize;
        ActSize = actSize;
        _obs = new float[(long)capacity * obsSize];
        _next = new float[(long)capacity * obsSize];
        _act = new float[(long)capacity * actSize];
        _rew = new float[capacity];
        _disc = new float[capacity];
    }

    /// <summary>Refuses a capacity whose arrays .NET cannot index or this machine cannot hold, before allocating them
    /// (a capacity inside the config's range can still be either, for a large observation).</summary>
    private static void EnsureFits(int capacity, int obsSize, int actSize)
    {
        long widest = (long)capacity * Math.Max(obsSize, actSize);
        if (widest > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(capacity),
                $"a replay capacity of {capacity:N0} transitions of {obsSize} observation floats needs an array of {widest:N0} floats, more than .NET's {Array.MaxLength:N0}; lower the replay capacity (buffer_size or replay.capacity)");
        long bytes = 4L * capacity * (2L * obsSize + actSize + 2);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
            throw new ArgumentOutOfRangeException(nameof(capacity),
                $"a replay capacity of {capacity:N0} transitions needs {bytes / 1e9:F1} GB, more than the {available / 1e9:F1} GB this process may use; lower the replay capacity (buffer_size or replay.capacity)");
    }

    public int Count { get; private set; }
    /// <summary>Transitions added since construction (or as loaded); the next add gets this key.</summary>
    public long TotalAdded { get; private set; }
    public int Capacity { get; }
    /// <summary>Observation floats per row.</summary>
    public int ObservationSize => ObsSize;
    /// <summary>Action floats per row.</summary>
    public int ActionSize => ActSize;
    /// <summary>The observation stored in <paramref name="slot"/> (slots fill in insertion order until the replay wraps).</summary>
    public ReadOnlySpan<float> ObservationAt(int slot) => _obs.AsSpan(checked(slot * ObsSize), ObsSize);
    /// <summary>The reward stored in <paramref name="slot"/>.</summary>
    public float RewardAt(int slot) => _rew[slot];
    public virtual long BytesUsed => sizeof(float) * ((long)_obs.Length * 2 + _act.Length + _rew.Length + _disc.Length);

    public int Add(ReadOnlySpan<float> obs, ReadOnlySpan<float> action, float reward, float discount, ReadOnlySpan<float> nextObs)
    {
        if (obs.Length != ObsSize || nextObs.Length != ObsSize || action.Length != ActSize)
            throw new ArgumentException($"replay rows hold {ObsSize} observation and {ActSize} action floats; got {obs.Length}, {nextObs.Length} and {action.Length}");
        int slot = (int)(TotalAdded % Capacity);
        obs.CopyTo(_obs.AsSpan(slot * ObsSize, ObsSize));
        nextObs.CopyTo(_next.AsSpan(slot * ObsSize, ObsSize));
        action.CopyTo(_act.AsSpan(slot * ActSize, ActSize));
        _rew[slot] = reward;
        _disc[slot] = discount;
        TotalAdded++;
        if (Count < Capacity) Count++;
        OnAdded(slot);
        return slot;
    }

    public void Sample(int batchSize, Rng rng, double beta, ReplayBatch into)
    {
        if (Count == 0) throw new InvalidOperationException("cannot sample from an empty replay");
        if (batchSize > into.Capacity) throw new ArgumentException($"batch of {batchSize} does not fit a ReplayBatch of {into.Capacity}");
        if (into.ObsSize != ObsSize || into.ActSize != ActSize) throw new ArgumentException("the ReplayBatch was made for other observation/action sizes");
        into.Size = batchSize;
        PickRows(batchSize, rng, beta, into);
        for (int b = 0; b < batchSize; b++)
        {
            int s = into.Indices[b];
            into.Keys[b] = KeyOf(s);
            _obs.AsSpan(s * ObsSize, ObsSize).CopyTo(into.Obs.AsSpan(b * ObsSize, ObsSize));
            _next.AsSpan(s * ObsSize, ObsSize).CopyTo(into.NextObs.AsSpan(b * ObsSize, ObsSize));
            _act.AsSpan(s * ActSize, ActSize).CopyTo(into.Actions.AsSpan(b * ActSize, ActSize));
            into.Rewards[b] = _rew[s];
            into.Discounts[b] = _disc[s];
        }
    }

    /// <summary>Copies the transition in <paramref name="slot"/> out (e.g. to export a run's replay as a dataset).</summary>
    public void ReadRow(int slot, Span<float> obs, Span<float> action, out float reward, out float discount, Span<float> nextObs)
    {
        CheckSlot(slot);
        _obs.AsSpan(slot * ObsSize, ObsSize).CopyTo(obs);
        _next.AsSpan(slot * ObsSize, ObsSize).CopyTo(nextObs);
        _act.AsSpan(slot * ActSize, ActSize).CopyTo(action);
        reward = _rew[slot];
        discount = _disc[slot];
    }

    /// <summary>Writes the chosen slots into <c>into.Indices</c> (and weights, if any).</summary>
    protected abstract void PickRows(int batchSize, Rng rng, double beta, ReplayBatch into);

    protected virtual void OnAdded(int slot) { }

    /// <summary>The key of the transition now in <paramref name="slot"/> (which must be below <see cref="Count"/>).</summary>
    public long KeyOf(int slot)
    {
        if ((uint)slot >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"replay holds {Count} transitions");
        long last = TotalAdded - 1;
        return last - (last - slot) % Capacity;
    }

    public void UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<float> tdErrors)
    {
        if (indices.Length != tdErrors.Length) throw new ArgumentException($"one TD error per index; got {indices.Length} indices and {tdErrors.Length} errors");
        for (int k = 0; k < indices.Length; k++) SetPriority(CheckSlot(indices[k]), tdErrors[k]);
    }

    public int UpdatePriorities(ReadOnlySpan<int> indices, ReadOnlySpan<long> keys, ReadOnlySpan<float> tdErrors)
    {
        if (indices.Length != tdErrors.Length || indices.Length != keys.Length)
            throw new ArgumentException($"one key and one TD error per index; got {indices.Length} indices, {keys.Length} keys and {tdErrors.Length} errors");
        int applied = 0;
        for (int k = 0; k < indices.Length; k++)
        {
            if (KeyOf(indices[k]) != keys[k]) continue; // overwritten since sampled: the update is stale
            SetPriority(indices[k], tdErrors[k]);
            applied++;
        }
        return applied;
    }

    /// <summary>Sets the priority of one slot from its TD error; uniform replay ignores it.</summary>
    protected virtual void SetPriority(int slot, float tdError) { }

    private int CheckSlot(int slot) =>
        (uint)slot < (uint)Count ? slot : throw new ArgumentOutOfRangeException(nameof(slot), slot, $"replay slot {slot} holds no transition (count {Count})");

    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic); w.Write(Version); w.Write(GetType().Name);
        w.Write(Capacity); w.Write(ObsSize); w.Write(ActSize); w.Write(Count); w.Write(TotalAdded);
        WriteFloats(w, _obs, Count * ObsSize); WriteFloats(w, _next, Count * ObsSize); WriteFloats(w, _act, Count * ActSize);
        WriteFloats(w, _rew, Count); WriteFloats(w, _disc, Count);
        SaveExtra(w);
    }

    public void Load(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("not a saved replay");
            int version = r.ReadInt32();
            if (version != Version && version != 1) throw new InvalidDataException($"saved replay has format version {version}, this build reads 1 to {Version}");
            string kind = r.ReadString();
            if (kind != GetType().Name) throw new InvalidDataException($"saved replay is a {kind}, this run uses a {GetType().Name}");
            int cap = r.ReadInt32(), obs = r.ReadInt32(), act = r.ReadInt32();
            if (cap != Capacity || obs != ObsSize || act != ActSize)
                throw new InvalidDataException($"saved replay has capacity {cap}, obs {obs}, action {act}; this run has {Capacity}, {ObsSize}, {ActSize}");
            int count = r.ReadInt32();
            long total;
            if (version == 1)
            {
                int next = r.ReadInt32(); // version 1 kept only the next slot: rebuild an add count that leads to it
                if (next < 0 || next >= Capacity || (count < Capacity && next != count)) throw new InvalidDataException("saved replay counters are out of range");
                total = count < Capacity ? count : Capacity + next;
            }
            else total = r.ReadInt64();
            if (count < 0 || count > Capacity || total < count || (count < Capacity && total != count))
                throw new InvalidDataException("saved replay counters are out of range");
            ReadFloats(r, _obs, count * ObsSize); ReadFloats(r, _next, count * ObsSize); ReadFloats(r, _act, count * ActSize);
            ReadFloats(r, _rew, count); ReadFloats(r, _disc, count);
            Count = count;
            TotalAdded = total;
            LoadExtra(r);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("saved replay is truncated");
        }
    }

    protected virtual void SaveExtra(BinaryWriter w) { }
    protected virtual void LoadExtra(BinaryReader r) { }

    private static void WriteFloats(BinaryWriter w, float[] a, int n) =>
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan(0, n)));

    private static void ReadFloats(BinaryReader r, float[] a, int n)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan(0, n));
        if (r.BaseStream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length)
            throw new EndOfStreamException();
    }
}

/// <summary>Samples stored transitions uniformly with replacement (DQN, Mnih et al. 2015).</summary>
public sealed class UniformReplay(int capacity, int obsSize, int actSize) : TransitionReplay(capacity, obsSize, actSize)
{
    protected override void PickRows(int batchSize, Rng rng, double beta, ReplayBatch into)
    {
        into.HasWeights = false;
        for (int b = 0; b < batchSize; b++)
        {
            into.Indices[b] = rng.Next(Count);
            into.Weights[b] = 1f;
        }
    }
}

/// <summary>
/// Proportional prioritized replay (Schaul et al. 2016): P(i) = p_i^α / Σ_k p_k^α with p = |δ| + ε; new
/// transitions enter at the largest priority seen so far so each is replayed at least once soon; importance
/// weights w_i = (N·P(i))^−β normalised by the largest possible weight, (N·P_min)^−β. Sampling is
/// stratified: the total mass is cut into batch-size equal segments and one row is drawn in each.
/// Stale updates: the two-argument UpdatePriorities applies to the slot as it is at update time (as in the
/// paper's implementation; right in one process, where nothing is added between a sample and its update);
/// the keyed overload drops rows whose slot was overwritten since the sample (see <see cref="ReplayBatch.Keys"/>).
/// </summary>
public sealed class PrioritizedReplay : TransitionReplay
{
    private readonly SumTree _tree;
    private double _maxPriority = 1.0;

    public double Alpha { get; }
    public double Epsilon { get; }

    public PrioritizedReplay(int capacity, int obsSize, int actSize, double alpha = 0.6, double epsilon = 1e-6)
        : base(capacity, obsSize, actSize)
    {
        if (alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha));
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon));
        Alpha = alpha;
        Epsilon = epsilon;
        _tree = new SumTree(capacity);
    }

    public override long BytesUsed => base.BytesUsed + 2L * sizeof(double) * 2 * Capacity;

    /// <summary>The stored p^α of a slot.</summary>
    public double PriorityMass(int slot) => _tree[slot];

    protected override void OnAdded(int slot) => _tree.Update(slot, Math.Pow(_maxPriority, Alpha));

    protected override void PickRows(int batchSize, Rng rng, double beta, ReplayBatch into)
    {
        into.HasWeights = true;
        double total = _tree.Total, segment = total / batchSize;
        double pMin = _tree.Min / total;
        double maxWeight = Math.Pow(Count * pMin, -beta);
        for (int b = 0; b < batchSize; b++)
        {
            int i = _tree.Find((b + rng.NextDouble()) * segment);
            into.Indices[b] = i;
            double p = _tree[i] / total;
            into.Weights[b] = (float)(Math.Pow(Count * p, -beta) / maxWeight);
        }
    }

    protected override void SetPriority(int slot, float tdError)
    {
        double p = Math.Abs((double)tdError) + Epsilon;
        if (!double.IsFinite(p)) throw new ArgumentException($"non-finite TD error {tdError} for replay slot {slot}");
        _maxPriority = Math.Max(_maxPriority, p);
        _tree.Update(slot, Math.Pow(p, Alpha));
    }

    protected override void SaveExtra(BinaryWriter w)
    {
        w.Write(_maxPriority);
        for (int i = 0; i < Count; i++) w.Write(_tree[i]);
    }

    protected override void LoadExtra(BinaryReader r)
    {
        _maxPriority = r.ReadDouble();
        _tree.Clear();
        for (int i = 0; i < Count; i++) _tree.Update(i, r.ReadDouble());
    }
}
