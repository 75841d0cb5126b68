using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Nn;

/// <summary>
/// The parameters of one or more modules as one flat float vector, in <c>parameters()</c> order, module after
/// module: how a learner publishes weights and how an actor loads them, in one process or over the wire.
/// </summary>
public static class ParameterVector
{
    /// <summary>Number of floats in the parameters of <paramref name="modules"/>.</summary>
    public static int Count(params nn.Module[] modules)
    {
        long n = 0;
        foreach (var m in modules)
            foreach (var p in m.parameters()) n += p.numel();
        return checked((int)n);
    }

    /// <summary>Copies the parameters of <paramref name="modules"/> into <paramref name="into"/> (length <see cref="Count"/>).</summary>
    public static void Read(Span<float> into, params nn.Module[] modules)
    {
        int off = 0;
        using var scope = NewDisposeScope();
        foreach (var m in modules)
            foreach (var p in m.parameters())
            {
                int n = (int)p.numel();
                if (off + n > into.Length) throw new ArgumentException($"parameter vector of {into.Length} floats is too short for the modules' {Count(modules)}");
                p.detach().contiguous().data<float>().CopyTo(into.Slice(off, n));
                off += n;
            }
        if (off != into.Length) throw new ArgumentException($"parameter vector has {into.Length} floats, the modules have {off}");
    }

    /// <summary>A new vector holding the parameters of <paramref name="modules"/>.</summary>
    public static float[] Read(params nn.Module[] modules)
    {
        var v = new float[Count(modules)];
        Read(v, modules);
        return v;
    }

    /// <summary>Overwrites the parameters of <paramref name="modules"/> with <paramref name="values"/> (length <see cref="Count"/>).</summary>
    public static void Write(ReadOnlySpan<float> values, params nn.Module[] modules)
    {
        int total = Count(modules);
        if (values.Length != total)
            throw new ArgumentException($"parameter vector has {values.Length} floats, the modules have {total} (a network of another shape?)");
        int off = 0;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var m in modules)
            foreach (var p in m.parameters())
            {
                int n = (int)p.numel();
                p.copy_(torch.tensor(values.Slice(off, n).ToArray(), p.shape));
                off += n;
            }
    }
}
