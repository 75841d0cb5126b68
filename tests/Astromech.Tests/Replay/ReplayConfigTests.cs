using System.Text.Json.Nodes;
using Astromech.Agents.ApeX;
using Astromech.Agents.R2d2;
using Astromech.Replay;
using Astromech.Training.Config;

namespace Astromech.Tests.Replay;

/// <summary>Ape-X and R2D2 hold their replay settings in one shared record under <c>replay</c>; their flat keys still bind.</summary>
public class ReplayConfigTests
{
    [Fact]
    public void EachAlgorithmKeepsItsOwnReplayDefaults()
    {
        var apex = new ApexConfig().Replay;
        Assert.Equal((2_000_000, 50_000, 0.6, 0.4, 0.0, 10_000.0),
            (apex.Capacity, apex.MinSize, apex.PriorityExponent, apex.ImportanceSamplingExponent, apex.SamplesPerInsert, apex.SamplesPerInsertTolerance));
        var r2d2 = new R2d2Config().Replay;
        Assert.Equal((10_000, 100, 0.9, 0.6, 0.0, 640.0),
            (r2d2.Capacity, r2d2.MinSize, r2d2.PriorityExponent, r2d2.ImportanceSamplingExponent, r2d2.SamplesPerInsert, r2d2.SamplesPerInsertTolerance));
    }

    [Fact]
    public void ApexFlatReplayKeys_BindToTheSharedRecord()
    {
        var c = ConfigBinder.Bind<ApexConfig>(JsonNode.Parse("""
            {"replay_capacity": 5000, "min_replay_size": 200, "priority_alpha": 0.5, "priority_beta": 0.3,
             "samples_per_insert": 4, "samples_per_insert_tolerance": 900, "batch_size": 32}
            """)!.AsObject());
        Assert.Equal(new ReplayConfig { Capacity = 5000, MinSize = 200, PriorityExponent = 0.5, ImportanceSamplingExponent = 0.3, SamplesPerInsert = 4, SamplesPerInsertTolerance = 900 }, c.Replay);
        var limiter = c.Replay.RateLimiter();
        Assert.Equal((4.0, 200L, 900.0), (limiter.SamplesPerInsert, limiter.MinSizeToSample, limiter.Tolerance));
        var json = ConfigBinder.ToJson(c);
        Assert.False(json.ContainsKey("replay_capacity"));
        Assert.Equal(5000, (int)json["replay"]!["capacity"]!);
        Assert.Equal(c.Replay, ConfigBinder.Bind<ApexConfig>(json).Replay);
    }

    [Fact]
    public void R2d2FlatReplayKeys_BindToTheSharedRecord_AndDottedOnesToo()
    {
        var c = ConfigBinder.Bind<R2d2Config>(new[] { "replay_capacity=3000", "priority_exponent=0.7", "replay.importance_sampling_exponent=0.5", "replay.min_size=64" });
        Assert.Equal(new ReplayConfig { Capacity = 3000, MinSize = 64, PriorityExponent = 0.7, ImportanceSamplingExponent = 0.5, SamplesPerInsert = 0, SamplesPerInsertTolerance = 640 }, c.Replay);
        Assert.Equal(3000, c.ReplayCapacity);
        Assert.Equal(64, c.MinReplaySize);
    }

    [Fact]
    public void ReplayErrors_NameTheDottedKeyAndTheFlatAlias()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<R2d2Config>(new[] { "min_replay_size=500", "replay_capacity=400", "batch_size=8" }));
        Assert.Equal("replay.min_size (alias min_replay_size) (500) must not exceed replay.capacity (alias replay_capacity) (400)", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<ApexConfig>(new[] { "replay.capacity=16", "replay.min_size=8" }));
        Assert.Equal("batch_size (512) must not exceed replay.capacity (alias replay_capacity) (16)", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<ApexConfig>(new[] { "replay.capasity=16" }));
        Assert.Equal("--set replay.capasity=16: unknown key 'replay.capasity' for ApexConfig; did you mean 'replay.capacity'?", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigBinder.Bind<ApexConfig>(new[] { "replay.capacity=5000", "replay_capacity=6000" }));
        Assert.Contains("'replay_capacity' (the flat alias of 'replay.capacity') and 'replay.capacity' are both given", e.Message);
    }
}
