using Astromech.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Nn;

public class TorchSharpLoadTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        // Fails with "libLibTorchSharp.so ... GLIBCXX_3.4.32 not found" if the build step did not run.
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }

    [Fact]
    public void DuelingHeadSubtractsMeanAdvantage()
    {
        torch.manual_seed(1);
        using var net = new QNetwork(3, 4, new[] { 8 }, dueling: true);
        using var x = torch.rand(5, 3);
        using var q = net.forward(x);
        Assert.Equal(new long[] { 5, 4 }, q.shape);
        // Q − mean_a Q equals A − mean_a A, whose mean over actions is zero; and mean_a Q = V.
        using var centred = q - q.mean(new long[] { 1 }, keepdim: true);
        Assert.True(centred.sum(1).abs().max().item<float>() < 1e-5f);
    }
}
