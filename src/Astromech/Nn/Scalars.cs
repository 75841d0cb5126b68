using System.Collections.Concurrent;
using TorchSharp;

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
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Cache = new();

    /// <summary>A process-lifetime scalar for the constant <paramref name="value"/>. Use it for constants only
    /// (coefficients, clip bounds): each distinct value is kept forever.</summary>
    public static Scalar Of(double value) => Cache.GetOrAdd(value, v => v.ToScalar());
}
