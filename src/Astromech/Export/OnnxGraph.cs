using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Astromech.Export;

/// <summary>The element types the exporter writes (TensorProto.DataType values of onnx.proto).</summary>
public enum OnnxType { Float = 1, Int64 = 7, Bool = 9 }

/// <summary>A tensor dimension in a graph input or output: a fixed size or a named symbolic one ("batch").</summary>
public readonly record struct OnnxDim(long Value, string? Param)
{
    public static implicit operator OnnxDim(long value) => new(value, null);
    public static implicit operator OnnxDim(string param) => new(0, param);
    public override string ToString() => Param ?? Value.ToString();
}

/// <summary>One node attribute (AttributeProto): an int, a float or a list of ints.</summary>
public sealed record OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);
    /// <summary>A list of ints (INTS), also of one element: Of would make that an INT.</summary>
    public static OnnxAttribute List(string name, params long[] values) => new(name, Ints: values);
}

/// <summary>
/// A small ONNX graph builder: graph inputs and outputs, initializers (weights) and nodes, written as an ONNX
/// ModelProto in the protobuf wire format with Google.Protobuf's <see cref="CodedOutputStream"/>.
/// <para>Why hand-written messages and not classes generated from onnx.proto: the exporter writes six messages
/// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto and the type/shape messages inside
/// it) and reads none back, so a build-time protobuf compiler (a native protoc from Grpc.Tools) buys nothing but a
/// toolchain dependency. Every field number below is the one of the published schema,
/// https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (Apache-2.0); the tests check every file with ONNX Runtime
/// and with onnx.checker, two readers independent of this writer.</para>
/// <para>Target: IR version 8 with the default-domain opset 17 (ONNX 1.12, the onnx of Debian 12's python3-onnx,
/// whose checker is the reference here; ONNX Runtime 1.32 runs it).</para>
/// </summary>
public sealed class OnnxGraph
{
    public const long IrVersion = 8;
    public const long Opset = 17;

    private readonly List<(string Op, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes)> _nodes = new();
    private readonly List<(string Name, OnnxType Type, long[] Dims, byte[] Raw)> _initializers = new();
    private readonly List<(string Name, OnnxType Type, OnnxDim[] Dims)> _inputs = new(), _outputs = new();
    private readonly HashSet<string> _names = new();
    private readonly Dictionary<string, int> _counters = new();

    public string Name { get; }
    /// <summary>Key/value pairs written into the model's metadata_props (algorithm, env, action space…).</summary>
    public Dictionary<string, string> Metadata { get; } = new();
    public string DocString { get; set; } = "";

    public IReadOnlyList<(string Name, OnnxType Type, OnnxDim[] Dims)> Inputs => _inputs;
    public IReadOnlyList<(string Name, OnnxType Type, OnnxDim[] Dims)> Outputs => _outputs;
    /// <summary>The distinct op types the graph uses, sorted (for docs and tests).</summary>
    public IReadOnlyList<string> OpTypes => _nodes.Select(n => n.Op).Distinct().OrderBy(o => o, StringComparer.Ordinal).ToList();

    public OnnxGraph(string name) => Name = name;

