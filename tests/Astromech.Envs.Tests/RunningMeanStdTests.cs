namespace Astromech.Envs.Tests;

public class RunningMeanStdTests
{
    private static float[][] Data(int rows, int d, int seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, rows)
            .Select(_ => Enumerable.Range(0, d).Select(j => (float)(3 * j - 2 + (j + 1) * rng.NextGaussian())).ToArray())
            .ToArray();
    }

    private static (double[] Mean, double[] Var) TwoPass(float[][] rows)
    {
        int d = rows[0].Length;
        var mean = new double[d];
        var var = new double[d];
        foreach (var r in rows) for (int j = 0; j < d; j++) mean[j] += r[j];
        for (int j = 0; j < d; j++) mean[j] /= rows.Length;
        foreach (var r in rows) for (int j = 0; j < d; j++) var[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
        for (int j = 0; j < d; j++) var[j] /= rows.Length;
        return (mean, var);
    }

    [Fact]
    public void Batches_of_varying_size_match_two_pass_mean_and_population_variance()
    {
        var data = Data(1000, 3, 1);
        var rms = new RunningMeanStd(3, epsilon: 0);
        int at = 0, size = 1;
        while (at < data.Length)
        {
            int n = Math.Min(size, data.Length - at);
            rms.UpdateBatch(data.Skip(at).Take(n).SelectMany(r => r).ToArray());
            at += n;
            size = size % 37 + 3;
        }
        var (mean, var) = TwoPass(data);
        Assert.Equal(1000, rms.Count);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(mean[j], rms.Mean[j], 10);
            Assert.Equal(var[j], rms.Var[j], 9);
        }
    }

    [Fact]
    public void Single_updates_match_two_pass_statistics()
    {
        var data = Data(500, 4, 2);
        var rms = new RunningMeanStd(4, epsilon: 0);
        foreach (var r in data) rms.Update(r);
        var (mean, var) = TwoPass(data);
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(mean[j], rms.Mean[j], 10);
            Assert.Equal(var[j], rms.Var[j], 9);
        }
    }

    [Fact]
    public void Epsilon_acts_as_a_prior_of_mean_zero_variance_one()
    {
        // The starting state (mean 0, var 1, count ε) merges like ε pseudo-samples with second moment 1.
        const double eps = 1e-4;
        var xs = new[] { 1.0, 2.5, 4.25, -3.0 };
        var rms = new RunningMeanStd(1, eps);
        double s = 0, s2 = 0;
        for (int n = 0; n < xs.Length; n++)
        {
            rms.Update(xs[n]);
            s += xs[n];
            s2 += xs[n] * xs[n];
            double c = eps + n + 1, m = s / c;
            Assert.Equal(m, rms.Mean[0], 12);
            Assert.Equal((eps + s2) / c - m * m, rms.Var[0], 12);
        }
    }

    [Fact]
    public void Normalize_standardizes_and_clips()
    {
        var rms = new RunningMeanStd(2, epsilon: 0);
        rms.UpdateBatch(new float[] { 0, 10, 2, 10, 4, 10 }); // mean [2, 10], var [8/3, 0]
        var output = new float[4];
        rms.Normalize(new float[] { 4, 10, 100, 11 }, output, epsilon: 1e-8, clip: 5);
        Assert.Equal(2 / Math.Sqrt(8.0 / 3 + 1e-8), output[0], 5);
        Assert.Equal(0f, output[1]);
        Assert.Equal(5f, output[2]);
        Assert.Equal(5f, output[3]); // 1 / sqrt(1e-8) clipped
    }

    [Fact]
    public void Save_and_load_round_trip_and_reject_mismatches()
    {
        var a = new RunningMeanStd(3);
        foreach (var r in Data(50, 3, 3)) a.Update(r);
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) a.Save(w);
        ms.Position = 0;
        var b = new RunningMeanStd(3);
        using (var r = new BinaryReader(ms, System.Text.Encoding.UTF8, leaveOpen: true)) b.Load(r);
        Assert.Equal(a.Mean, b.Mean);
        Assert.Equal(a.Var, b.Var);
        Assert.Equal(a.Count, b.Count);

        ms.Position = 0;
        var wrongSize = new RunningMeanStd(4);
        var ex = Assert.Throws<InvalidDataException>(() => wrongSize.Load(new BinaryReader(ms)));
        Assert.Contains("size 3", ex.Message);
        Assert.Throws<InvalidDataException>(() => b.Load(new BinaryReader(new MemoryStream(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }))));
        Assert.Throws<InvalidDataException>(() => b.Load(new BinaryReader(new MemoryStream(ms.ToArray()[..20]))));
        Assert.Equal(a.Mean, b.Mean); // a failed load leaves the state untouched
    }
}
