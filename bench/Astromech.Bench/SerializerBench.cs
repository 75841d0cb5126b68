using Akka.Actor;
using Akka.Serialization;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Astromech.Bench;

/// <summary>
/// The cluster's real messages, each serialized (<c>ToBinary</c>) and deserialized (<c>FromBinary</c>) on its own,
/// by the Astromech serializer (raw array bytes) and by Akka's default serializer for user messages (Newtonsoft
/// JSON), side by side in one run: an Ape-X insert of 50 CartPole transitions, sampled batches of 32 and 512
/// CartPole rows, and a 1M-float <see cref="PublishParameters"/> / <see cref="ParametersReply"/>. Columns: time,
/// allocated bytes (MemoryDiagnoser), the message's wire bytes under that serializer, and the ratio to the Akka
/// default in the same direction. Its own job, in-process (1 launch, 3 warm-up, 5 measured iterations), so the
/// whole class runs in a few minutes; add no --job/--inProcess flags (they replace it). Run with:
/// <c>dotnet run -c Release --project bench/Astromech.Bench -- --filter '*SerializerBench*'</c>
/// </summary>
[Config(typeof(WireConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class SerializerBench
{
    public enum WireCase { Insert50, Sample32, Sample512, Publish1M, Reply1M }

    [Params(WireCase.Insert50, WireCase.Sample32, WireCase.Sample512, WireCase.Publish1M, WireCase.Reply1M)]
    public WireCase Case;

    private ActorSystem _system = null!;
    private AstromechSerializer _ours = null!;
    private Serializer _default = null!;
    private IAstromechMessage _message = null!;
    private string _manifest = null!;
    private byte[] _oursBytes = null!, _defaultBytes = null!;

    /// <summary>CartPole: 4 observation floats, 1 action float per row.</summary>
    private const int Obs = 4;

    internal static float[] Floats(int n, Random rng, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>The message of <paramref name="c"/>, with CartPole-like values (actions 0/1, rewards 1–3, discounts γ³ or 0).</summary>
    internal static IAstromechMessage Make(WireCase c)
    {
        var rng = new Random(0);
        float[] Actions(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = rng.Next(2); return a; }
        float[] Rewards(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = 1 + rng.Next(3); return a; }
        float[] Discounts(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = rng.Next(20) == 0 ? 0f : 0.970299f; return a; }
        float[] Positive(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)rng.NextDouble() * 3; return a; }
        SampledBatch Batch(int b)
        {
            var idx = new int[b]; var keys = new long[b];
            for (int i = 0; i < b; i++) { idx[i] = rng.Next(100_000); keys[i] = idx[i] + 300_000L; }
            return new SampledBatch(false, Obs, 1, true, idx, keys, Floats(b * Obs, rng, 2), Actions(b), Rewards(b), Discounts(b), Floats(b * Obs, rng, 2), Positive(b));
        }
        return c switch
        {
            WireCase.Insert50 => new InsertTransitions(Obs, 1, Floats(50 * Obs, rng, 2), Actions(50), Rewards(50), Discounts(50), Floats(50 * Obs, rng, 2), Positive(50)),
            WireCase.Sample32 => Batch(32),
            WireCase.Sample512 => Batch(512),
            WireCase.Publish1M => new PublishParameters(12_345, Floats(1 << 20, rng, 0.1f)),
            WireCase.Reply1M => new ParametersReply(false, 12_345, Floats(1 << 20, rng, 0.1f)),
            _ => throw new ArgumentOutOfRangeException(nameof(c)),
        };
    }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("serializer-bench", "akka.loglevel = WARNING");
        _ours = new AstromechSerializer((ExtendedActorSystem)_system);
        _default = _system.Serialization.FindSerializerForType(typeof(object)); // Akka's default for user messages
        _message = Make(Case);
        _manifest = _ours.Manifest(_message);
        _oursBytes = _ours.ToBinary(_message);
        _defaultBytes = _default.ToBinary(_message);
        // Both must give the message back: compare what our serializer writes for each result.
        foreach (var back in new[] { _ours.FromBinary(_oursBytes, _manifest), _default.FromBinary(_defaultBytes, _message.GetType()) })
            if (!_ours.ToBinary(back).AsSpan().SequenceEqual(_oursBytes))
                throw new InvalidOperationException($"{Case}: a serializer did not round-trip the message");
        WireBytes[(Case, nameof(AstromechToBinary))] = WireBytes[(Case, nameof(AstromechFromBinary))] = _oursBytes.Length;
        WireBytes[(Case, nameof(AkkaDefaultToBinary))] = WireBytes[(Case, nameof(AkkaDefaultFromBinary))] = _defaultBytes.Length;
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Baseline = true), BenchmarkCategory("ToBinary")]
    public byte[] AkkaDefaultToBinary() => _default.ToBinary(_message);

    [Benchmark, BenchmarkCategory("ToBinary")]
    public byte[] AstromechToBinary() => _ours.ToBinary(_message);

    [Benchmark(Baseline = true), BenchmarkCategory("FromBinary")]
    public object AkkaDefaultFromBinary() => _default.FromBinary(_defaultBytes, _message.GetType());

    [Benchmark, BenchmarkCategory("FromBinary")]
    public object AstromechFromBinary() => _ours.FromBinary(_oursBytes, _manifest);

    /// <summary>Wire bytes per (case, benchmark), filled in the benchmark process's setup; the column falls back to computing them.</summary>
    private static readonly Dictionary<(WireCase, string), int> WireBytes = new();

    private sealed class WireConfig : ManualConfig
    {
        public WireConfig()
        {
            AddJob(Job.ShortRun.WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("short5-inprocess"));
            AddColumn(new WireBytesColumn());
        }
    }

    /// <summary>The serialized size of the benchmark's message under its serializer.</summary>
    private sealed class WireBytesColumn : IColumn
    {
        public string Id => nameof(WireBytesColumn);
        public string ColumnName => "Wire bytes";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Size;
        public string Legend => "bytes of the serialized message (Astromech: header + raw arrays; Akka default: JSON text)";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var c = (WireCase)benchmarkCase.Parameters["Case"];
            string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
            if (!WireBytes.ContainsKey((c, method)))
            {
                // Out-of-process runs filled the table in another process: measure here.
                var b = new SerializerBench { Case = c };
                b.Setup();
                b.Cleanup();
            }
            return WireBytes[(c, method)].ToString("N0");
        }
    }
}
