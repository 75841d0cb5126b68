using System.Buffers.Binary;
using System.Text;

namespace Astromech.Training.Checkpoints;

/// <summary>
/// The on-disk checkpoint format, little-endian:
/// <code>
/// magic     "ASTROMECH\0CKPT" (14 bytes)
/// version   uint32 (currently 1)
/// count     uint32 section count
/// sections  count × { uint16 name length, UTF-8 name, uint64 data length, data }
/// crc       uint32 CRC-32C of every byte above
/// </code>
/// Writes are atomic (temp file, fsync, rename); reads verify magic, version and checksum and never modify the file.
/// </summary>
public static class CheckpointFile
{
    public static ReadOnlySpan<byte> Magic => "ASTROMECH\0CKPT"u8;
    public const uint FormatVersion = 1;
    public const int MaxNameBytes = ushort.MaxValue;

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically: a crash or an exception leaves any previous file intact.</summary>
    public static void Write(string path, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        AtomicFile.Write(path, stream =>
        {
            var hashing = new CrcWriter(stream);
            Span<byte> buf = stackalloc byte[8];
            hashing.Write(Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(buf, FormatVersion); hashing.Write(buf[..4]);
            BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)checkpoint.Sections.Count); hashing.Write(buf[..4]);
            foreach (var section in checkpoint.Sections)
            {
                byte[] data = section.Data ?? Produce(section);
                byte[] name = Encoding.UTF8.GetBytes(section.Name);
                BinaryPrimitives.WriteUInt16LittleEndian(buf, (ushort)name.Length); hashing.Write(buf[..2]);
                hashing.Write(name);
                BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)data.Length); hashing.Write(buf);
                hashing.Write(data);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(buf, hashing.Crc);
            stream.Write(buf[..4]);
        });
    }

    private static byte[] Produce(Checkpoint.Section section)
    {
        using var ms = new MemoryStream();
        section.Writer!(ms);
        return ms.ToArray();
    }

    /// <summary>Reads and verifies a checkpoint. Throws <see cref="CheckpointException"/> naming the file and the problem.</summary>
    public static Checkpoint Read(string path)
    {
        byte[] bytes;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (fs.Length > Array.MaxLength) throw new CheckpointException($"checkpoint '{path}' is too large to load ({fs.Length} bytes)");
            bytes = new byte[fs.Length];
            fs.ReadExactly(bytes);
        }
        catch (FileNotFoundException) { throw new CheckpointException($"checkpoint '{path}' does not exist"); }
        catch (DirectoryNotFoundException) { throw new CheckpointException($"checkpoint '{path}' does not exist (no such directory)"); }
        catch (UnauthorizedAccessException e) { throw new CheckpointException($"checkpoint '{path}' cannot be read: {e.Message}", e); }
        return Parse(bytes, path);
    }

    /// <summary>Parses checkpoint bytes (as read from <paramref name="path"/>, used in messages).</summary>
    public static Checkpoint Parse(byte[] bytes, string path = "<memory>")
    {
        int headerLength = Magic.Length + 8;
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException($"'{path}' is not an Astromech checkpoint (its first bytes are not the checkpoint signature)");
        if (bytes.Length < headerLength + 4)
            throw new CheckpointException($"checkpoint '{path}' is truncated ({bytes.Length} bytes, shorter than a header)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Magic.Length));
        if (version != FormatVersion)
            throw new CheckpointException($"checkpoint '{path}' has format version {version}; this build of Astromech reads version {FormatVersion}");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        uint actual = Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4));
        if (stored != actual)
            throw new CheckpointException($"checkpoint '{path}' is corrupt or truncated (checksum mismatch: stored {stored:x8}, computed {actual:x8}); use an older checkpoint");

        var checkpoint = new Checkpoint { SourcePath = path };
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Magic.Length + 4));
        int pos = headerLength, end = bytes.Length - 4;
        for (uint i = 0; i < count; i++)
        {
            if (end - pos < 2) throw Truncated(path, i);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos));
            pos += 2;
            if (end - pos < nameLength + 8) throw Truncated(path, i);
            string name = Encoding.UTF8.GetString(bytes, pos, nameLength);
            pos += nameLength;
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
            pos += 8;
            if ((ulong)(end - pos) < length) throw Truncated(path, i);
            if (checkpoint.Contains(name)) throw new CheckpointException($"checkpoint '{path}' is malformed: section '{name}' appears twice");
            checkpoint.SetBytes(name, bytes.AsSpan(pos, (int)length).ToArray());
            pos += (int)length;
        }
        if (pos != end) throw new CheckpointException($"checkpoint '{path}' is malformed: {end - pos} unexpected bytes after the last section");
        return checkpoint;
    }

    private static CheckpointException Truncated(string path, uint index) =>
        new($"checkpoint '{path}' is malformed: section {index} runs past the end of the file");

    /// <summary>Copies to a stream while computing the CRC-32C of everything written.</summary>
    private sealed class CrcWriter(Stream inner)
    {
        private uint _state = 0xFFFFFFFFu;
        public uint Crc => ~_state;

        public void Write(ReadOnlySpan<byte> data)
        {
            _state = Crc32C.Append(_state, data);
            inner.Write(data);
        }
    }
}
