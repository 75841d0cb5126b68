using System.Numerics;
using System.Runtime.InteropServices;

namespace Astromech.Memory;

/// <summary>How <see cref="EpisodicMemory"/> finds neighbours.</summary>
public enum NeighbourSearch
{
    /// <summary>Brute force over every stored key (vectorised squared distances).</summary>
    Exact,
    /// <summary>The <see cref="KdTree"/> rebuilt as the memory changes, plus a brute-force scan of the keys written since its build.</summary>
    Approximate,
}

/// <summary>
/// A fixed-capacity key→value store over preallocated float arrays: the episodic memory of MFEC (Blundell et al.
/// 2016) and the differentiable neural dictionary of NEC (Pritzel et al. 2017). Keys are float vectors of
/// <see cref="KeySize"/>, values scalars. Lookups find the k nearest keys by squared Euclidean distance, exactly or
/// through an approximate KD-tree; reads weight the neighbours' values with NEC's inverse-distance kernel
/// k(h, hᵢ) = 1 / (‖h − hᵢ‖² + δ), wᵢ = k(h, hᵢ) / Σⱼ k(h, hⱼ), or average them (MFEC). When full, a write of a new
/// key replaces the least recently used entry; an entry is used when it is written or is among a read's neighbours.
/// Not thread-safe.
/// </summary>
public sealed class EpisodicMemory
{
    private const uint Magic = 0x4D455045; // "EPEM"
    private const int Version = 1;

    private readonly float[] _keys;
    private readonly float[] _values;
    // LRU as a doubly linked list over slots: _head most recently used, _tail least.
    private readonly int[] _prev, _next;
    private int _head = -1, _tail = -1;
    // Approximate search: the tree over the keys as they were at its build, the slots whose key changed since.
    private readonly bool[] _fresh;
    private readonly List<int> _freshSlots = new();
    private KdTree? _tree;
    private int[] _scratchSlots = Array.Empty<int>();
    private float[] _scratchDist = Array.Empty<float>();

    public int Capacity { get; }
    public int KeySize { get; }
    public int Count { get; private set; }
    /// <summary>δ of the inverse-distance kernel (NEC: 10⁻³).</summary>
    public double Delta { get; }
    public NeighbourSearch Search { get; }
    /// <summary>Leaves the KD-tree search visits per query (more: higher recall, slower).</summary>
    public int TreeChecks { get; set; } = 32;
    /// <summary>Times the KD-tree was rebuilt (diagnostics).</summary>
    public long TreeBuilds { get; private set; }

