using System.Text.Json.Nodes;

namespace Astromech.Cli.Tests;

/// <summary>
/// <c>astromech bench cluster</c> with tiny sizes: three actor systems form a cluster over loopback TCP, every
/// measurement is one JSON line, the counts follow the options, and the wire sizes are those of the real messages.
/// No timing is asserted beyond "measured" (positive).
/// </summary>
public class BenchClusterTests
{
    [Fact]
    public void BenchClusterPrintsOneJsonLinePerMeasurement()
    {
        var (code, output, err) = CliRunner.Run("bench", "cluster", "--versions", "3", "--param-floats", "1000,20k", "--fanout-pulls", "6", "--round-trips", "10",
            "--blocks", "20", "--pipelined-blocks", "30", "--batches", "5", "--batch-sizes", "16", "--in-flight", "2", "--flush-size", "10");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var byMeasure = lines.GroupBy(l => (string)l["measure"]!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(new[] { "cluster", "experience_pipelined", "experience_sequential", "parameter_broadcast", "parameter_fanout", "replay_direct", "replay_local_actor", "round_trip" },
            byMeasure.Keys.OrderBy(k => k, StringComparer.Ordinal));

        Assert.Equal(3, (int)byMeasure["cluster"].Single()["systems"]!);
        Assert.Equal(2, byMeasure["round_trip"].Count);
        Assert.All(byMeasure["round_trip"], r => Assert.True((double)r["median_us"]! > 0 && (int)r["n"]! == 10));

        var broadcast = byMeasure["parameter_broadcast"];
        Assert.Equal(new[] { 1000, 20000 }, broadcast.Select(b => (int)b["floats"]!));
        Assert.Equal(new[] { 4000L, 80000L }, broadcast.Select(b => (long)b["payload_bytes"]!));
        Assert.All(broadcast, b =>
        {
            Assert.Equal(3, (int)b["versions"]!);
            Assert.True((double)b["publish_to_pulled_max_us"]! >= (double)b["publish_to_pulled_median_us"]!);
            Assert.True((double)b["publish_to_pulled_median_us"]! > 0);
        });

        var fanout = byMeasure["parameter_fanout"];
        Assert.Equal(new[] { 1000, 20000 }, fanout.Select(f => (int)f["floats"]!));
        Assert.All(fanout, f => Assert.True((int)f["pulls"]! == 6 && (double)f["mb_per_s"]! > 0));

        var seq = byMeasure["experience_sequential"];
        var insert = seq.Single(s => (string)s["from"]! == "actor");
        // version byte, two sizes, six length prefixes; 10 rows × (4 + 4 observation, action, reward, discount, priority) floats
        Assert.Equal(1 + 8 + 6 * 4 + 4 * 10 * (8 + 4), (int)insert["wire_bytes"]!);
        var learner = seq.Single(s => (string)s["from"]! == "learner");
        Assert.Equal(1 + 10 + 8 * 4 + 16 * (4 + 8 + 4 * (8 + 4)), (int)learner["sampled_batch_wire_bytes"]!);
        Assert.Equal(1.0, (double)learner["priorities_applied_fraction"]!); // nothing was inserted between sample and update

        var pipelined = byMeasure["experience_pipelined"];
        Assert.Equal(2, pipelined.Count);
        Assert.All(pipelined, p => Assert.True((double)p["inserts_per_second"]! > 0 && (int)p["n"]! == 30));
        Assert.Single(pipelined, p => p.ContainsKey("learner_cycles_per_second"));
        Assert.Equal(2, byMeasure["replay_local_actor"].Count); // inserts, and sample/update for the one batch size
        Assert.True(byMeasure["replay_direct"].Single().ContainsKey("sample16_median_us"));
    }

    [Theory]
    [InlineData(new[] { "bench", "cluster", "--param-floats", "0" }, "--param-floats: '0'")]
    [InlineData(new[] { "bench", "cluster", "--batch-sizes", "200k" }, "--batch-sizes: 200000 is above the replay capacity")]
    [InlineData(new[] { "bench", "cluster", "--versions", "0" }, "--versions")]
    [InlineData(new[] { "bench", "cluster", "--param-floats", "1M,8M" }, "--param-floats: 8000000 floats (32000000 bytes) do not fit the cluster's maximum frame")]
    [InlineData(new[] { "bench", "cluster", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "bench", "clusterr" }, "'cluster'")]
    public void BadBenchClusterInputIsNamed(string[] args, string mustMention)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(mustMention, err);
    }
}
