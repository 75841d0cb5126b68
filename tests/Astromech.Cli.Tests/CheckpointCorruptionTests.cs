using System.Buffers.Binary;
using System.Text;
using Astromech.Training;

namespace Astromech.Cli.Tests;

/// <summary>
/// Every section of a real run's checkpoint corrupted in turn, then resumed from with <c>train --resume</c>: a truncated
/// section with its length and CRC recomputed (so only the content is wrong), a wrong declared length with the CRC
/// recomputed, a bit flip left under the old CRC, and one under a recomputed CRC. Each must be refused with a checkpoint
/// error (exit 2, one line) naming the file (and the section, where only the section's content is wrong) — never a raw
/// .NET exception (exit 1) — and the file must be left byte for byte as it was. A flipped bit inside a float the CRC was
/// recomputed over is valid content, so that one may also load.
/// </summary>
public class CheckpointCorruptionTests
{
    private sealed record Section(string Name, int LengthAt, int DataAt, int Length);

    /// <summary>The section table of a checkpoint (layout in CheckpointFile's summary).</summary>
    private static List<Section> Sections(byte[] b)
    {
        var list = new List<Section>();
        int pos = 14 + 4;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos));
        pos += 4;
        for (int i = 0; i < count; i++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(pos));
            string name = Encoding.UTF8.GetString(b, pos + 2, nameLength);
            int lengthAt = pos + 2 + nameLength;
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(lengthAt));
            list.Add(new Section(name, lengthAt, lengthAt + 8, length));
            pos = lengthAt + 8 + length;
        }
        return list;
    }

    private static byte[] WithCrc(byte[] b)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(b.Length - 4), Crc32C.Compute(b.AsSpan(0, b.Length - 4)));
        return b;
    }

    /// <summary>The section's content cut to half, its declared length and the file's CRC made to match.</summary>
    private static byte[] Truncated(byte[] original, Section s)
    {
        int keep = s.Length / 2;
        var b = original.Take(s.DataAt + keep).Concat(original.Skip(s.DataAt + s.Length)).ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(s.LengthAt), (ulong)keep);
        return WithCrc(b);
    }

    private static byte[] WrongLength(byte[] original, Section s, long delta)
    {
        var b = (byte[])original.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(s.LengthAt), (ulong)(s.Length + delta));
        return WithCrc(b);
    }

    private static byte[] Flipped(byte[] original, Section s, bool recomputeCrc)
    {
        var b = (byte[])original.Clone();
        b[s.DataAt + s.Length / 2] ^= 0x10;
        return recomputeCrc ? WithCrc(b) : b;
    }

    [Fact]
    public void EveryCorruptedSectionIsANamedCheckpointErrorAndTheFileIsLeftAsItWas()
    {
        string root = Directory.CreateTempSubdirectory("astromech-corrupt-").FullName;
        string run = Path.Combine(root, "run");
        string[] common = { "--algo", "dqn", "--env", "CartPole-v1", "--no-progress", "--eval-episodes", "1", "--set", "learning_starts=100", "--set", "buffer_size=400" };
        var (code0, _, err0) = CliRunner.Run(new[] { "train", "--steps", "300", "--out", run }.Concat(common).ToArray());
        Assert.True(code0 == 0, err0);
        byte[] original = File.ReadAllBytes(Path.Combine(run, "checkpoint.ckpt"));
        var sections = Sections(original);
        Assert.Contains(sections, s => s.Name == "trainer/meta");
        Assert.Contains(sections, s => s.Name.StartsWith("dqn/replay"));

        var failures = new List<string>();
        int n = 0;
        void Case(string what, Section s, byte[] bytes, bool mayLoad, bool namesSection)
        {
            string path = Path.Combine(root, $"case-{n++}.ckpt");
            File.WriteAllBytes(path, bytes);
            var (code, _, err) = CliRunner.Run(new[] { "train", "--steps", "301", "--out", Path.Combine(root, $"out-{n}"), "--resume", path }.Concat(common).ToArray());
            string line = err.Trim();
            bool refused = code == 2 && !line.Contains('\n') && line.Contains(path) && (!namesSection || line.Contains($"'{s.Name}'"));
            if (!(refused || mayLoad && code == 0)) failures.Add($"{s.Name}, {what}: exit {code}: {line}");
            if (!File.ReadAllBytes(path).SequenceEqual(bytes)) failures.Add($"{s.Name}, {what}: the file was modified");
        }
        foreach (var s in sections)
        {
            if (s.Length >= 2) Case("content truncated to half (length and CRC recomputed)", s, Truncated(original, s), mayLoad: false, namesSection: true);
            Case("declared length + 1 (CRC recomputed)", s, WrongLength(original, s, 1), mayLoad: false, namesSection: false);
            Case("declared length − 1 (CRC recomputed)", s, WrongLength(original, s, -1), mayLoad: false, namesSection: false);
            Case("declared length 2^40 (CRC recomputed)", s, WrongLength(original, s, 1L << 40), mayLoad: false, namesSection: false);
            if (s.Length > 0)
            {
                Case("bit flip under the old CRC", s, Flipped(original, s, recomputeCrc: false), mayLoad: false, namesSection: false);
                Case("bit flip, CRC recomputed", s, Flipped(original, s, recomputeCrc: true), mayLoad: true, namesSection: false);
            }
        }
        for (int cut = 1; cut < original.Length; cut += original.Length / 7)
            Case($"file cut at byte {cut}", sections[0], original.Take(cut).ToArray(), mayLoad: false, namesSection: false);
        Assert.True(failures.Count == 0, $"{failures.Count} of {n} cases:\n" + string.Join("\n", failures));
    }
}