    private string Fresh(string hint)
    {
        _counters.TryGetValue(hint, out int k);
        string name;
        do { name = $"{hint}_{k++}"; } while (_names.Contains(name));
        _counters[hint] = k;
        _names.Add(name);
        return name;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name)) throw new ArgumentException($"the ONNX graph already has a value named '{name}'");
    }

    /// <summary>Declares a graph input; returns its name (the value nodes read).</summary>
    public string Input(string name, OnnxType type, params OnnxDim[] dims)
    {
        Claim(name);
        _inputs.Add((name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output under <paramref name="name"/> (an Identity node renames it).</summary>
    public void Output(string value, string name, OnnxType type, params OnnxDim[] dims)
    {
        Claim(name);
        _nodes.Add(("Identity", new[] { value }, new[] { name }, Array.Empty<OnnxAttribute>()));
        _outputs.Add((name, type, dims));
    }

    /// <summary>A float initializer of shape <paramref name="dims"/> (row-major data).</summary>
    public string Constant(string hint, ReadOnlySpan<float> data, params long[] dims)
    {
        CheckCount(hint, data.Length, dims);
        string name = Fresh(hint);
        _initializers.Add((name, OnnxType.Float, dims, MemoryMarshal.AsBytes(data).ToArray()));
        return name;
    }

    /// <summary>An int64 initializer of shape <paramref name="dims"/>.</summary>
    public string Constant(string hint, ReadOnlySpan<long> data, params long[] dims)
    {
        CheckCount(hint, data.Length, dims);
        string name = Fresh(hint);
        _initializers.Add((name, OnnxType.Int64, dims, MemoryMarshal.AsBytes(data).ToArray()));
        return name;
    }

    /// <summary>A scalar (rank-0) float initializer.</summary>
    public string Scalar(string hint, float value) => Constant(hint, new[] { value });

    /// <summary>A 1-D int64 initializer (axes, shapes, slice bounds).</summary>
    public string Ints(string hint, params long[] values) => Constant(hint, values, values.Length);

    private static void CheckCount(string hint, int count, long[] dims)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        if (n != count) throw new ArgumentException($"initializer '{hint}': {count} values do not fill the shape [{string.Join(", ", dims)}]");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not");
    }

    /// <summary>A node with one output; returns the output's name.</summary>
    public string Node(string op, IEnumerable<string> inputs, params OnnxAttribute[] attributes) =>
        Node(op, inputs, 1, attributes)[0];

    /// <summary>A node with <paramref name="outputs"/> outputs; returns their names. An empty input name marks an omitted optional input.</summary>
    public string[] Node(string op, IEnumerable<string> inputs, int outputs, params OnnxAttribute[] attributes)
    {
        var outs = new string[outputs];
        for (int i = 0; i < outputs; i++) outs[i] = Fresh(op.ToLowerInvariant());
        _nodes.Add((op, inputs.ToArray(), outs, attributes));
        return outs;
    }

    // ---- the wire format (field numbers of onnx.proto) ----

    /// <summary>The ModelProto bytes: IR version, producer, the opset import, the graph and the metadata.</summary>
    public byte[] ToModelBytes(string producerVersion = "")
    {
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint); w.WriteInt64(IrVersion);          // ir_version
            WriteString(w, 2, "astromech");                                                // producer_name
            if (producerVersion.Length > 0) WriteString(w, 3, producerVersion);            // producer_version
            if (DocString.Length > 0) WriteString(w, 6, DocString);                        // doc_string
            WriteMessage(w, 7, GraphBytes());                                              // graph
            WriteMessage(w, 8, Message(o =>                                                // opset_import (OperatorSetIdProto)
            {
                WriteString(o, 1, "");                                                     //   domain: the default ai.onnx
                o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(Opset);            //   version
            }));
            foreach (var (k, v) in Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                WriteMessage(w, 14, Message(e => { WriteString(e, 1, k); WriteString(e, 2, v); })); // metadata_props
        });
    }

    private byte[] GraphBytes() => Message(w =>
    {
        foreach (var n in _nodes) WriteMessage(w, 1, NodeBytes(n));                       // node
        WriteString(w, 2, Name);                                                          // name
        foreach (var t in _initializers) WriteMessage(w, 5, TensorBytes(t));              // initializer
        foreach (var v in _inputs) WriteMessage(w, 11, ValueInfoBytes(v));                // input
        foreach (var v in _outputs) WriteMessage(w, 12, ValueInfoBytes(v));               // output
    });

    private static byte[] NodeBytes((string Op, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes) n) => Message(w =>
    {
        foreach (var i in n.Inputs) WriteString(w, 1, i);                                 // input
        foreach (var o in n.Outputs) WriteString(w, 2, o);                                // output
        WriteString(w, 3, n.Outputs[0] + "_node");                                        // name
        WriteString(w, 4, n.Op);                                                          // op_type
        foreach (var a in n.Attributes) WriteMessage(w, 5, AttributeBytes(a));            // attribute
    });

    private static byte[] AttributeBytes(OnnxAttribute a) => Message(w =>
    {
        WriteString(w, 1, a.Name);                                                        // name
        if (a.Float is float f)
        {
            w.WriteTag(2, WireFormat.WireType.Fixed32); w.WriteFloat(f);                  // f
            w.WriteTag(20, WireFormat.WireType.Varint); w.WriteEnum(1);                   // type = FLOAT
        }
        else if (a.Int is long i)
        {
            w.WriteTag(3, WireFormat.WireType.Varint); w.WriteInt64(i);                   // i
            w.WriteTag(20, WireFormat.WireType.Varint); w.WriteEnum(2);                   // type = INT
        }
        else if (a.Ints is long[] ints)
        {
            foreach (var v in ints) { w.WriteTag(8, WireFormat.WireType.Varint); w.WriteInt64(v); } // ints
            w.WriteTag(20, WireFormat.WireType.Varint); w.WriteEnum(7);                   // type = INTS
        }
        else throw new ArgumentException($"attribute '{a.Name}' has no value");
    });

    private static byte[] TensorBytes((string Name, OnnxType Type, long[] Dims, byte[] Raw) t) => Message(w =>
    {
        foreach (var d in t.Dims) { w.WriteTag(1, WireFormat.WireType.Varint); w.WriteInt64(d); } // dims
        w.WriteTag(2, WireFormat.WireType.Varint); w.WriteInt32((int)t.Type);             // data_type
        WriteString(w, 8, t.Name);                                                        // name
        w.WriteTag(9, WireFormat.WireType.LengthDelimited); w.WriteBytes(ByteString.CopyFrom(t.Raw)); // raw_data
    });

    private static byte[] ValueInfoBytes((string Name, OnnxType Type, OnnxDim[] Dims) v) => Message(w =>
    {
        WriteString(w, 1, v.Name);                                                        // name
        WriteMessage(w, 2, Message(type =>                                                // type (TypeProto)
            WriteMessage(type, 1, Message(tensor =>                                       //   tensor_type
            {
                tensor.WriteTag(1, WireFormat.WireType.Varint); tensor.WriteInt32((int)v.Type); // elem_type
                WriteMessage(tensor, 2, Message(shape =>                                  //   shape (TensorShapeProto)
                {
                    foreach (var d in v.Dims)
                        WriteMessage(shape, 1, Message(dim =>                             //     dim
                        {
                            if (d.Param is string p) WriteString(dim, 2, p);              //       dim_param
                            else { dim.WriteTag(1, WireFormat.WireType.Varint); dim.WriteInt64(d.Value); } // dim_value
                        }));
                }));
            }))));
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        using (var w = new CodedOutputStream(ms, leaveOpen: true))
        {
            write(w);
            w.Flush();
        }
        return ms.ToArray();
    }

    private static void WriteString(CodedOutputStream w, int field, string value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteString(value);
    }

    private static void WriteMessage(CodedOutputStream w, int field, byte[] message)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(message));
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically: a temp file beside it, then a rename.</summary>
    public void Save(string path, string producerVersion = "")
    {
        var bytes = ToModelBytes(producerVersion);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"cannot write '{path}': the folder '{dir}' does not exist");
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
