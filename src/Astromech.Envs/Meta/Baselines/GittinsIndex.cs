namespace Astromech.Envs.Meta.Baselines;

/// <summary>
/// Finite-horizon Gittins indices of a Bernoulli arm with a uniform Beta(1, 1) prior, undiscounted, for every posterior
/// state (s successes, f failures) and every number r of pulls left, with s + f + r ≤ <see cref="MaxPulls"/>.
/// <para>The index is found by calibration (Gittins 1979; the "retirement" form of Whittle 1980): against a known arm
/// paying λ per pull, V_λ(s, f, r) = max(λ·r, p + p·V_λ(s+1, f, r−1) + (1−p)·V_λ(s, f+1, r−1)) with p = (s+1)/(s+f+2) and
/// V_λ(·, ·, 0) = 0, since once the known arm is chosen nothing more is learned and it is kept to the end. The index of
/// (s, f, r) is the λ at which pulling the unknown arm once more and retiring now are worth the same. Continuing minus
/// retiring is convex and decreasing in λ, so one dynamic program per λ on a grid of <see cref="GridPoints"/> values in
/// [0, 1] brackets every state's root at once, and the root is read off by linear interpolation between the bracketing
/// grid points (an upper bound on the error is the grid step, 1/(GridPoints − 1); in practice it is far smaller).</para>
/// <para>With r = 1 the index is the posterior mean; with r = 2 from the prior it is 5/9 (worked in the tests).</para>
/// </summary>
public sealed class GittinsIndex
{
    public const int GridPoints = 2001;
    private readonly double[] _index;

    public GittinsIndex(int maxPulls)
    {
        if (maxPulls < 1 || maxPulls > 400) throw new ArgumentOutOfRangeException(nameof(maxPulls), maxPulls, "max pulls must lie in [1, 400]");
        MaxPulls = maxPulls;
        int n = maxPulls;
        int size = Offset(0, 0, n + 1);
        _index = new double[size];
        var v = new double[size];
        var prevD = new double[size];
        var found = new bool[size];
        for (int g = 0; g < GridPoints; g++)
        {
            double lambda = (double)g / (GridPoints - 1);
            // V by remaining pulls r = 0, 1, …, n (r = 0 is all zeros).
            for (int r = 1; r <= n; r++)
                for (int s = 0; s + r <= n; s++)
                    for (int f = 0; s + f + r <= n; f++)
                    {
                        double p = (s + 1.0) / (s + f + 2.0);
                        double cont = p * (1 + v[Offset(s + 1, f, r - 1)]) + (1 - p) * v[Offset(s, f + 1, r - 1)];
                        double retire = lambda * r;
                        int o = Offset(s, f, r);
                        v[o] = Math.Max(cont, retire);
                        double d = cont - retire;
                        if (g > 0 && !found[o] && d <= 0)
                        {
                            double d0 = prevD[o], l0 = (double)(g - 1) / (GridPoints - 1);
                            _index[o] = d0 == d ? lambda : l0 + (lambda - l0) * d0 / (d0 - d);
                            found[o] = true;
                        }
                        prevD[o] = d;
                    }
        }
        for (int r = 1; r <= n; r++)
            for (int s = 0; s + r <= n; s++)
                for (int f = 0; s + f + r <= n; f++)
                    if (!found[Offset(s, f, r)]) _index[Offset(s, f, r)] = 1.0;
    }

    /// <summary>The largest s + f + r the table covers (the trial length it was built for).</summary>
    public int MaxPulls { get; }

    /// <summary>The index of an arm seen to succeed <paramref name="successes"/> and fail <paramref name="failures"/> times, with <paramref name="pullsLeft"/> pulls left (≥ 1).</summary>
    public double Index(int successes, int failures, int pullsLeft)
    {
        if (pullsLeft < 1 || successes < 0 || failures < 0 || successes + failures + pullsLeft > MaxPulls)
            throw new ArgumentOutOfRangeException(nameof(pullsLeft),
                $"state (s={successes}, f={failures}, left={pullsLeft}) is outside the table (s + f + left <= {MaxPulls}, left >= 1)");
        return _index[Offset(successes, failures, pullsLeft)];
    }

    // Layout by r, then s, then f: block r holds the triangle s + f ≤ n − r … laid out generously as a cube slice.
    private int Offset(int s, int f, int r) => (r * (MaxPulls + 2) + s) * (MaxPulls + 2) + f;

    private static readonly Dictionary<int, GittinsIndex> Cache = new();

    /// <summary>A shared table for trials of <paramref name="maxPulls"/> pulls (built once per length).</summary>
    public static GittinsIndex For(int maxPulls)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(maxPulls, out var t)) Cache[maxPulls] = t = new GittinsIndex(maxPulls);
            return t;
        }
    }
}
