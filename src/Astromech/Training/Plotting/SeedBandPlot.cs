using System.Globalization;
using ScottPlot;

namespace Astromech.Training.Plotting;

/// <summary>One curve of a <see cref="SeedBandPlot"/>: a label and, per seed, (step, value) points.</summary>
public sealed record SeedSeries(string Label, IReadOnlyList<IReadOnlyList<(long Step, double Value)>> Runs)
{
    /// <summary>The steps every run has a point at, with the mean, min, max and standard deviation across runs.</summary>
    public IReadOnlyList<(long Step, double Mean, double Min, double Max, double Std)> Aggregate()
    {
        if (Runs.Count == 0) return Array.Empty<(long, double, double, double, double)>();
        var byRun = Runs.Select(r => r.GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.Last().Value)).ToList();
        var steps = byRun.Skip(1).Aggregate(new HashSet<long>(byRun[0].Keys), (acc, d) => { acc.IntersectWith(d.Keys); return acc; });
        return steps.OrderBy(s => s).Select(s =>
        {
            var v = byRun.Select(d => d[s]).ToArray();
            double mean = v.Average();
            return (s, mean, v.Min(), v.Max(), Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()));
        }).ToList();
    }
}

/// <summary>
/// Several algorithms' curves on one figure, each the mean over seeds (line) with the min–max spread across seeds
/// (shaded), at the steps all its seeds share; an optional dotted vertical line marks the offline→online switch.
/// </summary>
public static class SeedBandPlot
{
    private static readonly string[] Palette = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" };

    public static void Save(string path, IReadOnlyList<SeedSeries> series, string title, string yLabel = "evaluation return",
        double? switchAt = null, int width = 1000, int height = 600)
    {
        var plot = new Plot();
        if (LearningCurvePlot.FontFamily is string family) plot.Font.Set(family);
        for (int i = 0; i < series.Count; i++)
        {
            var agg = series[i].Aggregate();
            if (agg.Count == 0) continue;
            var color = Color.FromHex(Palette[i % Palette.Length]);
            var xs = agg.Select(a => (double)a.Step).ToArray();
            var band = plot.Add.FillY(xs, agg.Select(a => a.Min).ToArray(), agg.Select(a => a.Max).ToArray());
            band.FillStyle.Color = color.WithAlpha(0.2);
            band.LineStyle.Width = 0;
            var line = plot.Add.ScatterLine(xs, agg.Select(a => a.Mean).ToArray(), color);
            line.LineWidth = 2.5f;
            line.LegendText = $"{series[i].Label} (mean of {series[i].Runs.Count}, band: min–max)";
        }
        if (switchAt is double sw)
        {
            var v = plot.Add.VerticalLine(sw, 1.5f, Color.FromHex("#7f7f7f"), LinePattern.Dotted);
            v.LegendText = "offline → online";
        }
        plot.Title(title);
        plot.XLabel(switchAt is null ? "environment steps" : "offline updates (< 0), then environment steps");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = LearningCurvePlot.FormatSteps };
        plot.ShowLegend(Alignment.LowerRight);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    /// <summary>The (step, value) points of <paramref name="metric"/> in a run's metrics.csv (step,wall_seconds,name,value).</summary>
    public static List<(long Step, double Value)> ReadMetric(string metricsCsv, string metric)
    {
        var points = new List<(long, double)>();
        foreach (var line in File.ReadLines(metricsCsv).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 4 || f[2] != metric) continue;
            points.Add((long.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)));
        }
        return points;
    }
}
