using Astromech.Training.Plotting;
using ScottPlot;

namespace Astromech.Training.Pbt;

/// <summary>
/// PBT's plots: for each searched hyperparameter, its value per member over env steps (a step line per member, held
/// between ready points; a jump is an exploit/explore), and each member's score at every ready point.
/// </summary>
public static class PbtPlot
{
    private static readonly string[] Palette = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

    public static void SaveAll(string outDir, IReadOnlyList<string> keys, IReadOnlyList<PbtTraceRow> trace, int members)
    {
        foreach (var key in keys)
            AtomicFile.WriteAllBytes(Path.Combine(outDir, $"pbt_{Safe(key)}.png"), RenderHyperparameter(key, trace, members));
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "pbt_scores.png"), RenderScores(trace, members));
    }

    /// <summary>The value of <paramref name="key"/> each member trained with, from step 0 to the last ready point.</summary>
    public static byte[] RenderHyperparameter(string key, IReadOnlyList<PbtTraceRow> trace, int members, int width = 1000, int height = 600)
    {
        var plot = NewPlot();
        for (int m = 0; m < members; m++)
        {
            var rows = trace.Where(r => r.Member == m).OrderBy(r => r.Generation).ToList();
            if (rows.Count == 0) continue;
            var xs = new List<double>();
            var ys = new List<double>();
            long start = 0;
            foreach (var r in rows)
            {
                // Held over the slice it was used in, then the value chosen at the ready point.
                xs.Add(start); ys.Add(r.Hyperparameters[key]);
                xs.Add(r.Step); ys.Add(r.Hyperparameters[key]);
                start = r.Step;
            }
            var last = rows[^1];
            if (last.NewHyperparameters is { } nh) { xs.Add(last.Step); ys.Add(nh[key]); }
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), Color.FromHex(Palette[m % Palette.Length]));
            line.LineWidth = 2;
            line.LegendText = $"member {m}";
        }
        plot.Title($"PBT: {key} per member");
        plot.YLabel(key);
        return Finish(plot, width, height);
    }

    public static byte[] RenderScores(IReadOnlyList<PbtTraceRow> trace, int members, int width = 1000, int height = 600)
    {
        var plot = NewPlot();
        for (int m = 0; m < members; m++)
        {
            var rows = trace.Where(r => r.Member == m).OrderBy(r => r.Generation).ToList();
            if (rows.Count == 0) continue;
            var s = plot.Add.Scatter(rows.Select(r => (double)r.Step).ToArray(), rows.Select(r => r.Score.Mean).ToArray(),
                Color.FromHex(Palette[m % Palette.Length]));
            s.LineWidth = 1.5f;
            s.MarkerSize = 6;
            s.LegendText = $"member {m}";
        }
        plot.Title("PBT: evaluation score at each ready point");
        plot.YLabel("mean evaluation return");
        return Finish(plot, width, height);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        if (LearningCurvePlot.FontFamily is string f) plot.Font.Set(f);
        return plot;
    }

    private static byte[] Finish(Plot plot, int width, int height)
    {
        plot.XLabel("environment steps");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static string Safe(string key) => new(key.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
}
