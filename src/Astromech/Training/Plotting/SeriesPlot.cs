using ScottPlot;

namespace Astromech.Training.Plotting;

/// <summary>Several named lines over one x axis (e.g. mean return per episode of a trial, one line per method), as a PNG.</summary>
public static class SeriesPlot
{
    private static readonly string[] Palette =
        { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

    /// <summary>Writes the plot to <paramref name="path"/> atomically. Every series holds one y per x.</summary>
    public static void Save(string path, string title, string xLabel, string yLabel, IReadOnlyList<double> xs,
        IReadOnlyList<(string Name, IReadOnlyList<double> Ys)> series, int width = 1000, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("a series plot needs at least one series", nameof(series));
        foreach (var (name, ys) in series)
            if (ys.Count != xs.Count) throw new ArgumentException($"series '{name}' has {ys.Count} values for {xs.Count} x positions", nameof(series));
        var plot = new Plot();
        if (LearningCurvePlot.FontFamily is string family) plot.Font.Set(family);
        var x = xs.ToArray();
        for (int i = 0; i < series.Count; i++)
        {
            var line = plot.Add.ScatterLine(x, series[i].Ys.ToArray(), Color.FromHex(Palette[i % Palette.Length]));
            line.LineWidth = i == 0 ? 3 : 1.5f;
            line.MarkerSize = xs.Count <= 20 ? 5 : 0;
            line.LegendText = series[i].Name;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
