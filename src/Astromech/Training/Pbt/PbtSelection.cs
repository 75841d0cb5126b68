using Astromech.Envs;

namespace Astromech.Training.Pbt;

/// <summary>A member's score at a ready point: the mean, standard deviation and count of its evaluation episodes' returns.</summary>
public readonly record struct PbtScore(double Mean, double Std, int Count);

/// <summary>
/// PBT's exploit and explore steps as pure functions of the scores, the hyperparameters and a seeded RNG, so the
/// same seed gives the same lineage.
/// </summary>
public static class PbtSelection
{
    /// <summary>For each member, the index of the member it copies at this ready point, or null to keep training as it is.</summary>
    public static int?[] Exploit(IReadOnlyList<PbtScore> scores, PbtOptions o, Rng rng) => o.Exploit switch
    {
        PbtExploit.TTest => TTest(scores, o.TtestAlpha, rng),
        _ => Truncation(scores, o.TruncationFraction, rng),
    };

    /// <summary>
    /// Truncation selection: the bottom ⌈fraction·N⌉ members (at least 1) each copy a member drawn uniformly from the top
    /// ⌈fraction·N⌉. Ties rank the lower index first, so the result depends only on the scores and the RNG.
    /// </summary>
    public static int?[] Truncation(IReadOnlyList<PbtScore> scores, double fraction, Rng rng)
    {
        int n = scores.Count;
        var result = new int?[n];
        if (n < 2) return result;
        int k = Math.Clamp((int)Math.Ceiling(fraction * n - 1e-9), 1, n / 2);
        var ranked = Enumerable.Range(0, n).OrderByDescending(i => scores[i].Mean).ThenBy(i => i).ToArray();
        var top = ranked.Take(k).ToArray();
        foreach (int loser in ranked.Skip(n - k))
            result[loser] = top[rng.Next(top.Length)];
        return result;
    }

    /// <summary>
    /// T-test selection: each member draws another uniformly and copies it when the other's mean is higher and Welch's
    /// t-test on their returns gives a two-sided p-value below <paramref name="alpha"/>. Donors are judged on the scores
    /// before any copying at this ready point.
    /// </summary>
    public static int?[] TTest(IReadOnlyList<PbtScore> scores, double alpha, Rng rng)
    {
        int n = scores.Count;
        var result = new int?[n];
        for (int i = 0; i < n; i++)
        {
            if (n < 2) break;
            int j = rng.Next(n - 1);
            if (j >= i) j++;
            if (scores[j].Mean > scores[i].Mean && WelchPValue(scores[j], scores[i]) < alpha) result[i] = j;
        }
        return result;
    }

    /// <summary>Two-sided p-value of Welch's t-test for equal means, from each sample's mean, (population) standard deviation and size.</summary>
    public static double WelchPValue(PbtScore a, PbtScore b)
    {
        if (a.Count < 2 || b.Count < 2) return 1.0;
        // Sample variances from the population standard deviations the evaluator reports.
        double va = a.Std * a.Std * a.Count / (a.Count - 1), vb = b.Std * b.Std * b.Count / (b.Count - 1);
        double sa = va / a.Count, sb = vb / b.Count, se2 = sa + sb;
        if (se2 <= 0) return a.Mean == b.Mean ? 1.0 : 0.0;
        double t = (a.Mean - b.Mean) / Math.Sqrt(se2);
        double df = se2 * se2 / (sa * sa / (a.Count - 1) + sb * sb / (b.Count - 1));
        return StudentTTwoSided(t, df);
    }

    /// <summary>P(|T| ≥ |t|) for Student's t with <paramref name="df"/> degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).</summary>
    public static double StudentTTwoSided(double t, double df) => RegularizedBeta(df / (df + t * t), df / 2, 0.5);

    /// <summary>The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's method).</summary>
    public static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        if (x > (a + 1) / (a + b + 2)) return 1 - RegularizedBeta(1 - x, b, a);
        const double tiny = 1e-300;
        double f = 1, c = 1, d = 0;
        for (int i = 0; i <= 400; i++)
        {
            int m = i / 2;
            double num;
            if (i == 0) num = 1;
            else if (i % 2 == 0) num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            else num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + num * d;
            if (Math.Abs(d) < tiny) d = tiny;
            d = 1 / d;
            c = 1 + num / c;
            if (Math.Abs(c) < tiny) c = tiny;
            double cd = c * d;
            f *= cd;
            if (Math.Abs(1 - cd) < 1e-12) break;
        }
        return Math.Exp(lnFront) * (f - 1) / a;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos approximation, g = 7).</summary>
    public static double LogGamma(double x)
    {
        double[] g = { 0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7 };
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double s = g[0];
        for (int i = 1; i < 9; i++) s += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(s);
    }

    /// <summary>Explore: new hyperparameters from a copied set, by perturbation (×low or ×high) or resampling from the prior.</summary>
    public static Dictionary<string, double> Explore(IReadOnlyDictionary<string, double> copied, IReadOnlyList<HyperparameterRange> space,
        PbtOptions o, Rng rng)
    {
        var next = new Dictionary<string, double>(copied);
        foreach (var h in space)
        {
            double v = copied[h.Key];
            if (o.Explore == PbtExplore.Resample && rng.NextDouble() < o.ResampleProbability) next[h.Key] = h.Sample(rng);
            else next[h.Key] = h.Clamp(v * (rng.Next(2) == 0 ? o.PerturbLow : o.PerturbHigh));
        }
        return next;
    }

    /// <summary>The starting hyperparameters of one member: each range's initial value, or a draw from it.</summary>
    public static Dictionary<string, double> Initial(IReadOnlyList<HyperparameterRange> space, Rng rng) =>
        space.ToDictionary(h => h.Key, h => h.Initial ?? h.Sample(rng));
}
