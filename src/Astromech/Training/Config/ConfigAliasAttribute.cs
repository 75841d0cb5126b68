namespace Astromech.Training.Config;

/// <summary>
/// Marks a property as a flat alias of a key inside a nested record, kept so that configs written before the key moved
/// still bind: <c>[ConfigAlias("kickstart.weights")] public double[] KickstartWeights { get =&gt; Kickstart.Weights; init =&gt; ... }</c>
/// makes <c>kickstart_weights</c> bind to <c>kickstart.weights</c>. The target is a dotted snake_case path relative to the
/// record that declares the alias. Aliases bind (JSON, overrides) but are not written by <c>ToJson</c>; an alias and its target
/// given together with different values is an error naming both.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ConfigAliasAttribute(string target) : Attribute
{
    public string Target { get; } = target;
}
