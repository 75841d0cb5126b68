using System.Runtime.InteropServices;
using Akka.Actor;
using Astromech.Cluster;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Serialization;

namespace Astromech.Cluster.Tests;

/// <summary>
/// Every message round-trips bit-exactly through the serializer Akka picks for it (the binding in
/// <see cref="ClusterConfig"/> must select <see cref="AstromechSerializer"/>), and the payload is the raw floats
/// plus a small header. Uses a local actor system with the cluster config but no cluster join.
/// </summary>
public sealed class SerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-test", ClusterConfig.Build(new[] { "replay" }));

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(20));

    internal static float[] AwkwardFloats(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * MathF.Pow(10, rng.Next(-30, 30));
        if (n > 5)
        {
            a[0] = -0f;
            a[1] = BitConverter.Int32BitsToSingle(0x7FC0_1234); // NaN with a payload
            a[2] = float.Epsilon; // subnormal
            a[3] = float.NegativeInfinity;
            a[4] = float.MaxValue;
        }
        return a;
    }

    internal static bool BitEqual(float[] x, float[] y) =>
        MemoryMarshal.AsBytes(x.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.AsSpan()));

    private object RoundTrip(object msg, out int bytes)
    {
        var ser = _system.Serialization.FindSerializerFor(msg);
        Assert.IsType<AstromechSerializer>(ser);
        var withManifest = (Akka.Serialization.SerializerWithStringManifest)ser;
        var data = ser.ToBinary(msg);
        bytes = data.Length;
        return withManifest.FromBinary(data, withManifest.Manifest(msg));
    }

    [Fact]
    public void InsertTransitionsRoundTripsBitExactlyWithRawFloatPayload()
    {
        int rows = 50, obs = 4;
        var m = new InsertTransitions(obs, 1, AwkwardFloats(rows * obs, 1), AwkwardFloats(rows, 2), AwkwardFloats(rows, 3), AwkwardFloats(rows, 4),
            AwkwardFloats(rows * obs, 5), AwkwardFloats(rows, 6));
        var back = Assert.IsType<InsertTransitions>(RoundTrip(m, out int bytes));
        Assert.Equal((obs, 1), (back.ObsSize, back.ActSize));
        Assert.True(BitEqual(m.Obs, back.Obs) && BitEqual(m.Actions, back.Actions) && BitEqual(m.Rewards, back.Rewards)
            && BitEqual(m.Discounts, back.Discounts) && BitEqual(m.NextObs, back.NextObs) && BitEqual(m.Priorities, back.Priorities));
        int floats = rows * obs * 2 + rows * 4;
        Assert.Equal(1 + 8 + 6 * 4 + floats * 4, bytes); // version byte, two sizes, six length prefixes, raw floats
    }

    [Fact]
    public void EveryMessageTypeRoundTrips()
    {
        var msgs = new IAstromechMessage[]
        {
            new InsertResult(true, 123_456_789_012), new SampleRequest(64, 0.4), new UpdatePriorities(new[] { 3, 1 }, new[] { 7L, long.MaxValue }, new[] { 0.5f, 2f }),
            new PrioritiesUpdated(2), new GetReplayStats(), new ReplayStatsReply(10, 20, 30, 40, 50, 60), new ParametersPublished(9),
            new GetParameters(-1), new RoleError("replay: rows hold 4 observation floats; got 3 — ü"), SampledBatch.Refusal(4, 1),
            new SampledBatch(false, 2, 1, true, new[] { 5, 6 }, new[] { 15L, 16L }, AwkwardFloats(4, 7), new[] { 1f, 0f }, new[] { 1f, 2f },
                new[] { 0.99f, 0f }, AwkwardFloats(4, 8), new[] { 1f, 0.5f }),
            new SubmitUnroll(2, 1, 2, 1, 17, 3, long.MaxValue - 5, 9, AwkwardFloats(4, 9), new[] { 1f, 0f }, new[] { -0.7f, -0.1f }, new[] { 1f, 0f },
                new[] { 0.99f, 0f }, new[] { false, true }, AwkwardFloats(2, 10), AwkwardFloats(2, 11)),
            new UnrollAccepted(true, 7),
        };
        foreach (var m in msgs)
        {
            var back = RoundTrip(m, out _);
            Assert.Equal(m.GetType(), back.GetType());
            // Records compare arrays by reference; compare the serialized forms instead (bit-exact by construction).
            var ser = _system.Serialization.FindSerializerFor(m);
            Assert.Equal(ser.ToBinary(m), ser.ToBinary(back));
        }
        var err = (RoleError)RoundTrip(new RoleError("x — ü"), out _);
        Assert.Equal("x — ü", err.Message);
    }

    [Fact]
    public void MalformedPayloadsAreRefusedWithAReason()
    {
        var ser = (AstromechSerializer)_system.Serialization.FindSerializerFor(new GetParameters(1));
        var good = ser.ToBinary(new PublishParameters(1, new float[] { 1, 2, 3 }));
        var truncated = good[..^2];
        var e1 = Assert.Throws<InvalidDataException>(() => ser.FromBinary(truncated, "pub"));
        Assert.Contains("truncated", e1.Message);
        var e2 = Assert.Throws<InvalidDataException>(() => ser.FromBinary(good, "nope"));
        Assert.Contains("unknown Astromech message manifest 'nope'", e2.Message);
        var wrongVersion = (byte[])good.Clone();
        wrongVersion[0] = 99;
        var e3 = Assert.Throws<InvalidDataException>(() => ser.FromBinary(wrongVersion, "pub"));
        Assert.Contains("wire format 99", e3.Message);
    }

    [Fact]
    public void UnknownRoleIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => ClusterConfig.Build(new[] { "lerner" }));
        Assert.Contains("unknown cluster role 'lerner'", e.Message);
        Assert.Contains("learner, replay, actor", e.Message);
    }
}

public sealed class WireLimitTests
{
    [Fact]
    public void AMessageLargerThanAFrameIsRefusedBeforeSendingNamingTheSizes()
    {
        Astromech.Cluster.Roles.WireLimit.EnsureFits(new Astromech.Cluster.Messages.PublishParameters(1, new float[1_000_000])); // 4 MB: fits
        var e = Assert.Throws<Astromech.Cluster.Roles.RoleException>(() =>
            Astromech.Cluster.Roles.WireLimit.EnsureFits(new Astromech.Cluster.Messages.PublishParameters(1, new float[5_000_000])));
        Assert.Contains("PublishParameters message of 20,000,014 bytes is larger than the cluster's 16,711,680-byte message limit", e.Message);
    }
}
