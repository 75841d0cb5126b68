using Astromech.Nn;
using static TorchSharp.torch;

namespace Astromech.Returns;

/// <summary>
/// The invertible value transform of Pohlen et al. (2018), used by R2D2 in place of reward clipping:
/// h(x) = sign(x)(√(|x| + 1) − 1) + εx, and its exact inverse
/// h⁻¹(x) = sign(x)( ((√(1 + 4ε(|x| + 1 + ε)) − 1) / (2ε))² − 1 ). Default ε = 1e-3.
/// <para>Both are evaluated in algebraically equal forms without cancellation:
/// √(|x|+1) − 1 = |x| / (√(|x|+1) + 1), so h(x) = x·(1/(√(|x|+1) + 1) + ε); and with z = √(|x'|+1) − 1 ≥ 0 the
/// inverse solves εz² + (1+2ε)z − |y| = 0 by the stable root z = 2|y| / ((1+2ε) + √((1+2ε)² + 4ε|y|)), where
/// (1+2ε)² + 4ε|y| = 1 + 4ε(|y| + 1 + ε) is the paper's radicand, giving h⁻¹(y) = sign(y)·z(z+2). In float32
/// the textbook forms cancel near 0 (√(|x|+1) − 1, and √(1.004…) − 1 divided by 2ε), losing most relative
/// precision for small |x|; these keep it, need no special case for ε = 0, and have the true gradient at 0
/// (½+ε and 2/(1+2ε)), where autograd through sign/abs gives ε and 0.</para>
/// <para>The tensor forms pass their constants through <see cref="Scalars.Of"/>: they run on agent threads
/// (R2D2's learner), where TorchSharp's implicit double → Scalar conversions are unsafe.</para>
/// </summary>
public static class ValueRescaling
{
    public const double DefaultEpsilon = 1e-3;

    public static double H(double x, double eps = DefaultEpsilon) => x * (1 / (Math.Sqrt(Math.Abs(x) + 1) + 1) + eps);

    public static double HInverse(double x, double eps = DefaultEpsilon)
    {
        double d = 1 + 2 * eps + Math.Sqrt(1 + 4 * eps * (Math.Abs(x) + 1 + eps));
        double z = 2 * Math.Abs(x) / d;
        return 2 * x / d * (z + 2);
    }

    /// <summary>h in single precision (computed in double, rounded once).</summary>
    public static float H(float x, double eps = DefaultEpsilon) => (float)H((double)x, eps);

    /// <summary>h⁻¹ in single precision (computed in double, rounded once).</summary>
    public static float HInverse(float x, double eps = DefaultEpsilon) => (float)HInverse((double)x, eps);

    /// <summary>Elementwise h on a tensor (differentiable, in the tensor's dtype).</summary>
    public static Tensor H(Tensor x, double eps = DefaultEpsilon)
    {
        using var scope = NewDisposeScope();
        // Out-of-place throughout: autograd needs the intermediates (sqrt and reciprocal keep their outputs).
        return x.mul(x.abs().Plus(1.0).sqrt().Plus(1.0).reciprocal()).add(x, Scalars.Of(eps)).MoveToOuterDisposeScope();
    }

    /// <summary>Elementwise h⁻¹ on a tensor (differentiable, in the tensor's dtype).</summary>
    public static Tensor HInverse(Tensor x, double eps = DefaultEpsilon)
    {
        using var scope = NewDisposeScope();
        var d = x.abs().Plus(1 + eps).mul(Scalars.Of(4 * eps)).Plus(1).sqrt().Plus(1 + 2 * eps);
        var z = x.abs().mul(Scalars.Of(2)).div(d);
        return x.mul(Scalars.Of(2)).div(d).mul(z.Plus(2)).MoveToOuterDisposeScope();
    }
}
