using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Astromech.Training.Plotting;

/// <summary>
/// Draws a learning curve as a PNG with ScottPlot (headless, through SkiaSharp): raw episode returns (light), their
/// 100-episode trailing mean (bold), optional evaluation points and an optional dashed threshold line.
/// Text uses DejaVu Sans when the system has it (Debian package fonts-dejavu-core), else the first font Skia finds
/// under /usr/share/fonts, else the TrueType file named by the environment variable <c>ASTROMECH_FONT</c>. With no font
/// at all the plot is still written, without text, and a warning goes to stderr once.
/// </summary>
public static class LearningCurvePlot
{
    /// <summary>Episodes averaged by the bold line.</summary>
    public const int MovingAverageWindow = 100;

    private static readonly Lazy<string?> Font = new(PickFont);

    /// <summary>The font family used for text, or null when the system has no fonts (the plot is then drawn without text).</summary>
    public static string? FontFamily => Font.Value;

    /// <summary>Writes the plot to <paramref name="path"/> atomically (temp file + rename).</summary>
    public static void Save(string path, IReadOnlyList<(long Step, double Return)> episodes, string title,
        double? threshold = null, IReadOnlyList<(long Step, double MeanReturn)>? eval = null, int width = 1000, int height = 600, double? switchAt = null)
    {
        byte[] png = Render(episodes, title, threshold, eval, width, height, switchAt);
        AtomicFile.WriteAllBytes(path, png);
    }

    /// <summary>The plot as PNG bytes; <paramref name="switchAt"/> draws a dotted vertical line at the offline→online switch.</summary>
    public static byte[] Render(IReadOnlyList<(long Step, double Return)> episodes, string title,
        double? threshold = null, IReadOnlyList<(long Step, double MeanReturn)>? eval = null, int width = 1000, int height = 600, double? switchAt = null)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var plot = new Plot();
        if (Font.Value is string family) plot.Font.Set(family);

        var blue = Color.FromHex("#1f77b4");
        if (episodes.Count > 0)
        {
            var xs = new double[episodes.Count];
            var ys = new double[episodes.Count];
            var avg = new double[episodes.Count];
            double sum = 0;
            for (int i = 0; i < episodes.Count; i++)
            {
                xs[i] = episodes[i].Step;
                ys[i] = episodes[i].Return;
                sum += ys[i];
                if (i >= MovingAverageWindow) sum -= ys[i - MovingAverageWindow];
                avg[i] = sum / Math.Min(i + 1, MovingAverageWindow);
            }

            var raw = plot.Add.ScatterLine(xs, ys, blue.WithAlpha(0.25));
            raw.LineWidth = 1;
            raw.LegendText = "episode return";

            var mean = plot.Add.ScatterLine(xs, avg, blue);
            mean.LineWidth = 2.5f;
            mean.LegendText = $"mean of last {MovingAverageWindow}";
        }

        if (eval is { Count: > 0 })
        {
            var ex = eval.Select(e => (double)e.Step).ToArray();
            var ey = eval.Select(e => e.MeanReturn).ToArray();
            var points = plot.Add.Scatter(ex, ey, Color.FromHex("#d62728"));
            points.LineWidth = 1;
            points.MarkerSize = 7;
            points.MarkerShape = MarkerShape.FilledCircle;
            points.LegendText = "evaluation";
        }

        if (switchAt is double sw)
        {
            var line = plot.Add.VerticalLine(sw, 1.5f, Color.FromHex("#7f7f7f"), LinePattern.Dotted);
            line.LegendText = "offline → online";
        }

        if (threshold is double t && double.IsFinite(t))
        {
            var line = plot.Add.HorizontalLine(t, 1.5f, Color.FromHex("#2ca02c"), LinePattern.Dashed);
            line.LegendText = $"threshold {t.ToString("0.##", CultureInfo.InvariantCulture)}";
        }

        plot.Title(title);
        plot.XLabel("environment steps");
        plot.YLabel("episode return");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = FormatSteps };
        if (episodes.Count > 0 || eval is { Count: > 0 } || threshold is not null)
            plot.ShowLegend(Alignment.LowerRight);
        else
            plot.Add.Annotation("no episodes yet");

        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>1500 → "1.5k", 2000000 → "2M".</summary>
    internal static string FormatSteps(double v)
    {
        var ic = CultureInfo.InvariantCulture;
        double a = Math.Abs(v);
        if (a >= 1e9) return (v / 1e9).ToString("0.##", ic) + "G";
        if (a >= 1e6) return (v / 1e6).ToString("0.##", ic) + "M";
        if (a >= 1e3) return (v / 1e3).ToString("0.##", ic) + "k";
        return v.ToString("0.##", ic);
    }

    private static string? PickFont()
    {
        try
        {
            // With no font files Skia still reports one family, with an empty name and no glyphs.
            var families = SKFontManager.Default.FontFamilies.Where(f => !string.IsNullOrEmpty(f)).ToArray();
            if (families.Length > 0)
            {
                foreach (var preferred in new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans" })
                    if (families.Contains(preferred)) return preferred;
                return SKTypeface.Default.FamilyName is { Length: > 0 } name && families.Contains(name) ? name : families[0];
            }
            if (Environment.GetEnvironmentVariable("ASTROMECH_FONT") is { Length: > 0 } file && File.Exists(file))
            {
                const string name = "Astromech Plot Font";
                ScottPlot.Fonts.AddFontFile(name, file, bold: false, italic: false);
                ScottPlot.Fonts.AddFontFile(name, file, bold: true, italic: false);
                return name;
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"warning: font lookup failed ({e.Message}); plots will have no text");
            return null;
        }
        Console.Error.WriteLine("warning: no fonts found (install fonts-dejavu-core, or set ASTROMECH_FONT to a .ttf file); plots will have no text");
        return null;
    }
}
