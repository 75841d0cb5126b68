using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Training.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Training;

public class CheckpointTests
{
    private static Checkpoint Sample() => new Checkpoint()
        .SetJson("config", new JsonObject { ["learning_rate"] = 1e-4, ["env"] = "CartPole-v1" })
        .SetJson("counters", new Counters(12345, 67))
        .SetText("note", "héllo")
        .SetBytes("empty", Array.Empty<byte>());

    private sealed record Counters(long Step, long Episodes);

    [Fact]
    public void RoundTrip_PreservesSectionsInOrder()
    {
        using var dir = new TempDir();
        var path = dir.File("checkpoint.ckpt");
        var rng = new Rng(7);
        rng.NextDouble();
        CheckpointFile.Write(path, Sample().SetRng("rng", rng));
        double expectedNext = rng.NextDouble();

        var loaded = CheckpointFile.Read(path);
        Assert.Equal(new[] { "config", "counters", "note", "empty", "rng" }, loaded.SectionNames);
        Assert.Equal("CartPole-v1", (string)loaded.GetJsonNode("config")["env"]!);
        Assert.Equal(1e-4, (double)loaded.GetJsonNode("config")["learning_rate"]!);
        Assert.Equal(new Counters(12345, 67), loaded.GetJson<Counters>("counters"));
        Assert.Equal("héllo", loaded.GetText("note"));
        Assert.Empty(loaded.GetBytes("empty"));
        var restored = new Rng(999);
        loaded.RestoreRng("rng", restored);
        Assert.Equal(expectedNext, restored.NextDouble());
        Assert.Equal(path, loaded.SourcePath);
        Assert.False(Directory.EnumerateFiles(dir.Path, "*.tmp").Any());
    }

    [Fact]
    public void MissingFile_Throws()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(dir.File("nope.ckpt")));
        Assert.Contains("nope.ckpt", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void CorruptByte_ThrowsChecksumError_AndLeavesFileUnchanged()
    {
        using var dir = new TempDir();
        var path = dir.File("c.ckpt");
        CheckpointFile.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var before = File.GetLastWriteTimeUtc(path);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("checksum", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(before, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void TruncatedFile_Throws()
    {
        using var dir = new TempDir();
        var path = dir.File("c.ckpt");
        CheckpointFile.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        foreach (int keep in new[] { bytes.Length - 1, bytes.Length / 2, 20 })
        {
            File.WriteAllBytes(path, bytes[..keep]);
            var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));
            Assert.Contains("truncated", e.Message);
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void WrongMagic_And_WrongVersion_Throw()
    {
        using var dir = new TempDir();
        var path = dir.File("x.ckpt");
        File.WriteAllText(path, "{\"this is\": \"json\"}");
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));
        Assert.Contains("is not an Astromech checkpoint", e.Message);
        File.WriteAllBytes(path, Array.Empty<byte>());
        Assert.Contains("is not an Astromech checkpoint", Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path)).Message);

        CheckpointFile.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        bytes[14] = 9; // version field
        File.WriteAllBytes(path, bytes);
        e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));
        Assert.Contains("format version 9", e.Message);
    }

    [Fact]
    public void MissingSection_NamesIt()
    {
        using var dir = new TempDir();
        var path = dir.File("c.ckpt");
        CheckpointFile.Write(path, Sample());
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path).GetBytes("optimizer"));
        Assert.Contains("'optimizer'", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("config, counters, note, empty", e.Message);
    }

    [Fact]
    public void FailedWrite_LeavesOldFileIntact_AndNoTempFiles()
    {
        using var dir = new TempDir();
        var path = dir.File("c.ckpt");
        CheckpointFile.Write(path, Sample());
        var good = File.ReadAllBytes(path);

        var bad = Sample().SetStream("big", s => { s.Write(new byte[100_000]); throw new IOException("disk on fire"); });
        var e = Assert.Throws<IOException>(() => CheckpointFile.Write(path, bad));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
        Assert.Equal("CartPole-v1", (string)CheckpointFile.Read(path).GetJsonNode("config")["env"]!);
    }

    [Fact]
    public void EnsureMatches_ExplainsMismatch()
    {
        Checkpoint.EnsureMatches("env", "CartPole-v1", "CartPole-v1");
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.EnsureMatches("env", "CartPole-v1", "Acrobot-v1"));
        Assert.Equal("checkpoint was made for env CartPole-v1, but this run uses Acrobot-v1", e.Message);
        Assert.Throws<CheckpointException>(() => Checkpoint.EnsureMatches("observation size", 4, 6));
    }

    [Fact]
    public void LinearModule_AndAdamState_RoundTripExactly()
    {
        using var dir = new TempDir();
        var path = dir.File("net.ckpt");
        torch.manual_seed(1);
        using var net = nn.Linear(4, 3);
        using var opt = optim.Adam(net.parameters(), lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            var x = randn(8, 4);
            for (int i = 0; i < 3; i++)
            {
                opt.zero_grad();
                net.call(x).pow(2).sum().backward();
                opt.step();
            }
        }
        CheckpointFile.Write(path, new Checkpoint().SetModule("model", net).SetOptimizer("optimizer", opt));

        torch.manual_seed(2);
        using var net2 = nn.Linear(4, 3);
        using var opt2 = optim.Adam(net2.parameters(), lr: 0.01);
        var loaded = CheckpointFile.Read(path);
        loaded.LoadModule("model", net2);
        loaded.LoadOptimizer("optimizer", opt2);
        Assert.Equal(net.weight!.data<float>().ToArray(), net2.weight!.data<float>().ToArray());
        Assert.Equal(net.bias!.data<float>().ToArray(), net2.bias!.data<float>().ToArray());

        // Same optimizer state ⇒ the next step moves both networks identically.
        using (var scope = NewDisposeScope())
        {
            var x = randn(8, 4);
            foreach (var (n, o) in new[] { (net, opt), (net2, opt2) })
            {
                o.zero_grad();
                n.call(x).pow(2).sum().backward();
                o.step();
            }
        }
        Assert.Equal(net.weight!.data<float>().ToArray(), net2.weight!.data<float>().ToArray());

        using var wrong = nn.Linear(5, 3);
        var e = Assert.Throws<CheckpointException>(() => loaded.LoadModule("model", wrong));
        Assert.Contains("section 'model'", e.Message);
    }
}
