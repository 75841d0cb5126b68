using Akka.Actor;
using Akka.Serialization;
using Astromech.Cluster.Messages;

namespace Astromech.Cluster.Serialization;

/// <summary>
/// Akka serializer for every <see cref="IAstromechMessage"/>: a short string manifest names the message type,
/// and the payload is a one-byte format version followed by the message's fields as written by
/// <see cref="WireWriter"/> (float arrays as raw little-endian bytes). Akka's default JSON serializer moved a
/// 64 KiB float payload at a few MB/s (CLUSTER.md); this one copies memory. Bound in <see cref="ClusterConfig"/>.
/// </summary>
public sealed class AstromechSerializer : SerializerWithStringManifest
{
    /// <summary>Akka's id for this serializer (ids below 100 are Akka's own).</summary>
    public const int Id = 4711;
    private const byte FormatVersion = 3; // 2: PublishParameters carries a restart flag; run membership and actor reports. 3: unrolls carry submitter and sequence

    private delegate IAstromechMessage Reader(ref WireReader r);

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(InsertTransitions)] = "ins", [typeof(InsertResult)] = "insr",
        [typeof(SampleRequest)] = "smp", [typeof(SampledBatch)] = "smpb",
        [typeof(UpdatePriorities)] = "upd", [typeof(PrioritiesUpdated)] = "updr",
        [typeof(GetReplayStats)] = "st", [typeof(ReplayStatsReply)] = "str",
        [typeof(PublishParameters)] = "pub", [typeof(ParametersPublished)] = "pubr",
        [typeof(GetParameters)] = "get", [typeof(ParametersReply)] = "par",
        [typeof(RoleError)] = "err",
        [typeof(JoinRequest)] = "join", [typeof(JoinReply)] = "joinr",
        [typeof(ActorReport)] = "rep", [typeof(ActorReportAck)] = "repr",
        [typeof(SubmitUnroll)] = "unr", [typeof(UnrollAccepted)] = "unrr",
        [typeof(InsertSequences)] = "sins", [typeof(SampleSequences)] = "ssmp", [typeof(SampledSequences)] = "ssmpb", [typeof(UpdateSequencePriorities)] = "supd",
    };

    private static readonly Dictionary<string, Reader> Readers = new()
    {
        ["ins"] = (ref WireReader r) => InsertTransitions.Read(ref r), ["insr"] = (ref WireReader r) => InsertResult.Read(ref r),
        ["smp"] = (ref WireReader r) => SampleRequest.Read(ref r), ["smpb"] = (ref WireReader r) => SampledBatch.Read(ref r),
        ["upd"] = (ref WireReader r) => UpdatePriorities.Read(ref r), ["updr"] = (ref WireReader r) => PrioritiesUpdated.Read(ref r),
        ["st"] = (ref WireReader r) => GetReplayStats.Read(ref r), ["str"] = (ref WireReader r) => ReplayStatsReply.Read(ref r),
        ["pub"] = (ref WireReader r) => PublishParameters.Read(ref r), ["pubr"] = (ref WireReader r) => ParametersPublished.Read(ref r),
        ["get"] = (ref WireReader r) => GetParameters.Read(ref r), ["par"] = (ref WireReader r) => ParametersReply.Read(ref r),
        ["err"] = (ref WireReader r) => RoleError.Read(ref r),
        ["join"] = (ref WireReader r) => JoinRequest.Read(ref r), ["joinr"] = (ref WireReader r) => JoinReply.Read(ref r),
        ["rep"] = (ref WireReader r) => ActorReport.Read(ref r), ["repr"] = (ref WireReader r) => ActorReportAck.Read(ref r),
        ["unr"] = (ref WireReader r) => SubmitUnroll.Read(ref r), ["unrr"] = (ref WireReader r) => UnrollAccepted.Read(ref r),
        ["sins"] = (ref WireReader r) => InsertSequences.Read(ref r), ["ssmp"] = (ref WireReader r) => SampleSequences.Read(ref r),
        ["ssmpb"] = (ref WireReader r) => SampledSequences.Read(ref r), ["supd"] = (ref WireReader r) => UpdateSequencePriorities.Read(ref r),
    };

    public AstromechSerializer(ExtendedActorSystem system) : base(system)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the Astromech wire format copies arrays as little-endian bytes; this machine is big-endian");
    }

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"no Astromech wire manifest for {o.GetType().FullName}");

    public override byte[] ToBinary(object obj)
    {
        if (obj is not IAstromechMessage msg) throw new ArgumentException($"{obj.GetType().FullName} is not an Astromech message");
        var bytes = new byte[1 + msg.WireSize];
        bytes[0] = FormatVersion;
        var w = new WireWriter(bytes.AsSpan(1));
        msg.Write(ref w);
        if (w.Position != bytes.Length - 1)
            throw new InvalidOperationException($"{obj.GetType().Name} declared {bytes.Length - 1} wire bytes but wrote {w.Position}");
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Readers.TryGetValue(manifest, out var read)) throw new InvalidDataException($"unknown Astromech message manifest '{manifest}' (a node of another version?)");
        if (bytes.Length == 0 || bytes[0] != FormatVersion)
            throw new InvalidDataException($"Astromech message '{manifest}' has wire format {(bytes.Length == 0 ? "none" : bytes[0].ToString())}, this node reads {FormatVersion}");
        var r = new WireReader(bytes.AsSpan(1));
        var msg = read(ref r);
        if (!r.AtEnd) throw new InvalidDataException($"Astromech message '{manifest}' has trailing bytes");
        return msg;
    }
}
