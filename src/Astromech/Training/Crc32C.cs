using System.Runtime.Intrinsics.X86;

namespace Astromech.Training;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by TFRecord framing and by Astromech checkpoints.
/// Uses the SSE4.2 <c>crc32</c> instruction when present, a lookup table otherwise.
/// </summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            table[i] = c;
        }
        return table;
    }

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    /// <summary>
    /// Continues a running CRC. Start with <c>0xFFFFFFFF</c>, feed the data in pieces, and take the bitwise
    /// complement of the result at the end (<see cref="Compute"/> does all three).
    /// </summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        uint crc = state;
        int i = 0;
        if (Sse42.X64.IsSupported)
        {
            ulong c = crc;
            for (; i + 8 <= data.Length; i += 8)
                c = Sse42.X64.Crc32(c, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
            crc = (uint)c;
            for (; i < data.Length; i++) crc = Sse42.Crc32(crc, data[i]);
            return crc;
        }
        for (; i < data.Length; i++) crc = Table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The table-driven path, exposed so tests can check it against the hardware path.</summary>
    internal static uint ComputePortable(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>The masked CRC of TFRecord framing: <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c>.</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}
