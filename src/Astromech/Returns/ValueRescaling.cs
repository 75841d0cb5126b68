using static TorchSharp.torch;

namespace Astromech.Returns;

/// <summary>
/// The invertible value transform of Pohlen et al. (2018), used by R2D2 in place of reward clipping:
/// h(x) = sign(x)(√(|x| + 1) − 1) + εx, and its exact inverse
/// h⁻¹(x) = sign(x)( ((√(1 + 4ε(|x| + 1 + ε)) − 1) / (2ε))² − 1 ). Default ε = 1e-3.
/// </summary>
public static class ValueRescaling
{
    public const double DefaultEpsilon = 1e-3;

    public static double H(double x, double eps = DefaultEpsilon) => Math.Sign(x) * (Math.Sqrt(Math.Abs(x) + 1) - 1) + eps * x;

    public static double HInverse(double x, double eps = DefaultEpsilon)
    {
        if (eps == 0) return Math.Sign(x) * ((Math.Abs(x) + 1) * (Math.Abs(x) + 1) - 1);
        double t = (Math.Sqrt(1 + 4 * eps * (Math.Abs(x) + 1 + eps)) - 1) / (2 * eps);
        return Math.Sign(x) * (t * t - 1);
    }

    /// <summary>Elementwise h on a tensor (differentiable).</summary>
    public static Tensor H(Tensor x, double eps = DefaultEpsilon)
    {
        using var scope = NewDisposeScope();
        return (x.sign() * ((x.abs() + 1).sqrt() - 1) + eps * x).MoveToOuterDisposeScope();
    }

    /// <summary>Elementwise h⁻¹ on a tensor (differentiable).</summary>
    public static Tensor HInverse(Tensor x, double eps = DefaultEpsilon)
    {
        using var scope = NewDisposeScope();
        Tensor r = eps == 0
            ? x.sign() * ((x.abs() + 1).pow(2) - 1)
            : x.sign() * (((1 + 4 * eps * (x.abs() + 1 + eps)).sqrt() - 1) / (2 * eps)).pow(2) - x.sign();
        return r.MoveToOuterDisposeScope();
    }
}
