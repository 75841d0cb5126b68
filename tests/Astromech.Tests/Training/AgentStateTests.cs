using System.Text.Json.Nodes;
using Astromech.Agents.Dqn;
using Astromech.Envs;
using Astromech.Training.Checkpoints;
using TorchSharp;

namespace Astromech.Tests.Training;

public class AgentStateTests
{
    private sealed class Holder
    {
        public long Updates;
        public readonly Rng Rng = new(5);
        public readonly torch.nn.Module<torch.Tensor, torch.Tensor> Net = torch.nn.Linear(3, 2);
        public byte[] Blob = { 1, 2, 3 };
        public int ObsSize = 3;
        public DqnConfig Config = new();

        public AgentState State() => new AgentState("test")
            .Shape(("obs_size", "observation size", ObsSize))
            .Config(Config, "hidden")
            .Counters(o => o["updates"] = Updates, o => Updates = (long)o["updates"]!)
            .Module("net", Net)
            .Rng("rng", Rng)
            .Blob("blob", s => s.Write(Blob), s => { var ms = new MemoryStream(); s.CopyTo(ms); Blob = ms.ToArray(); });
    }

    [Fact]
    public void SaveAndLoadAreDerivedFromOneDeclaration()
    {
        var a = new Holder { Updates = 42, Blob = new byte[] { 9, 8 } };
        a.Rng.NextDouble();
        var c = new Checkpoint();
        a.State().Save(c);
        Assert.Equal(new[] { "test/shape", "test/config", "test/counters", "test/net", "test/rng", "test/blob", "test/state" }, c.SectionNames);

        var b = new Holder();
        b.State().Load(c);
        Assert.Equal(42, b.Updates);
        Assert.Equal(new byte[] { 9, 8 }, b.Blob);
        Assert.Equal(a.Rng.NextDouble(), b.Rng.NextDouble());
        using var x = torch.ones(1, 3);
        Assert.Equal(a.Net.forward(x).data<float>().ToArray(), b.Net.forward(x).data<float>().ToArray());
    }

    [Fact]
    public void LoadChecksShapeLayoutAndFormatBeforeRestoringAnything()
    {
        var c = new Checkpoint();
        new Holder { Updates = 7 }.State().Save(c);

        var otherShape = new Holder { ObsSize = 4 };
        var e = Assert.Throws<CheckpointException>(() => otherShape.State().Load(c));
        Assert.Equal("checkpoint was made for observation size 3, but this run uses 4", e.Message);
        Assert.Equal(0, otherShape.Updates); // nothing restored

        var otherLayout = new Holder { Config = new DqnConfig { Hidden = new[] { 8 } } };
        e = Assert.Throws<CheckpointException>(() => otherLayout.State().Load(c));
        Assert.Contains("hidden", e.Message);
        Assert.EndsWith("this run uses [8]", e.Message); // the checkpoint's value first, the run's last
        Assert.Equal(0, otherLayout.Updates);

        c.SetJson("test/state", new JsonObject { ["format"] = 2 });
        e = Assert.Throws<CheckpointException>(() => new Holder().State().Load(c));
        Assert.Contains("state format 2", e.Message);
        Assert.Contains($"format {AgentState.Format}", e.Message);
    }

    [Fact]
    public void ACheckpointWithoutTheFormatSectionOrTheOptionalBlobStillLoads()
    {
        var full = new Checkpoint();
        new Holder { Updates = 3 }.State().Save(full);
        var old = new Checkpoint();
        foreach (var name in full.SectionNames.Where(n => n is not ("test/state" or "test/blob")))
            old.SetBytes(name, full.GetBytes(name));
        var b = new Holder();
        b.State().Load(old);
        Assert.Equal(3, b.Updates);
        Assert.Equal(new byte[] { 1, 2, 3 }, b.Blob); // kept its own
    }
}
