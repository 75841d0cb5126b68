using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Nn;

/// <summary>
/// Native scalars that stay alive, for tensor arithmetic on agent threads.
/// <para>In TorchSharp 0.107 every implicit <c>double → Scalar</c> conversion (<c>x * 0.5</c>, <c>x.clamp(-1, 1)</c>,
/// <c>add_(g, alpha: a)</c>) allocates a native scalar that only the finalizer frees, and the managed
/// <see cref="Scalar"/> is already unreachable while the native op still reads it. With several threads
/// allocating, a garbage collection can land inside that native call and the finalizer frees the scalar under
/// it: A3C with 2 workers died with libtorch's "Unknown scalar type" in 2 of 3 runs of 500k steps. Code that
/// runs on agent threads therefore passes constants through <see cref="Of"/> (one cached scalar per value,
/// never freed) or holds a per-call scalar in a <c>using</c> (see <see cref="Optimizers"/>); tensor
/// temporaries stay safe inside a dispose scope, which keeps them reachable.</para>
/// <para>Beware that TorchSharp adds hidden implicit scalars of its own: <c>a + b</c> and <c>a.add(b)</c> pass
/// α = 1 as a fresh scalar, as do <c>add(Scalar)</c> and <c>add_(Scalar)</c>; write <see cref="Plus(Tensor, Tensor)"/>
/// and <see cref="Plus(Tensor, double)"/> instead; <c>square()</c> is <c>pow(2)</c> with an implicit 2, so write
/// <see cref="Squared"/>. <c>a - b</c>, <c>a * b</c>, <c>a / b</c> between tensors
/// are safe.</para>
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Cache = new();

    /// <summary>A process-lifetime scalar for the constant <paramref name="value"/>. Use it for constants only
    /// (coefficients, clip bounds): each distinct value is kept forever.</summary>
    public static Scalar Of(double value) => Cache.GetOrAdd(value, v => v.ToScalar());

    /// <summary>The scalar 1 (the α of an addition).</summary>
    public static Scalar One { get; } = Of(1.0);

    /// <summary>a + b with a kept-alive α (what <c>a + b</c> does, minus its finalizer-freed scalar).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>x² elementwise (x·x; TorchSharp's square() passes a finalizer-freed exponent).</summary>
    public static Tensor Squared(this Tensor x) => x.mul(x);

    /// <summary>softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) (finite for any x) without
    /// TorchSharp's softplus, which passes β and its threshold as finalizer-freed scalars.</summary>
    public static Tensor Softplus(this Tensor x) => nn.functional.relu(x).Plus(x.abs().neg().exp().log1p());

    /// <summary>a + c for a constant c.</summary>
    public static Tensor Plus(this Tensor a, double c) => a.add(Of(c), One);
}
