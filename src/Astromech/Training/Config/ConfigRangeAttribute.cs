using System.Globalization;

namespace Astromech.Training.Config;

/// <summary>
/// The allowed range of a numeric config property (int, long, float, double, their nullables, or arrays of them:
/// each element is checked; null is allowed). Bounds are inclusive unless <see cref="MinExclusive"/> or
/// <see cref="MaxExclusive"/> is set; use <see cref="double.PositiveInfinity"/> for "no upper bound".
/// NaN is always out of range. Example: <c>[ConfigRange(0, 1, MinExclusive = true)]</c> means (0, 1].
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ConfigRangeAttribute(double min, double max) : Attribute
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    public bool MinExclusive { get; init; }
    public bool MaxExclusive { get; init; }

    public bool Contains(double value) =>
        (MinExclusive ? value > Min : value >= Min) && (MaxExclusive ? value < Max : value <= Max);

    /// <summary>Interval notation, e.g. "(0, 1]" or "[1, +inf)".</summary>
    public override string ToString() =>
        $"{(MinExclusive || double.IsNegativeInfinity(Min) ? '(' : '[')}{Format(Min)}, {Format(Max)}{(MaxExclusive || double.IsPositiveInfinity(Max) ? ')' : ']')}";

    internal static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "+inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Cross-field validation for a config record, run after binding and range checks.</summary>
public interface IValidatableConfig
{
    /// <summary>One message per problem (naming the keys involved in snake_case); empty when valid.</summary>
    IEnumerable<string> Validate();

    /// <summary>
    /// The same, for a record that may sit nested inside another: <paramref name="path"/> names its keys by their full dotted
    /// path (and alias). The binder calls this one; a record that is only ever used at the top level need not implement it.
    /// </summary>
    IEnumerable<string> Validate(ConfigPath path) => Validate();
}
