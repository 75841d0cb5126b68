namespace Astromech.Replay;

/// <summary>
/// A complete binary tree over a power-of-two number of leaves, each inner node holding the sum (and the
/// minimum) of its children. Updating a leaf and finding the leaf where a prefix sum falls are O(log n).
/// Sums are kept in double; parents are recomputed from their children, never adjusted by differences,
/// so rounding errors do not accumulate over millions of updates.
/// </summary>
public sealed class SumTree
{
    private readonly double[] _sum;
    private readonly double[] _min;
    private readonly int _leaves;

    public int Capacity { get; }

    public SumTree(int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        _leaves = 1;
        while (_leaves < capacity) _leaves <<= 1;
        _sum = new double[2 * _leaves];
        _min = new double[2 * _leaves];
        Array.Fill(_min, double.PositiveInfinity);
    }

    public double Total => _sum[1];

    /// <summary>The smallest value among leaves that were ever set (∞ when none).</summary>
    public double Min => _min[1];

    public double this[int index] => _sum[_leaves + index];

    public void Update(int index, double value)
    {
        if ((uint)index >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(index));
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "priorities must be finite and ≥ 0");
        int i = _leaves + index;
        _sum[i] = value;
        _min[i] = value;
        for (i >>= 1; i >= 1; i >>= 1)
        {
            _sum[i] = _sum[2 * i] + _sum[2 * i + 1];
            _min[i] = Math.Min(_min[2 * i], _min[2 * i + 1]);
        }
    }

    /// <summary>
    /// The leaf i with prefix(i) ≤ <paramref name="mass"/> &lt; prefix(i) + value(i). Rounding can push the
    /// walk onto a zero-valued leaf or past the last positive one; the result is then moved to the nearest
    /// positive leaf, so a returned index always has a positive value (when Total &gt; 0).
    /// </summary>
    public int Find(double mass)
    {
        if (!(Total > 0)) throw new InvalidOperationException("cannot sample from a sum tree whose total is 0");
        mass = Math.Clamp(mass, 0, Total);
        int i = 1;
        while (i < _leaves)
        {
            int left = 2 * i;
            if (mass < _sum[left] || _sum[left + 1] <= 0) i = left;
            else
            {
                mass -= _sum[left];
                i = left + 1;
            }
        }
        int index = i - _leaves;
        if (_sum[i] > 0 && index < Capacity) return index;
        for (int j = Math.Min(index, Capacity - 1); j >= 0; j--) if (_sum[_leaves + j] > 0) return j;
        for (int j = index + 1; j < Capacity; j++) if (_sum[_leaves + j] > 0) return j;
        throw new InvalidOperationException("sum tree has a positive total but no positive leaf");
    }

    public void Clear()
    {
        Array.Clear(_sum);
        Array.Fill(_min, double.PositiveInfinity);
    }
}
