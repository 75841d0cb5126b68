using System.Globalization;
using System.Reflection;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Registry;

/// <summary>One settable parameter of an env, as listed by <see cref="EnvArgs.Describe"/>.</summary>
public sealed record EnvArgInfo(string Name, Type Type, object? Value, string Help)
{
    public string FormattedValue => EnvArgs.Format(Value);
    public override string ToString() => Help.Length == 0 ? $"{Name} = {FormattedValue}" : $"{Name} = {FormattedValue}  ({Help})";
}

/// <summary>
/// Binds <c>name=value</c> strings (e.g. from <c>--env-arg gravity=12</c>) to the properties an env marks with
/// <see cref="EnvArgAttribute"/>: first those of the innermost env, then those of the wrappers around it (inner to
/// outer; e.g. <see cref="FlickerObservation"/>'s probability). A name declared at several levels goes to the innermost.
/// Supported property types: double, float, int, bool, string. Values are parsed with the invariant culture.
/// </summary>
public static class EnvArgs
{
    /// <summary>Sets each named parameter; unknown names and unparsable or rejected values throw <see cref="ArgumentException"/>.</summary>
    public static void Apply(IEnv env, IReadOnlyDictionary<string, string> args)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0) return;
        string id = EnvName(env);
        foreach (var (key, text) in args)
        {
            if (!TryFind(env, key, out var target, out var p))
            {
                var names = Describe(env).Select(d => d.Name).ToList();
                string valid = names.Count == 0 ? "it has no env args" : "valid names: " + string.Join(", ", names);
                throw new ArgumentException($"Unknown env arg '{key}' for {id}; {valid}.", nameof(args));
            }
            object value = Parse(key, text, p.Property.PropertyType, id);
            try
            {
                p.Property.SetValue(target, value);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new ArgumentException($"Env arg '{key}' of {id} rejects value '{text}': {e.InnerException.Message}", nameof(args), e.InnerException);
            }
        }
    }

    /// <summary>Every parameter of the innermost env and of its wrappers with its current value and help, sorted by name.</summary>
    public static IReadOnlyList<EnvArgInfo> Describe(IEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var list = new List<EnvArgInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in Chain(env))
        foreach (var (name, p) in Properties(target.GetType()))
            if (seen.Add(name))
                list.Add(new EnvArgInfo(name, p.Property.PropertyType, p.Property.GetValue(target), p.Attribute.Help));
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    /// <summary>Current value of one parameter (by its env-arg name).</summary>
    public static object? Get(IEnv env, string name)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (!TryFind(env, name, out var target, out var p))
            throw new ArgumentException($"Unknown env arg '{name}' for {EnvName(env)}.", nameof(name));
        return p.Property.GetValue(target);
    }

    /// <summary>The env and its wrappers, innermost first: the order in which a name is looked up.</summary>
    private static List<IEnv> Chain(IEnv env)
    {
        var chain = new List<IEnv>();
        for (IEnv e = env; ; e = ((Wrapper)e).Inner)
        {
            chain.Add(e);
            if (e is not Wrapper) break;
        }
        chain.Reverse();
        return chain;
    }

    private static bool TryFind(IEnv env, string name, out IEnv target, out Prop prop)
    {
        foreach (var e in Chain(env))
        {
            if (Properties(e.GetType()).TryGetValue(name, out prop))
            {
                target = e;
                return true;
            }
        }
        target = env;
        prop = default;
        return false;
    }

    internal static string Format(object? v) => v switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static IEnv Innermost(IEnv env) => env is Wrapper w ? w.Unwrapped : env;

    private static string EnvName(IEnv env) => env.Spec?.Id ?? Innermost(env).GetType().Name;

    private static object Parse(string key, string text, Type type, string id)
    {
        var inv = CultureInfo.InvariantCulture;
        string s = text.Trim();
        bool ok;
        object? value = null;
        if (type == typeof(double)) { ok = double.TryParse(s, NumberStyles.Float, inv, out var d); value = d; }
        else if (type == typeof(float)) { ok = float.TryParse(s, NumberStyles.Float, inv, out var f); value = f; }
        else if (type == typeof(int)) { ok = int.TryParse(s, NumberStyles.Integer, inv, out var i); value = i; }
        else if (type == typeof(bool))
        {
            ok = true;
            switch (s.ToLowerInvariant())
            {
                case "true" or "1" or "yes": value = true; break;
                case "false" or "0" or "no": value = false; break;
                default: ok = false; break;
            }
        }
        else if (type == typeof(string)) { ok = true; value = text; }
        else throw new NotSupportedException($"Env arg '{key}' of {id} has unsupported type {type.Name}");
        if (!ok)
            throw new ArgumentException($"Env arg '{key}' of {id}: cannot parse '{text}' as {TypeName(type)}.", "args");
        if (value is double dv && !double.IsFinite(dv) || value is float fv && !float.IsFinite(fv))
            throw new ArgumentException($"Env arg '{key}' of {id}: '{text}' is not a finite number.", "args");
        return value!;
    }

    private static string TypeName(Type t) =>
        t == typeof(double) ? "double" : t == typeof(float) ? "float" : t == typeof(int) ? "int" : t == typeof(bool) ? "bool (true/false)" : t.Name;

    private readonly record struct Prop(PropertyInfo Property, EnvArgAttribute Attribute);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Dictionary<string, Prop>> Cache = new();

    private static Dictionary<string, Prop> Properties(Type type) => Cache.GetOrAdd(type, static t =>
    {
        var d = new Dictionary<string, Prop>(StringComparer.Ordinal);
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var a = p.GetCustomAttribute<EnvArgAttribute>();
            if (a is null) continue;
            if (!p.CanWrite || !p.CanRead)
                throw new InvalidOperationException($"{t.Name}.{p.Name} is marked [EnvArg(\"{a.Name}\")] but is not readable and writable");
            if (!d.TryAdd(a.Name, new Prop(p, a)))
                throw new InvalidOperationException($"{t.Name} declares env arg '{a.Name}' twice");
        }
        return d;
    });
}
