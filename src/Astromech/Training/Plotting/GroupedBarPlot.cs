using ScottPlot;

namespace Astromech.Training.Plotting;

/// <summary>
/// Draws grouped bars as a PNG with ScottPlot: one cluster per group along the x axis, one coloured bar per series
/// in each cluster, its value written above it, a legend naming the series. Non-finite values leave their bar out. Text uses the font
/// <see cref="LearningCurvePlot"/> picks (same fallbacks: with no font the plot is written without text).
/// </summary>
public static class GroupedBarPlot
{
    /// <summary>Matplotlib's tab10 colours, one per series (cycled past ten).</summary>
    private static readonly string[] Palette =
        { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

    /// <summary>Writes the plot to <paramref name="path"/> atomically (temp file + rename).</summary>
    public static void Save(string path, string title, string yLabel, IReadOnlyList<string> groups,
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, int width = 900, int height = 550)
    {
        byte[] png = Render(title, yLabel, groups, series, width, height);
        AtomicFile.WriteAllBytes(path, png);
    }

    /// <summary>The plot as PNG bytes. Every series holds one value per group.</summary>
    public static byte[] Render(string title, string yLabel, IReadOnlyList<string> groups,
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, int width = 900, int height = 550)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(series);
        if (groups.Count == 0) throw new ArgumentException("a grouped bar plot needs at least one group", nameof(groups));
        if (series.Count == 0) throw new ArgumentException("a grouped bar plot needs at least one series", nameof(series));
        foreach (var (name, values) in series)
            if (values.Count != groups.Count)
                throw new ArgumentException($"series '{name}' has {values.Count} values for {groups.Count} groups", nameof(series));

        var plot = new Plot();
        if (LearningCurvePlot.FontFamily is string family) plot.Font.Set(family);

        // Groups sit at x = 0, 1, 2, …; the bars of a group share 80% of the unit around it.
        double barWidth = 0.8 / series.Count;
        bool any = false;
        for (int s = 0; s < series.Count; s++)
        {
            var color = Color.FromHex(Palette[s % Palette.Length]);
            var bars = new List<Bar>();
            for (int g = 0; g < groups.Count; g++)
            {
                double v = series[s].Values[g];
                if (!double.IsFinite(v)) continue;
                bars.Add(new Bar
                {
                    Position = g - 0.4 + barWidth * (s + 0.5),
                    Value = v,
                    Size = barWidth * 0.9,
                    FillColor = color,
                    LineWidth = 0,
                    Label = v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
            var plotted = plot.Add.Bars(bars);
            plotted.Color = color;
            plotted.LegendText = series[s].Name;
            any |= bars.Count > 0;
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(g => (double)g).ToArray(), groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        if (!any) plot.Add.Annotation("no finite values");
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
