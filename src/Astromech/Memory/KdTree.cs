namespace Astromech.Memory;

/// <summary>
/// A KD-tree over a snapshot of <see cref="EpisodicMemory"/>'s keys, searched best-bin-first with a bound on the leaves
/// visited (Beis and Lowe 1997; the approximate search NEC used through FLANN, Muja and Lowe 2009). Each node splits
/// at the median of the dimension of largest spread among (a sample of) its points; the search pops nodes in order of
/// the summed squared gaps to the splitting planes on the way down, skips nodes whose largest gap (a true lower bound) already exceeds the k-th distance found, and stops after
/// <c>checks</c> leaves, so it returns exact neighbours when checks covers the tree and approximate ones below.
/// </summary>
internal sealed class KdTree
{
    public const int LeafSize = 16;

    private readonly float[] _keys;
    private readonly int _dim;
    private readonly int[] _perm;
    private readonly List<int> _left = new(), _right = new(), _start = new(), _end = new(), _splitDim = new();
    private readonly List<float> _splitVal = new();
    private readonly PriorityQueue<(int Node, float Bound, float Lower), float> _queue = new();

    private KdTree(float[] keys, int dim, int count)
    {
        _keys = keys;
        _dim = dim;
        _perm = new int[count];
        for (int i = 0; i < count; i++) _perm[i] = i;
    }

    public static KdTree Build(float[] keys, int dim, int count)
    {
        var t = new KdTree(keys, dim, count);
        t.BuildNode(0, count);
        return t;
    }

    private int BuildNode(int start, int end)
    {
        int id = _left.Count;
        _left.Add(-1); _right.Add(-1); _start.Add(start); _end.Add(end); _splitDim.Add(0); _splitVal.Add(0);
        if (end - start <= LeafSize) return id;
        int d = WidestDimension(start, end);
        int mid = (start + end) / 2;
        Select(start, end - 1, mid, d);
        _splitDim[id] = d;
        _splitVal[id] = _keys[(long)_perm[mid] * _dim + d];
        int l = BuildNode(start, mid);
        int r = BuildNode(mid, end);
        _left[id] = l; _right[id] = r;
        return id;
    }

    /// <summary>The dimension of largest variance over up to 128 evenly spaced points of the node.</summary>
    private int WidestDimension(int start, int end)
    {
        int n = end - start, step = Math.Max(1, n / 128), m = 0;
        var s1 = new double[_dim];
        var sq = new double[_dim];
        for (int i = start; i < end; i += step, m++)
        {
            long o = (long)_perm[i] * _dim;
            for (int j = 0; j < _dim; j++) { double v = _keys[o + j]; s1[j] += v; sq[j] += v * v; }
        }
        int best = 0;
        double bestVar = double.NegativeInfinity;
        for (int j = 0; j < _dim; j++)
        {
            double var = sq[j] / m - (s1[j] / m) * (s1[j] / m);
            if (var > bestVar) { bestVar = var; best = j; }
        }
        return best;
    }

    private float Coord(int permIndex, int d) => _keys[(long)_perm[permIndex] * _dim + d];

    /// <summary>Quickselect: afterwards _perm[k] holds the point with the k-th smallest coordinate d in [lo, hi].</summary>
    private void Select(int lo, int hi, int k, int d)
    {
        while (lo < hi)
        {
            float pivot = Coord((lo + hi) >>> 1, d);
            int i = lo, j = hi;
            while (i <= j)
            {
                while (Coord(i, d) < pivot) i++;
                while (Coord(j, d) > pivot) j--;
                if (i <= j) { (_perm[i], _perm[j]) = (_perm[j], _perm[i]); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return;
        }
    }

    /// <summary>Offers the points of up to <paramref name="checks"/> leaves to <paramref name="top"/>, skipping the slots
    /// marked in <paramref name="skip"/> (their keys changed after the build).</summary>
    public void Search(ReadOnlySpan<float> query, int checks, ref TopK top, bool[] skip)
    {
        _queue.Clear();
        _queue.Enqueue((0, 0f, 0f), 0f);
        int leaves = 0;
        while (leaves < checks && _queue.TryDequeue(out var entry, out _))
        {
            var (node, bound, lower) = entry;
            if (lower >= top.Worst) continue;
            while (_left[node] >= 0)
            {
                float diff = query[_splitDim[node]] - _splitVal[node];
                int near = diff < 0 ? _left[node] : _right[node], far = diff < 0 ? _right[node] : _left[node];
                float d2 = diff * diff;
                // Priority: the summed squared gaps (FLANN's ordering; it can count one dimension twice), pruning: their
                // largest (a true lower bound on the distance to any point of the far side).
                _queue.Enqueue((far, bound + d2, Math.Max(lower, d2)), bound + d2);
                node = near;
            }
            for (int i = _start[node]; i < _end[node]; i++)
            {
                int slot = _perm[i];
                if (skip[slot]) continue;
                top.Offer(slot, EpisodicMemory.SquaredDistance(query, _keys.AsSpan((int)((long)slot * _dim), _dim)));
            }
            leaves++;
        }
    }
}
