namespace Astromech.Training.Config;

/// <summary>
/// Where a record sits inside the config being validated, so its messages can name keys the way a user writes them:
/// <see cref="Name"/>("weights") is <c>kickstart.weights</c> inside the <c>kickstart</c> record, followed by the flat alias
/// that also binds it when there is one (<c>kickstart.weights (alias kickstart_weights)</c>); at the top level it is the key itself.
/// </summary>
public sealed class ConfigPath
{
    /// <summary>The top level: keys are named as they are.</summary>
    public static readonly ConfigPath Root = new("", null);

    private readonly IReadOnlyDictionary<string, string>? _aliasByTarget;

    /// <summary>The canonical path of the record followed by a dot, or empty at the top level.</summary>
    public string Prefix { get; }

    internal ConfigPath(string prefix, IReadOnlyDictionary<string, string>? aliasByTarget)
    {
        Prefix = prefix;
        _aliasByTarget = aliasByTarget;
    }

    /// <summary>The dotted path of <paramref name="key"/> (a snake_case key of this record), with its alias if it has one.</summary>
    public string Name(string key)
    {
        string full = Prefix + key;
        return _aliasByTarget is not null && _aliasByTarget.TryGetValue(full, out var alias) ? $"{full} (alias {alias})" : full;
    }

    internal ConfigPath Enter(string key) => new(Prefix + key + ".", _aliasByTarget);
}
