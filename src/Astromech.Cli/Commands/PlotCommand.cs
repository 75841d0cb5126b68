using System.Globalization;
using Astromech.Training;
using Astromech.Training.Plotting;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech plot seeds --series LABEL=RUN_DIR,RUN_DIR,... [--series ...] --out FILE.png</c>: one figure with each
/// series' mean over its runs and the min–max band, read from the runs' metrics.csv (<c>--metric</c>, default
/// eval/mean_return); <c>--switch</c> draws the offline→online line at step 0. Prints the aggregated table as CSV.
/// </summary>
internal static class PlotCommand
{
    public static int Run(string[] argv)
    {
        if (argv.Length == 0 || argv[0] != "seeds") throw new CliException("plot: the only subcommand is 'seeds' (astromech plot seeds --series LABEL=DIR,DIR --out FILE.png)");
        var a = CliArgs.Parse(argv.Skip(1).ToArray(), "plot seeds", new[] { "series", "out", "metric", "title" }, new[] { "switch" });
        string outPath = a.Get("out") ?? throw new CliException("plot seeds: --out FILE.png is required");
        string metric = a.Get("metric") ?? "eval/mean_return";
        var series = new List<SeedSeries>();
        foreach (var spec in a.All("series"))
        {
            int eq = spec.LastIndexOf('='); // labels may hold '=' ("λ=1"); run directories rarely do
            if (eq <= 0) throw new CliException($"plot seeds: --series wants LABEL=RUN_DIR[,RUN_DIR...], got '{spec}'");
            var runs = new List<IReadOnlyList<(long, double)>>();
            foreach (var dir in spec[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string csv = new RunDirectory(dir).MetricsCsv;
                if (!File.Exists(csv)) throw new CliException($"plot seeds: {csv} does not exist (series '{spec[..eq]}')");
                var points = SeedBandPlot.ReadMetric(csv, metric);
                if (points.Count == 0) throw new CliException($"plot seeds: {csv} has no '{metric}' rows");
                runs.Add(points);
            }
            series.Add(new SeedSeries(spec[..eq], runs));
        }
        if (series.Count == 0) throw new CliException("plot seeds: give at least one --series LABEL=DIR,DIR");
        SeedBandPlot.Save(outPath, series, a.Get("title") ?? metric, metric, a.Flag("switch") ? 0 : null);
        Console.WriteLine("series,step,mean,std,min,max,runs");
        foreach (var s in series)
            foreach (var p in s.Aggregate())
                Console.WriteLine(string.Join(",", s.Label, p.Step.ToString(CultureInfo.InvariantCulture), F(p.Mean), F(p.Std), F(p.Min), F(p.Max), s.Runs.Count.ToString(CultureInfo.InvariantCulture)));
        Console.Error.WriteLine($"wrote {outPath}");
        return 0;
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
