namespace Astromech.Training.Config;

/// <summary>A configuration could not be bound or is invalid. <see cref="Errors"/> lists every problem found.</summary>
public sealed class ConfigException : Exception
{
    public IReadOnlyList<string> Errors { get; }

    public ConfigException(string message) : base(message) => Errors = new[] { message };

    public ConfigException(string typeName, IReadOnlyList<string> errors)
        : base(errors.Count == 1 ? errors[0] : $"{typeName} has {errors.Count} errors:\n  - " + string.Join("\n  - ", errors))
        => Errors = errors;
}
