using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Astromech.Cluster.Serialization;

/// <summary>
/// Writes the fields of one message into a byte array sized in advance: little-endian scalars, and arrays as
/// an int32 length followed by the elements' raw bytes (one <see cref="MemoryMarshal"/> block copy, no per-element
/// work). The whole payload of a float[] message is its floats plus a few header bytes.
/// </summary>
public ref struct WireWriter
{
    private readonly Span<byte> _buf;
    private int _pos;

    public WireWriter(Span<byte> buffer) { _buf = buffer; _pos = 0; }

    public int Position => _pos;

    public static int SizeOf<T>(T[] array) where T : unmanaged => 4 + array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    public void Byte(byte v) => _buf[_pos++] = v;
    public void Bool(bool v) => _buf[_pos++] = v ? (byte)1 : (byte)0;
    public void Int(int v) { BinaryPrimitives.WriteInt32LittleEndian(_buf[_pos..], v); _pos += 4; }
    public void Long(long v) { BinaryPrimitives.WriteInt64LittleEndian(_buf[_pos..], v); _pos += 8; }
    public void Double(double v) { BinaryPrimitives.WriteDoubleLittleEndian(_buf[_pos..], v); _pos += 8; }

    public static int SizeOf(string s) => 4 + System.Text.Encoding.UTF8.GetByteCount(s);

    /// <summary>A string as its UTF-8 bytes with a length prefix.</summary>
    public void String(string s)
    {
        int n = System.Text.Encoding.UTF8.GetBytes(s, _buf[(_pos + 4)..]);
        Int(n);
        _pos += n;
    }

    public void Array<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        Int(values.Length);
        var bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(_buf[_pos..]);
        _pos += bytes.Length;
    }
}

/// <summary>Reads what <see cref="WireWriter"/> wrote; a truncated or malformed payload is an <see cref="InvalidDataException"/>.</summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _buf;
    private int _pos;

    public WireReader(ReadOnlySpan<byte> buffer) { _buf = buffer; _pos = 0; }

    public bool AtEnd => _pos == _buf.Length;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _pos + n > _buf.Length) throw new InvalidDataException($"message payload is truncated: needs {n} more bytes at offset {_pos} of {_buf.Length}");
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public byte Byte() => Take(1)[0];
    public bool Bool() => Take(1)[0] != 0;
    public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public string String() => System.Text.Encoding.UTF8.GetString(Array<byte>());

    public T[] Array<T>() where T : unmanaged
    {
        int n = Int();
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (n < 0 || (long)n * size > _buf.Length - _pos) throw new InvalidDataException($"message payload is truncated or corrupt: it declares {n} array elements, more than its {_buf.Length - _pos} remaining bytes hold");
        var a = new T[n];
        Take(n * size).CopyTo(MemoryMarshal.AsBytes(a.AsSpan()));
        return a;
    }
}
