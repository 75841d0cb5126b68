namespace Astromech.Envs.Spaces;

/// <summary>
/// A set of valid observations or actions, as in Gymnasium. Every element is stored as a flat run of
/// <see cref="float"/>s of length <see cref="FlatSize"/>: a Discrete value is one float holding the integer,
/// a MultiDiscrete value one float per component, a Box value its elements in row-major order.
/// Keeping one representation lets vector envs, adders and replay work on preallocated float buffers.
/// </summary>
public abstract class Space
{
    /// <summary>Shape of one element (Discrete: empty; MultiDiscrete: [n]; Box: its shape).</summary>
    public abstract int[] Shape { get; }

    /// <summary>Number of floats one element occupies.</summary>
    public abstract int FlatSize { get; }

    /// <summary>Writes a uniformly drawn element into <paramref name="into"/>.</summary>
    public abstract void Sample(Random rng, Span<float> into);

    /// <summary>True when <paramref name="x"/> is an element of this space.</summary>
    public abstract bool Contains(ReadOnlySpan<float> x);

    public float[] Sample(Random rng)
    {
        var x = new float[FlatSize];
        Sample(rng, x);
        return x;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the value and the space when x is outside it.</summary>
    public void EnsureContains(ReadOnlySpan<float> x, string what = "action")
    {
        if (!Contains(x))
            throw new ArgumentException($"{what} {Format(x)} is not in {this}");
    }

    public static string Format(ReadOnlySpan<float> x)
    {
        if (x.Length == 1) return x[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var parts = new string[x.Length];
        for (int i = 0; i < x.Length; i++) parts[i] = x[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }
}

/// <summary>{start, ..., start + n - 1}, as Gymnasium's Discrete.</summary>
public sealed class Discrete : Space
{
    public int N { get; }
    public int Start { get; }

    public Discrete(int n, int start = 0)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Discrete needs n > 0");
        N = n;
        Start = start;
    }

    public override int[] Shape => Array.Empty<int>();
    public override int FlatSize => 1;
    public override void Sample(Random rng, Span<float> into) => into[0] = Start + rng.Next(N);

    public override bool Contains(ReadOnlySpan<float> x)
    {
        if (x.Length != 1) return false;
        float v = x[0];
        return v == MathF.Floor(v) && v >= Start && v < Start + N;
    }

    public bool Contains(int a) => a >= Start && a < Start + N;

    public override string ToString() => Start == 0 ? $"Discrete({N})" : $"Discrete({N}, start={Start})";
}

/// <summary>A product of Discrete spaces, component i taking values in {0, ..., Nvec[i] - 1}.</summary>
public sealed class MultiDiscrete : Space
{
    public int[] Nvec { get; }

    public MultiDiscrete(params int[] nvec)
    {
        if (nvec.Length == 0 || nvec.Any(n => n <= 0))
            throw new ArgumentException("MultiDiscrete needs at least one component and every n > 0");
        Nvec = (int[])nvec.Clone();
    }

    public override int[] Shape => new[] { Nvec.Length };
    public override int FlatSize => Nvec.Length;

    public override void Sample(Random rng, Span<float> into)
    {
        for (int i = 0; i < Nvec.Length; i++) into[i] = rng.Next(Nvec[i]);
    }

    public override bool Contains(ReadOnlySpan<float> x)
    {
        if (x.Length != Nvec.Length) return false;
        for (int i = 0; i < x.Length; i++)
            if (x[i] != MathF.Floor(x[i]) || x[i] < 0 || x[i] >= Nvec[i]) return false;
        return true;
    }

    public override string ToString() => $"MultiDiscrete([{string.Join(", ", Nvec)}])";
}

/// <summary>The element type a Box declares (values are always carried as float32 here).</summary>
public enum DType { Float32, Float64, UInt8, Int32, Bool }

/// <summary>A (possibly unbounded) box in R^n, as Gymnasium's Box.</summary>
public sealed class Box : Space
{
    private readonly int[] _shape;
    public float[] Low { get; }
    public float[] High { get; }
    public DType DType { get; }

    public Box(float low, float high, int[] shape, DType dtype = DType.Float32)
        : this(Fill(low, shape), Fill(high, shape), shape, dtype) { }

    public Box(float[] low, float[] high, int[]? shape = null, DType dtype = DType.Float32)
    {
        shape ??= new[] { low.Length };
        int size = shape.Aggregate(1, (a, b) => a * b);
        if (low.Length != size || high.Length != size)
            throw new ArgumentException($"Box bounds have {low.Length}/{high.Length} elements but shape [{string.Join(", ", shape)}] needs {size}");
        for (int i = 0; i < size; i++)
            if (!(low[i] <= high[i])) throw new ArgumentException($"Box low[{i}]={low[i]} > high[{i}]={high[i]}");
        _shape = (int[])shape.Clone();
        Low = (float[])low.Clone();
        High = (float[])high.Clone();
        DType = dtype;
    }

    private static float[] Fill(float v, int[] shape)
    {
        var a = new float[shape.Aggregate(1, (x, y) => x * y)];
        Array.Fill(a, v);
        return a;
    }

    public override int[] Shape => (int[])_shape.Clone();
    public override int FlatSize => Low.Length;
    public bool IsBounded => Low.All(float.IsFinite) && High.All(float.IsFinite);

    /// <summary>True for the integer element types (uint8, int32, bool), whose elements hold whole numbers.</summary>
    public bool IsIntegral => DType is DType.UInt8 or DType.Int32 or DType.Bool;

    /// <summary>
    /// Gymnasium's rule: uniform on bounded dims, exponential on half-bounded, normal on unbounded; for integer
    /// dtypes a bounded dim is uniform on [low, high + 1) and every draw is floored, so the result is a whole number.
    /// </summary>
    public override void Sample(Random rng, Span<float> into)
    {
        bool integral = IsIntegral;
        for (int i = 0; i < Low.Length; i++)
        {
            float lo = Low[i], hi = High[i];
            bool lb = float.IsFinite(lo), hb = float.IsFinite(hi);
            double v;
            if (lb && hb) v = lo + (hi + (integral ? 1.0 : 0.0) - lo) * rng.NextDouble();
            else if (lb) v = lo - Math.Log(1 - rng.NextDouble());
            else if (hb) v = hi + Math.Log(1 - rng.NextDouble());
            else v = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            if (integral) v = Math.Floor(v);
            float f = (float)v;
            // Rounding to float32 may step just outside the bound.
            into[i] = Math.Clamp(f, lo, hi);
        }
    }

    public override bool Contains(ReadOnlySpan<float> x)
    {
        if (x.Length != Low.Length) return false;
        for (int i = 0; i < x.Length; i++)
            if (!(x[i] >= Low[i] && x[i] <= High[i])) return false; // NaN fails too
        if (IsIntegral)
            for (int i = 0; i < x.Length; i++)
                if (x[i] != MathF.Floor(x[i])) return false;
        return true;
    }

    public override string ToString()
    {
        string b(float[] a) => a.Distinct().Count() == 1 ? Format(a.AsSpan(0, 1)) : Format(a);
        return $"Box({b(Low)}, {b(High)}, ({string.Join(", ", _shape)}{(_shape.Length == 1 ? "," : "")}), {DType.ToString().ToLowerInvariant()})";
    }
}
