using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Astromech.Training;
using Astromech.Training.Logging;

namespace Astromech.Tests.Training;

public class LoggingTests
{
    [Fact]
    public void CsvSink_WritesLongFormatMetrics_AndEpisodes()
    {
        using var dir = new TempDir();
        using (var logger = new MetricsLogger(new CsvMetricsSink(dir.File("metrics.csv"), dir.File("episodes.csv"))))
        {
            logger.Log("train/loss", 0.25, 100);
            logger.LogEpisode(120, 17.5, 18);
            logger.Log("new,metric", -1e-9, 130); // a name appearing mid-run, with a comma
            logger.LogEpisode(150, 30, 30);
        }
        var metrics = File.ReadAllLines(dir.File("metrics.csv"));
        Assert.Equal(CsvMetricsSink.MetricsHeader, metrics[0]);
        Assert.Equal(7, metrics.Length);
        var first = metrics[1].Split(',');
        Assert.Equal("100", first[0]);
        Assert.True(double.Parse(first[1], CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("train/loss", first[2]);
        Assert.Equal("0.25", first[3]);
        Assert.Contains(metrics, l => l.StartsWith("120,") && l.EndsWith(",train/episode_return,17.5"));
        Assert.Contains(metrics, l => l.StartsWith("120,") && l.EndsWith(",train/episode_length,18"));
        Assert.Contains(metrics, l => l.StartsWith("130,") && l.EndsWith(",\"new,metric\",-1E-09"));

        var episodes = File.ReadAllLines(dir.File("episodes.csv"));
        Assert.Equal(new[] { CsvMetricsSink.EpisodesHeader, "120,1,17.5,18", "150,2,30,30" }, episodes);
    }

    [Fact]
    public void CsvSink_AppendContinuesWithoutSecondHeader()
    {
        using var dir = new TempDir();
        using (var l = new MetricsLogger(new CsvMetricsSink(dir.File("m.csv"), dir.File("e.csv")))) l.LogEpisode(10, 1, 10);
        using (var l = new MetricsLogger(new CsvMetricsSink(dir.File("m.csv"), dir.File("e.csv"), append: true)))
        {
            l.EpisodeOffset = 1;
            l.LogEpisode(20, 2, 10);
        }
        Assert.Equal(new[] { CsvMetricsSink.EpisodesHeader, "10,1,1,10", "20,2,2,10" }, File.ReadAllLines(dir.File("e.csv")));
    }

    [Fact]
    public void Logger_TracksRecentMeanLatestEpisodesAndEvals()
    {
        using var logger = new MetricsLogger();
        Assert.True(double.IsNaN(logger.MeanRecentReturn));
        for (int i = 1; i <= 250; i++) logger.LogEpisode(i * 10, i, 10);
        Assert.Equal(250, logger.EpisodeCount);
        Assert.Equal(Enumerable.Range(151, 100).Average(), logger.MeanRecentReturn, 9);
        Assert.Equal(250, logger.Episodes.Count);
        Assert.Equal((2500L, 250.0), logger.Episodes[^1]);
        logger.LogEval(2500, 123.5, 4);
        Assert.Equal((2500L, 123.5), Assert.Single(logger.Evals));
        Assert.True(logger.TryGetLatest(MetricNames.EvalStdReturn, out double std));
        Assert.Equal(4, std);
        Assert.False(logger.TryGetLatest("nope", out _));
    }

    [Fact]
    public void TensorBoardSink_WritesValidEventFile()
    {
        using var dir = new TempDir();
        string tb = Path.Combine(dir.Path, "tb");
        string file;
        using (var sink = new TensorBoardSink(tb))
        using (var logger = new MetricsLogger(sink))
        {
            file = sink.FilePath;
            logger.Log("train/loss", 0.5, 1);
            logger.Log("eval/mean_return", 195.25, 5_000_000_000L);
            logger.Log("train/loss", -3.75, 2);
            logger.Log(new string('x', 300), 1, 3); // a tag longer than the initial buffer
        }
        var name = Path.GetFileName(file);
        Assert.Matches(@"^events\.out\.tfevents\.\d{10}\..+$", name);
        Assert.Equal(tb, Path.GetDirectoryName(file));

        var events = TfEventReader.Read(File.ReadAllBytes(file));
        Assert.Equal(5, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Null(events[0].Tag);
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.All(events, e => Assert.InRange(e.WallTime, now - 600, now + 1));
        Assert.Equal(("train/loss", 1L, 0.5f), (events[1].Tag, events[1].Step, events[1].Value));
        Assert.Equal(("eval/mean_return", 5_000_000_000L, 195.25f), (events[2].Tag, events[2].Step, events[2].Value));
        Assert.Equal(("train/loss", 2L, -3.75f), (events[3].Tag, events[3].Step, events[3].Value));
        Assert.Equal(300, events[4].Tag!.Length);
    }

    [Fact]
    public void TfEventReader_DetectsCorruption()
    {
        using var dir = new TempDir();
        string file;
        using (var sink = new TensorBoardSink(dir.Path)) { file = sink.FilePath; sink.WriteScalar("a", 1, 1, 0); }
        var bytes = File.ReadAllBytes(file);
        bytes[^6] ^= 0x40;
        Assert.Throws<InvalidDataException>(() => TfEventReader.Read(bytes));
    }

    [Fact]
    public void Logging_AllocatesNothingPerCall_OnceNamesAreKnown()
    {
        using var dir = new TempDir();
        using var logger = new MetricsLogger(new CsvMetricsSink(dir.File("m.csv"), dir.File("e.csv")), new TensorBoardSink(dir.Path));
        var progress = new ProgressDisplay(1_000_000, TextWriter.Null, interactive: true, refreshInterval: TimeSpan.FromHours(1));
        for (int i = 0; i < 100; i++) { logger.Log("train/loss", i, i); logger.LogEpisode(i, i, 10); progress.Update(i, logger); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            logger.Log("train/loss", i * 0.001, i);
            logger.Log("time/steps_per_second", 1234.5, i);
            progress.Update(i, logger);
        }
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 20_000;
        Assert.True(perCall < 8, $"{perCall} bytes per Log call");
    }

    [Fact]
    public void ProgressDisplay_RedirectedPrintsPlainLinesAtTenPercentSteps()
    {
        var sw = new StringWriter();
        using (var p = new ProgressDisplay(1000, sw, interactive: false, refreshInterval: TimeSpan.FromHours(1)))
        {
            p.SetField("loss", 0.125);
            for (long s = 1; s <= 1000; s++) p.Update(s, s / 100, 42.5);
        }
        var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length); // 10%..100% and the final line
        Assert.DoesNotContain('\r', sw.ToString());
        Assert.Contains("1,000/1,000", lines[^1]);
        Assert.Contains("100.0%", lines[^1]);
        Assert.Contains("ep 10", lines[^1]);
        Assert.Contains("ret100 42.5", lines[^1]);
        Assert.Contains("loss 0.125", lines[^1]);
        Assert.Contains("sps", lines[^1]);
        Assert.Contains("[########################]", lines[^1]);
        Assert.Contains(" 50.0%", lines[4]);
    }

    [Fact]
    public void ProgressDisplay_InteractiveRewritesOneLineThenNewline()
    {
        var sw = new StringWriter();
        var p = new ProgressDisplay(100, sw, interactive: true, refreshInterval: TimeSpan.Zero);
        p.Update(10, 1, 5);
        p.Update(20, 2, 6);
        p.Finish();
        p.Update(30); // ignored after Finish
        string text = sw.ToString();
        Assert.StartsWith("\r[", text);
        Assert.Equal(1, text.Count(c => c == '\n'));
        Assert.EndsWith("\n", text);
        Assert.DoesNotContain("30/100", text);
    }

    [Fact]
    public void ProgressDisplay_ThrottlesWhenCalledEveryStep()
    {
        var sw = new StringWriter();
        var p = new ProgressDisplay(10_000_000, sw, interactive: true, refreshInterval: TimeSpan.FromHours(1));
        for (long s = 0; s < 1_000_000; s++) p.Update(s);
        Assert.Equal("", sw.ToString());
        Assert.Equal("1:05", ProgressDisplay.FormatDuration(65));
        Assert.Equal("2:00:00", ProgressDisplay.FormatDuration(7200));
    }
}

/// <summary>A minimal TFRecord + tensorflow.Event reader that checks both CRCs of every record.</summary>
internal static class TfEventReader
{
    public sealed record Event(double WallTime, long Step, string? FileVersion, string? Tag, float? Value);

    public static List<Event> Read(byte[] data)
    {
        var events = new List<Event>();
        int pos = 0;
        while (pos < data.Length)
        {
            if (data.Length - pos < 12) throw new InvalidDataException("truncated record header");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(pos));
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 8));
            if (lengthCrc != Crc32C.Mask(Crc32C.Compute(data.AsSpan(pos, 8)))) throw new InvalidDataException("length CRC");
            pos += 12;
            if ((ulong)(data.Length - pos) < length + 4) throw new InvalidDataException("truncated record");
            var payload = data.AsSpan(pos, (int)length);
            uint payloadCrc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + (int)length));
            if (payloadCrc != Crc32C.Mask(Crc32C.Compute(payload))) throw new InvalidDataException("payload CRC");
            events.Add(ParseEvent(payload.ToArray()));
            pos += (int)length + 4;
        }
        return events;
    }

    private static Event ParseEvent(byte[] b)
    {
        double wall = 0; long step = 0; string? version = null, tag = null; float? value = null;
        foreach (var (field, wire, v, bytes) in Fields(b))
        {
            switch (field)
            {
                case 1: Assert.Equal(1, wire); wall = BitConverter.Int64BitsToDouble((long)v); break;
                case 2: Assert.Equal(0, wire); step = (long)v; break;
                case 3: Assert.Equal(2, wire); version = Encoding.UTF8.GetString(bytes!); break;
                case 5:
                    Assert.Equal(2, wire);
                    foreach (var (sf, sw, _, sv) in Fields(bytes!))
                    {
                        Assert.Equal((1, 2), (sf, sw));
                        foreach (var (vf, vw, vv, vb) in Fields(sv!))
                        {
                            if (vf == 1) { Assert.Equal(2, vw); tag = Encoding.UTF8.GetString(vb!); }
                            else if (vf == 2) { Assert.Equal(5, vw); value = BitConverter.Int32BitsToSingle((int)vv); }
                        }
                    }
                    break;
                default: throw new InvalidDataException($"unexpected field {field}");
            }
        }
        return new Event(wall, step, version, tag, value);
    }

    private static IEnumerable<(int Field, int Wire, ulong Value, byte[]? Bytes)> Fields(byte[] b)
    {
        int p = 0;
        while (p < b.Length)
        {
            ulong key = Varint(b, ref p);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(b, ref p), null); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(p)), null); p += 8; break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(p)), null); p += 4; break;
                case 2:
                    int len = (int)Varint(b, ref p);
                    yield return (field, wire, 0, b.AsSpan(p, len).ToArray());
                    p += len;
                    break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
    }

    private static ulong Varint(byte[] b, ref int p)
    {
        ulong v = 0; int shift = 0;
        while (true)
        {
            byte x = b[p++];
            v |= (ulong)(x & 0x7F) << shift;
            if (x < 0x80) return v;
            shift += 7;
        }
    }
}
