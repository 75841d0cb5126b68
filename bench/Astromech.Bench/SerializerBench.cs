using Akka.Actor;
using Akka.Serialization;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Astromech.Bench;

/// <summary>
/// One message of float weights (<see cref="PublishParameters"/>) serialized and deserialized (a round trip,
/// what one hop over Akka.Remote costs in serialization) by the Astromech serializer (raw bytes) and by Akka's
/// default serializer for user messages (Newtonsoft JSON), side by side in one run, for 64 KiB and 1 MiB of
/// floats. The MB/s column is payload bytes per second of round trip. Run with:
/// <c>dotnet run -c Release --project bench/Astromech.Bench -- --filter '*SerializerBench*' --job short --inProcess</c>
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class SerializerBench
{
    [Params(64 * 1024, 1024 * 1024)] public int PayloadBytes;

    private ActorSystem _system = null!;
    private AstromechSerializer _ours = null!;
    private Serializer _default = null!;
    private PublishParameters _message = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("serializer-bench", "akka.loglevel = WARNING");
        var ext = (ExtendedActorSystem)_system;
        _ours = new AstromechSerializer(ext);
        _default = _system.Serialization.FindSerializerForType(typeof(object)); // Akka's default for user messages
        var rng = new Random(0);
        var values = new float[PayloadBytes / sizeof(float)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        _message = new PublishParameters(1, values);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Baseline = true)]
    public object AkkaDefault() => _default.FromBinary(_default.ToBinary(_message), typeof(PublishParameters));

    [Benchmark]
    public object Astromech() => _ours.FromBinary(_ours.ToBinary(_message), _ours.Manifest(_message));

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new PayloadThroughputColumn());
    }

    /// <summary>PayloadBytes ÷ mean time of one round trip, in MB/s (10⁶ bytes).</summary>
    private sealed class PayloadThroughputColumn : IColumn
    {
        public string Id => nameof(PayloadThroughputColumn);
        public string ColumnName => "Payload MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "payload bytes per second of serialize + deserialize, in 10^6 bytes";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is null) return "-";
            int bytes = (int)benchmarkCase.Parameters["PayloadBytes"];
            double seconds = report.ResultStatistics.Mean / 1e9;
            return (bytes / seconds / 1e6).ToString("F1");
        }
    }
}
