using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Nn;

public class ConvTorsoTests
{
    [Fact]
    public void MinAtarTorsoHasThePapersLayersAndShapes()
    {
        torch.manual_seed(0);
        using var torso = new ConvTorso(4, 10, 10, new[] { 128 });
        Assert.Equal(400, torso.InputSize);
        Assert.Equal(128, torso.OutputSize);
        // conv: 4·16·3·3 + 16 = 592; fc: 16·8·8 = 1024 inputs → 128 units: 1024·128 + 128 = 131,200.
        Assert.Equal(592 + 131_200, torso.parameters().Sum(p => p.numel()));
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 5, 128 }, torso.forward(torch.rand(5, 400)).shape);
        Assert.Equal(new long[] { 3, 2, 128 }, torso.forward(torch.rand(3, 2, 400)).shape); // [T, B, obs] for recurrent nets
        var h = torso.forward(torch.rand(7, 400));
        Assert.True(h.min().item<float>() >= 0); // ends in a ReLU
    }

    [Fact]
    public void ConvTorsoSeesSpatialStructure()
    {
        // One active cell in two different places gives two different feature vectors.
        torch.manual_seed(1);
        using var torso = new ConvTorso(1, 10, 10, new[] { 16 });
        using var scope = NewDisposeScope();
        var a = torch.zeros(1, 100);
        a[0, 3 * 10 + 3] = torch.tensor(1f);
        var b = torch.zeros(1, 100);
        b[0, 6 * 10 + 6] = torch.tensor(1f);
        Assert.False(torso.forward(a).allclose(torso.forward(b)));
    }

    [Fact]
    public void WrongInputWidthIsAClearError()
    {
        using var torso = new ConvTorso(4, 10, 10, new[] { 128 });
        using var x = torch.rand(2, 300);
        var e = Assert.Throws<ArgumentException>(() => torso.forward(x));
        Assert.Contains("4x10x10", e.Message);
    }

    [Fact]
    public void AutoPicksConvForImagesAndMlpOtherwise()
    {
        Assert.Equal(TorsoKind.Conv, Torsos.Resolve(TorsoKind.Auto, new[] { 4, 10, 10 }));
        Assert.Equal(TorsoKind.Mlp, Torsos.Resolve(TorsoKind.Auto, new[] { 4 }));
        Assert.Equal(TorsoKind.Mlp, Torsos.Resolve(TorsoKind.Mlp, new[] { 4, 10, 10 }));
        var e = Assert.Throws<ArgumentException>(() => Torsos.Create(TorsoKind.Conv, new[] { 8 }, new[] { 32 }));
        Assert.Contains("C×H×W", e.Message);

        using var q = new QNetwork(new[] { 6, 10, 10 }, 4, new[] { 128 }, dueling: true, TorsoKind.Auto);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 3, 4 }, q.forward(torch.rand(3, 600)).shape);
        Assert.Contains(q.named_modules(), m => m.module is ConvTorso);
    }

    [Fact]
    public void RecurrentQNetworkAndActorCriticTakeTheConvTorsoForImages()
    {
        torch.manual_seed(2);
        using var scope = NewDisposeScope();
        using var rq = RecurrentQNetwork.Create(new[] { 4, 10, 10 }, 3, new[] { 128 }, lstmSize: 32);
        Assert.Contains(rq.named_modules(), m => m.module is ConvTorso);
        var (h, c) = rq.ZeroState(2);
        var (q, _, _) = rq.Unroll(torch.rand(5, 2, 400), torch.zeros(new long[] { 5, 2 }, ScalarType.Int64), torch.zeros(5, 2), h, c);
        Assert.Equal(new long[] { 5, 2, 3 }, q.shape);

        using var ac = new ActorCriticNetwork(new[] { 7, 10, 10 }, new Astromech.Envs.Spaces.Discrete(3), new[] { 128 }, Activation.Tanh,
            shareTorso: false, orthogonalInit: true, logStdInit: 0, TorsoKind.Auto);
        Assert.Equal(2, ac.named_modules().Count(m => m.module is ConvTorso)); // one for the policy, one for the value
        var (logits, value) = ac.forward(torch.rand(4, 700));
        Assert.Equal(new long[] { 4, 3 }, logits.shape);
        Assert.Equal(new long[] { 4 }, value.shape);
    }
}