    public EpisodicMemory(int capacity, int keySize, double delta = 1e-3, NeighbourSearch search = NeighbourSearch.Exact)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "episodic memory capacity must be positive");
        if (keySize <= 0) throw new ArgumentOutOfRangeException(nameof(keySize), keySize, "episodic memory key size must be positive");
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "kernel delta must be positive");
        if ((long)capacity * keySize > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity {capacity} × key size {keySize} floats exceeds one array");
        Capacity = capacity;
        KeySize = keySize;
        Delta = delta;
        Search = search;
        _keys = new float[(long)capacity * keySize];
        _values = new float[capacity];
        _prev = new int[capacity];
        _next = new int[capacity];
        _fresh = new bool[capacity];
    }

    public ReadOnlySpan<float> Key(int slot) => _keys.AsSpan(CheckSlot(slot) * KeySize, KeySize);

    public float Value(int slot) => _values[CheckSlot(slot)];

    /// <summary>Overwrites the value of a slot (NEC's gradient step on the values used).</summary>
    public void SetValue(int slot, float value) => _values[CheckSlot(slot)] = value;

    /// <summary>Overwrites the key of a slot (NEC's gradient step on the keys used); the approximate index sees the change.</summary>
    public void SetKey(int slot, ReadOnlySpan<float> key)
    {
        CheckKey(key);
        key.CopyTo(_keys.AsSpan(CheckSlot(slot) * KeySize, KeySize));
        MarkFresh(slot);
    }

    /// <summary>Slots from least to most recently used.</summary>
    public IEnumerable<int> SlotsLeastRecentFirst()
    {
        for (int s = _tail; s >= 0; s = _prev[s]) yield return s;
    }

    /// <summary>
    /// The (up to) k nearest stored keys to <paramref name="query"/>, nearest first: their slots and squared distances.
    /// Returns how many were found (min(k, Count)). Does not touch the LRU order.
    /// </summary>
    public int Nearest(ReadOnlySpan<float> query, int k, Span<int> slots, Span<float> dist2)
    {
        CheckKey(query);
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive");
        k = Math.Min(k, Count);
        if (slots.Length < k || dist2.Length < k) throw new ArgumentException($"neighbour buffers hold {Math.Min(slots.Length, dist2.Length)}, k is {k}");
        if (k == 0) return 0;
        if (Search == NeighbourSearch.Exact || Count <= 4 * KdTree.LeafSize) return NearestExact(query, k, slots, dist2);
        EnsureTree();
        var top = new TopK(k, slots, dist2);
        _tree!.Search(query, TreeChecks, ref top, _fresh);
        foreach (int s in _freshSlots) top.Offer(s, Dist2(query, s));
        return top.Count;
    }

    /// <summary>Brute force over every key, whatever <see cref="Search"/> says (the reference for recall).</summary>
    public int NearestExact(ReadOnlySpan<float> query, int k, Span<int> slots, Span<float> dist2)
    {
        CheckKey(query);
        k = Math.Min(k, Count);
        var top = new TopK(k, slots, dist2);
        for (int s = 0; s < Count; s++) top.Offer(s, Dist2(query, s));
        return top.Count;
    }

    /// <summary>The slot whose key equals <paramref name="query"/> exactly, or −1.</summary>
    public int FindExact(ReadOnlySpan<float> query)
    {
        Span<int> slot = stackalloc int[1];
        Span<float> d = stackalloc float[1];
        if (Count == 0 || Nearest(query, 1, slot, d) == 0) return -1;
        return d[0] == 0f && Key(slot[0]).SequenceEqual(query) ? slot[0] : -1;
    }

    /// <summary>
    /// NEC's read: Σᵢ wᵢ vᵢ over the k nearest keys with wᵢ = k(h, hᵢ) / Σⱼ k(h, hⱼ), k(h, hᵢ) = 1/(‖h − hᵢ‖² + δ).
    /// Marks the neighbours used. Writes the slots and weights into the optional buffers; returns 0 on an empty memory.
    /// </summary>
    public float ReadKernel(ReadOnlySpan<float> query, int k, Span<int> slots = default, Span<float> weights = default)
    {
        int n = Neighbours(query, k, out var s, out var d);
        if (n == 0) return 0f;
        double sum = 0;
        for (int i = 0; i < n; i++) { d[i] = (float)(1.0 / (d[i] + Delta)); sum += d[i]; }
        double q = 0;
        for (int i = 0; i < n; i++)
        {
            double w = d[i] / sum;
            q += w * _values[s[i]];
            if (i < weights.Length) weights[i] = (float)w;
            if (i < slots.Length) slots[i] = s[i];
            Touch(s[i]);
        }
        return (float)q;
    }

    /// <summary>MFEC's read: the mean value of the k nearest keys (marks them used); 0 on an empty memory.</summary>
    public float ReadMean(ReadOnlySpan<float> query, int k)
    {
        int n = Neighbours(query, k, out var s, out _);
        if (n == 0) return 0f;
        double q = 0;
        for (int i = 0; i < n; i++) { q += _values[s[i]]; Touch(s[i]); }
        return (float)(q / n);
    }

    /// <summary>
    /// NEC's write: if <paramref name="key"/> is stored, Q ← Q + α(R − Q); else the key is added with value R, replacing
    /// the least recently used entry when full. Returns the slot written.
    /// </summary>
    public int WriteOrUpdate(ReadOnlySpan<float> key, float value, float alpha)
    {
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in [0, 1]");
        int slot = FindExact(key);
        if (slot < 0) return Append(key, value);
        _values[slot] += alpha * (value - _values[slot]);
        Touch(slot);
        return slot;
    }

    /// <summary>MFEC's write: if <paramref name="key"/> is stored, Q ← max(Q, R); else the key is added (LRU replacement). Returns the slot.</summary>
    public int WriteMax(ReadOnlySpan<float> key, float value)
    {
        int slot = FindExact(key);
        if (slot < 0) return Append(key, value);
        _values[slot] = Math.Max(_values[slot], value);
        Touch(slot);
        return slot;
    }

    /// <summary>Adds a key without looking for it, replacing the least recently used entry when full. Returns the slot.</summary>
    public int Append(ReadOnlySpan<float> key, float value)
    {
        CheckKey(key);
        if (!float.IsFinite(value)) throw new ArgumentException($"episodic memory value {value} is not finite", nameof(value));
        int slot;
        if (Count < Capacity) slot = Count++;
        else { slot = _tail; Unlink(slot); }
        key.CopyTo(_keys.AsSpan(slot * KeySize, KeySize));
        _values[slot] = value;
        PushFront(slot);
        MarkFresh(slot);
        return slot;
    }

    public void Clear()
    {
        Count = 0; _head = _tail = -1; _tree = null;
        foreach (int s in _freshSlots) _fresh[s] = false;
        _freshSlots.Clear();
    }

    private int Neighbours(ReadOnlySpan<float> query, int k, out Span<int> slots, out Span<float> dist2)
    {
        if (_scratchSlots.Length < k) { _scratchSlots = new int[k]; _scratchDist = new float[k]; }
        slots = _scratchSlots.AsSpan(0, k);
        dist2 = _scratchDist.AsSpan(0, k);
        if (Count == 0) { CheckKey(query); return 0; }
        return Nearest(query, k, slots, dist2);
    }

    private float Dist2(ReadOnlySpan<float> q, int slot) => SquaredDistance(q, _keys.AsSpan(slot * KeySize, KeySize));

    /// <summary>‖a − b‖², vectorised with <see cref="Vector{T}"/>.</summary>
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (int j = 0; j < va.Length; j++) { var d = va[j] - vb[j]; acc += d * d; }
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < a.Length; i++) { float d = a[i] - b[i]; sum += d * d; }
        return sum;
    }

    private void EnsureTree()
    {
        // Rebuild once the keys written since the last build are more than a tenth of the memory (their brute-force
        // scan would start to dominate) or the tree is missing.
        if (_tree is not null && _freshSlots.Count <= Math.Max(256, Count / 10)) return;
        foreach (int s in _freshSlots) _fresh[s] = false;
        _freshSlots.Clear();
        _tree = KdTree.Build(_keys, KeySize, Count);
        TreeBuilds++;
    }

    private void MarkFresh(int slot)
    {
        if (Search != NeighbourSearch.Approximate || _fresh[slot] || _tree is null) return;
        _fresh[slot] = true;
        _freshSlots.Add(slot);
    }

    private void Touch(int slot)
    {
        if (_head == slot) return;
        Unlink(slot);
        PushFront(slot);
    }

    private void Unlink(int s)
    {
        int p = _prev[s], n = _next[s];
        if (p >= 0) _next[p] = n; else _head = n;
        if (n >= 0) _prev[n] = p; else _tail = p;
    }

    private void PushFront(int s)
    {
        _prev[s] = -1;
        _next[s] = _head;
        if (_head >= 0) _prev[_head] = s;
        _head = s;
        if (_tail < 0) _tail = s;
    }

    private void CheckKey(ReadOnlySpan<float> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"episodic memory key has {key.Length} floats, the memory's key size is {KeySize}");
    }

    private int CheckSlot(int slot) =>
        (uint)slot < (uint)Count ? slot : throw new ArgumentOutOfRangeException(nameof(slot), slot, $"episodic memory slot {slot} holds no entry (count {Count})");

    /// <summary>Keys, values and LRU order (the approximate index is rebuilt on the first query after loading).</summary>
    public void Save(Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic); w.Write(Version);
        w.Write(Capacity); w.Write(KeySize); w.Write(Count);
        w.Write(MemoryMarshal.AsBytes(_keys.AsSpan(0, Count * KeySize)));
        w.Write(MemoryMarshal.AsBytes(_values.AsSpan(0, Count)));
        foreach (int s in SlotsLeastRecentFirst()) w.Write(s);
    }

    public void Load(Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("not a saved episodic memory");
            int version = r.ReadInt32();
            if (version != Version) throw new InvalidDataException($"saved episodic memory has format version {version}, this build reads {Version}");
            int cap = r.ReadInt32(), keySize = r.ReadInt32(), count = r.ReadInt32();
            if (cap != Capacity || keySize != KeySize)
                throw new InvalidDataException($"saved episodic memory has capacity {cap} and key size {keySize}; this run has {Capacity} and {KeySize}");
            if (count < 0 || count > Capacity) throw new InvalidDataException($"saved episodic memory count {count} is out of range 0..{Capacity}");
            Clear();
            ReadExactly(r, MemoryMarshal.AsBytes(_keys.AsSpan(0, count * KeySize)));
            ReadExactly(r, MemoryMarshal.AsBytes(_values.AsSpan(0, count)));
            var seen = new bool[count];
            Count = count;
            for (int i = 0; i < count; i++)
            {
                int s = r.ReadInt32();
                if ((uint)s >= (uint)count || seen[s]) throw new InvalidDataException($"saved episodic memory LRU order names slot {s} twice or out of range");
                seen[s] = true;
                PushFront(s); // least recent first, so the last pushed is the most recent
            }
        }
        catch (EndOfStreamException)
        {
            Clear();
            throw new InvalidDataException("saved episodic memory is truncated");
        }
        catch (InvalidDataException)
        {
            Clear();
            throw;
        }
    }

    private static void ReadExactly(BinaryReader r, Span<byte> into)
    {
        if (r.BaseStream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) != into.Length) throw new EndOfStreamException();
    }
}

/// <summary>The k smallest distances offered so far, kept sorted in caller buffers (insertion; k is small).</summary>
internal ref struct TopK
{
    private readonly Span<int> _slots;
    private readonly Span<float> _dist;
    private readonly int _k;
    public int Count;

    public TopK(int k, Span<int> slots, Span<float> dist) { _k = k; _slots = slots; _dist = dist; Count = 0; }

    public readonly float Worst => Count < _k ? float.PositiveInfinity : _dist[Count - 1];

    public void Offer(int slot, float d)
    {
        if (Count == _k && d >= _dist[Count - 1]) return;
        for (int i = 0; i < Count; i++) if (_slots[i] == slot) return; // a fresh slot may also sit in the tree
        int j = Count < _k ? Count++ : Count - 1;
        while (j > 0 && _dist[j - 1] > d) { _dist[j] = _dist[j - 1]; _slots[j] = _slots[j - 1]; j--; }
        _dist[j] = d; _slots[j] = slot;
    }
}
