namespace Astromech.Envs.ClassicControl;

/// <summary>Validation for physical parameters set through <see cref="EnvArgAttribute"/> properties.</summary>
internal static class ParamCheck
{
    public static double Positive(double v, string name)
    {
        if (!(v > 0) || !double.IsFinite(v))
            throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite number > 0");
        return v;
    }

    public static double NonNegative(double v, string name)
    {
        if (!(v >= 0) || !double.IsFinite(v))
            throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite number >= 0");
        return v;
    }

    public static double Finite(double v, string name)
    {
        if (!double.IsFinite(v))
            throw new ArgumentOutOfRangeException(name, v, $"{name} must be finite");
        return v;
    }
}
