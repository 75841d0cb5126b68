using System.Buffers.Binary;
using System.Text;

namespace Astromech.Training.Logging;

/// <summary>
/// Writes scalars to a TensorBoard event file <c>events.out.tfevents.&lt;unix-seconds&gt;.&lt;hostname&gt;</c>:
/// TFRecord framing (length, masked CRC-32C of the length, payload, masked CRC-32C of the payload) around hand-encoded
/// <c>tensorflow.Event</c> protobufs. The first record carries <c>file_version = "brain.Event:2"</c>.
/// </summary>
public sealed class TensorBoardSink : IMetricsSink
{
    public const string FileVersion = "brain.Event:2";

    private readonly FileStream _file;
    private readonly Dictionary<string, byte[]> _tagBytes = new();
    private byte[] _payload = new byte[256];
    private readonly byte[] _header = new byte[12];
    private readonly byte[] _footer = new byte[4];

    /// <summary>The event file written.</summary>
    public string FilePath { get; }

    /// <param name="logDir">The directory TensorBoard is pointed at (created if missing).</param>
    public TensorBoardSink(string logDir)
    {
        Directory.CreateDirectory(logDir);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string host = SafeHostName();
        string path = Path.Combine(logDir, $"events.out.tfevents.{now}.{host}");
        // Two sinks opened in the same second by one host would collide; add a counter (TensorBoard reads any suffix).
        for (int i = 1; File.Exists(path); i++) path = Path.Combine(logDir, $"events.out.tfevents.{now}.{host}.{i}");
        FilePath = path;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 14);
        WriteFileVersion();
        _file.Flush();
    }

    private static string SafeHostName()
    {
        string host;
        try { host = Environment.MachineName; } catch { host = "localhost"; }
        return string.IsNullOrWhiteSpace(host) ? "localhost" : host;
    }

    private static double UnixNow() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    private void WriteFileVersion()
    {
        int n = 0;
        n = PutDouble(_payload, n, 1, UnixNow());
        n = PutVarintField(_payload, n, 2, 0);
        n = PutBytesField(_payload, n, 3, Encoding.UTF8.GetBytes(FileVersion));
        WriteRecord(n);
    }

    public void WriteScalar(string name, double value, long step, double wallSeconds)
    {
        if (!_tagBytes.TryGetValue(name, out var tag)) _tagBytes[name] = tag = Encoding.UTF8.GetBytes(name);
        // Value { tag = 1 (string), simple_value = 2 (float) }
        int valueLen = 1 + VarintSize((ulong)tag.Length) + tag.Length + 1 + 4;
        // Summary { value = 1 (repeated Value) }
        int summaryLen = 1 + VarintSize((ulong)valueLen) + valueLen;
        int needed = 9 + 1 + 10 + 1 + VarintSize((ulong)summaryLen) + summaryLen;
        if (_payload.Length < needed) _payload = new byte[Math.Max(needed, _payload.Length * 2)];

        var p = _payload;
        int n = 0;
        n = PutDouble(p, n, 1, UnixNow());
        n = PutVarintField(p, n, 2, unchecked((ulong)step));
        n = PutTag(p, n, 5, 2);
        n = PutVarint(p, n, (ulong)summaryLen);
        n = PutTag(p, n, 1, 2);
        n = PutVarint(p, n, (ulong)valueLen);
        n = PutBytesField(p, n, 1, tag);
        n = PutTag(p, n, 2, 5);
        BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(n), (float)value);
        n += 4;
        WriteRecord(n);
    }

    private void WriteRecord(int length)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_header, (ulong)length);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(8), Crc32C.Mask(Crc32C.Compute(_header.AsSpan(0, 8))));
        BinaryPrimitives.WriteUInt32LittleEndian(_footer, Crc32C.Mask(Crc32C.Compute(_payload.AsSpan(0, length))));
        _file.Write(_header);
        _file.Write(_payload, 0, length);
        _file.Write(_footer);
    }

    private static int PutTag(byte[] b, int n, int field, int wireType) => PutVarint(b, n, (ulong)((field << 3) | wireType));

    private static int PutVarint(byte[] b, int n, ulong v)
    {
        while (v >= 0x80) { b[n++] = (byte)(v | 0x80); v >>= 7; }
        b[n++] = (byte)v;
        return n;
    }

    private static int VarintSize(ulong v)
    {
        int size = 1;
        while (v >= 0x80) { v >>= 7; size++; }
        return size;
    }

    private static int PutVarintField(byte[] b, int n, int field, ulong v) => PutVarint(b, PutTag(b, n, field, 0), v);

    private static int PutDouble(byte[] b, int n, int field, double v)
    {
        n = PutTag(b, n, field, 1);
        BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(n), v);
        return n + 8;
    }

    private static int PutBytesField(byte[] b, int n, int field, byte[] data)
    {
        n = PutTag(b, n, field, 2);
        n = PutVarint(b, n, (ulong)data.Length);
        data.CopyTo(b, n);
        return n + data.Length;
    }

    public void Flush() => _file.Flush();

    public IEnumerable<(string Path, long Bytes)> Extents() { yield return (Path.GetFullPath(FilePath), _file.Position); }

    public void Dispose() => _file.Dispose();
}
