using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Astromech.Training.Config;

/// <summary>
/// Binds JSON objects and <c>KEY=VALUE</c> overrides onto immutable config records. Keys are snake_case
/// (<c>learning_rate</c> ↔ <c>LearningRate</c>); matching also accepts PascalCase, camelCase and kebab-case.
/// Supported property types: double, float, int, long, bool, string, enums, their nullables, arrays
/// (<c>T[]</c> or <c>IReadOnlyList&lt;T&gt;</c>) of those, and nested config records, bound from a nested JSON object
/// (<c>"kickstart": {"lambda": 0.5}</c>) or a dotted key (<c>kickstart.lambda=0.5</c>, in JSON or an override).
/// <see cref="ConfigAliasAttribute"/> properties are flat aliases of nested keys (<c>kickstart_lambda</c>), kept for older files.
/// Precedence: record defaults (or a baseline), then JSON, then overrides.
/// After binding, <see cref="ConfigRangeAttribute"/> ranges and <see cref="IValidatableConfig.Validate(ConfigPath)"/> are checked at every depth.
/// </summary>
public static class ConfigBinder
{
    private static readonly ConcurrentDictionary<Type, ConfigShape> Shapes = new();

    /// <summary>Binds <paramref name="json"/> then <paramref name="overrides"/> onto a new <typeparamref name="T"/> and validates it.</summary>
    /// <param name="json">Keys and values, or null.</param>
    /// <param name="overrides"><c>key=value</c> strings, e.g. from <c>--set</c>; applied after the JSON.</param>
    /// <param name="ignoreKeys">JSON keys the caller handles itself ("algo", "env", "steps", "seed", ...); not applied to overrides.</param>
    /// <param name="baseline">Start from a copy of this instead of the record's defaults.</param>
    /// <param name="source">How to name the JSON in messages (e.g. "config file 'dqn.json'").</param>
    public static T Bind<T>(JsonObject? json = null, IEnumerable<string>? overrides = null, IEnumerable<string>? ignoreKeys = null,
        T? baseline = null, string? source = null) where T : class
        => (T)Bind(typeof(T), json, overrides, ignoreKeys, baseline, source);

    /// <summary>Binds <paramref name="overrides"/> onto a new <typeparamref name="T"/> (or a copy of <paramref name="baseline"/>).</summary>
    public static T Bind<T>(IEnumerable<string> overrides, T? baseline = null) where T : class
        => (T)Bind(typeof(T), null, overrides, null, baseline);

    /// <summary>Reads a JSON file and binds it (see <see cref="Bind{T}(JsonObject?, IEnumerable{string}?, IEnumerable{string}?, T?, string?)"/>).</summary>
    public static T BindFile<T>(string path, IEnumerable<string>? overrides = null, IEnumerable<string>? ignoreKeys = null) where T : class
        => (T)Bind(typeof(T), ReadJsonFile(path), overrides, ignoreKeys, null, $"config file '{path}'");

    /// <summary>Reads a JSON file whose top level must be an object; errors name the file and the position.</summary>
    public static JsonObject ReadJsonFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file '{path}': {e.Message}");
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e) { throw new ConfigException($"config file '{path}' is not valid JSON: {e.Message}"); }
        return node as JsonObject ?? throw new ConfigException($"config file '{path}' must hold a JSON object {{ ... }} at the top level");
    }

    /// <summary>The non-generic form of <see cref="Bind{T}(JsonObject?, IEnumerable{string}?, IEnumerable{string}?, T?, string?)"/>.</summary>
    public static object Bind(Type type, JsonObject? json = null, IEnumerable<string>? overrides = null, IEnumerable<string>? ignoreKeys = null,
        object? baseline = null, string? source = null)
    {
        var shape = ShapeOf(type);
        // A deep copy: nested records are mutated in place below, and must not be the baseline's (or a shared default's).
        object config = shape.DeepCopy(baseline is null ? shape.CreateDefault() : shape.CheckInstance(baseline));

        if (json is not null)
        {
            var binding = new Binding(shape, config, source ?? "JSON config");
            var ignored = new HashSet<string>((ignoreKeys ?? Array.Empty<string>()).Select(Normalize));
            binding.ApplyObject(json, "", ignored);
        }

        var fromOverrides = new Binding(shape, config, null);
        foreach (var item in overrides ?? Array.Empty<string>())
        {
            int eq = item.IndexOf('=');
            if (eq <= 0)
                throw new ConfigException($"override '{item}' must have the form key=value (e.g. learning_rate=0.0003)");
            fromOverrides.ApplyOverride(item[..eq].Trim(), item[(eq + 1)..].Trim(), $"--set {item}");
        }

        Validate(config);
        return config;
    }

    /// <summary>
    /// Checks ranges and cross-field rules of the config and of every nested record in it; throws one <see cref="ConfigException"/>
    /// listing every problem. Keys inside nested records are named by their dotted path (<c>kickstart.lambda</c>), with
    /// the flat alias that also binds them where there is one.
    /// </summary>
    public static void Validate(object config)
    {
        var shape = ShapeOf(config.GetType());
        var errors = new List<string>();
        ValidateInto(config, shape, new ConfigPath("", shape.AliasesByTarget), errors);
        if (errors.Count > 0) throw new ConfigException(shape.Name, errors);
    }

    private static void ValidateInto(object config, ConfigShape shape, ConfigPath path, List<string> errors)
    {
        foreach (var prop in shape.Properties)
        {
            if (prop.Nested is { } nested)
            {
                if (prop.Get(config) is { } inner) ValidateInto(inner, nested, path.Enter(prop.Key), errors);
                continue;
            }
            if (prop.Range is not { } range) continue;
            object? value = prop.Get(config);
            IEnumerable<object?> items = value is Array array ? array.Cast<object?>() : new[] { value };
            foreach (var item in items)
            {
                if (item is null) continue;
                double d = Convert.ToDouble(item, CultureInfo.InvariantCulture);
                if (!range.Contains(d))
                    errors.Add($"{path.Name(prop.Key)} = {FormatValue(value)} is out of range for {shape.Name}: allowed {range}");
            }
        }
        if (config is IValidatableConfig validatable)
            errors.AddRange(validatable.Validate(path));
    }

    /// <summary>The config as a snake_case JSON object in declaration order, nested records as nested objects (aliases are not
    /// written); binds back to an equal record.</summary>
    public static JsonObject ToJson(object config)
    {
        var shape = ShapeOf(config.GetType());
        var obj = new JsonObject();
        foreach (var prop in shape.Properties)
        {
            object? value = prop.Get(config);
            obj[prop.Key] = prop.Nested is not null && value is not null ? ToJson(value) : ToNode(value);
        }
        return obj;
    }

    /// <summary><see cref="ToJson"/> as indented text.</summary>
    public static string ToJsonString(object config) =>
        ToJson(config).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>
    /// Every key a config type binds: its leaf keys in declaration order, those of nested records as dotted paths
    /// (<c>kickstart.lambda</c>), then the flat aliases (<c>kickstart_lambda</c>). For a flat record, its snake_case keys.
    /// </summary>
    public static IReadOnlyList<string> KeysOf(Type type)
    {
        var shape = ShapeOf(type);
        return shape.LeafPaths("").Concat(shape.AliasKeys("")).ToArray();
    }

    /// <summary>The value at <paramref name="key"/> (a leaf key, a dotted path or an alias) as JSON, as <see cref="ToJson"/> writes it.</summary>
    public static JsonNode? ValueOf(object config, string key)
    {
        var shape = ShapeOf(config.GetType());
        var target = new Binding(shape, config, null).Resolve(key, $"key '{key}'");
        object? value = target.Property.Get(target.Owner);
        return target.Property.Nested is not null && value is not null ? ToJson(value) : ToNode(value);
    }

    /// <summary>PascalCase → snake_case: LearningRate → learning_rate, NStep → n_step, UseGAE → use_gae, Layer1Size → layer1_size.</summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool boundary = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) ||
                                          (char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1])));
                if (boundary && sb[^1] != '_') sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    internal static string Normalize(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (char c in key) if (c != '_' && c != '-') sb.Append(char.ToLowerInvariant(c));
        return sb.ToString();
    }

    // ---- conversion -------------------------------------------------------------------------------------------

    private static object? ConvertJson(ConfigProperty prop, string key, JsonNode? node, string from, ConfigShape shape)
    {
        if (node is null)
        {
            if (prop.AllowsNull) return null;
            throw Invalid(prop, key, "null", from, shape);
        }
        if (prop.ElementType is { } element)
        {
            if (node is not JsonArray array)
                throw Invalid(prop, key, node.ToJsonString(), from, shape);
            var result = Array.CreateInstance(element, array.Count);
            for (int i = 0; i < array.Count; i++)
            {
                var item = array[i];
                if (item is null || !TryConvertScalarJson(item, element, out var v))
                    throw Invalid(prop, key, node.ToJsonString(), from, shape);
                result.SetValue(v, i);
            }
            return result;
        }
        if (TryConvertScalarJson(node, prop.ScalarType, out var value)) return value;
        throw Invalid(prop, key, node.ToJsonString(), from, shape);
    }

    private static bool TryConvertScalarJson(JsonNode node, Type type, out object? value)
    {
        value = null;
        if (node is not JsonValue v) return false;
        switch (v.GetValueKind())
        {
            case JsonValueKind.Number:
                return IsNumeric(type) && TryParseScalar(v.ToJsonString(), type, out value);
            case JsonValueKind.True:
            case JsonValueKind.False:
                if (type != typeof(bool)) return false;
                value = v.GetValueKind() == JsonValueKind.True;
                return true;
            case JsonValueKind.String:
                string s = v.GetValue<string>();
                if (type == typeof(string)) { value = s; return true; }
                // Strings are accepted for enums and for non-finite floats ("inf", "nan"), which JSON numbers cannot express.
                if (type.IsEnum) return TryParseScalar(s, type, out value);
                if ((type == typeof(double) || type == typeof(float)) && TryParseNonFinite(s, out double d))
                {
                    value = type == typeof(float) ? (float)d : d;
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    private static object? ConvertText(ConfigProperty prop, string key, string text, string from, ConfigShape shape)
    {
        if (prop.AllowsNull && (text.Equals("null", StringComparison.OrdinalIgnoreCase) || (text.Length == 0 && prop.ScalarType != typeof(string))))
            return null;
        if (prop.ElementType is { } element)
        {
            string inner = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
            string[] parts = inner.Trim().Length == 0 ? Array.Empty<string>() : inner.Split(',');
            var result = Array.CreateInstance(element, parts.Length);
            for (int i = 0; i < parts.Length; i++)
            {
                if (!TryParseScalar(Unquote(parts[i].Trim()), element, out var v)) throw Invalid(prop, key, text, from, shape);
                result.SetValue(v, i);
            }
            return result;
        }
        if (prop.ScalarType == typeof(string)) return Unquote(text);
        // A quoted value ("tanh"), as `astromech list algos` prints enum defaults, means the same as the bare one.
        if (TryParseScalar(Unquote(text), prop.ScalarType, out var value)) return value;
        throw Invalid(prop, key, text, from, shape);
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && ((s[0] == '"' && s[^1] == '"') || (s[0] == '\'' && s[^1] == '\'')) ? s[1..^1] : s;

    private static bool TryParseScalar(string text, Type type, out object? value)
    {
        value = null;
        var ic = CultureInfo.InvariantCulture;
        string t = text.Trim();
        if (type == typeof(string)) { value = text; return true; }
        if (type == typeof(bool))
        {
            switch (t.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1": value = true; return true;
                case "false" or "no" or "off" or "0": value = false; return true;
                default: return false;
            }
        }
        if (type == typeof(double) || type == typeof(float))
        {
            string n = t.Replace("_", "");
            if (!double.TryParse(n, NumberStyles.Float, ic, out double d) && !TryParseNonFinite(t, out d)) return false;
            if (type == typeof(float))
            {
                float f = (float)d;
                if (float.IsInfinity(f) && !double.IsInfinity(d)) return false;
                value = f;
            }
            else value = d;
            return true;
        }
        if (type == typeof(int) || type == typeof(long))
        {
            string n = t.Replace("_", "");
            long l;
            if (!long.TryParse(n, NumberStyles.AllowLeadingSign, ic, out l))
            {
                // Allow integral values written like 1e6 or 1000.0.
                if (!double.TryParse(n, NumberStyles.Float, ic, out double d) || d != Math.Floor(d) || Math.Abs(d) > 9.007199254740992e15)
                    return false;
                l = (long)d;
            }
            if (type == typeof(int))
            {
                if (l < int.MinValue || l > int.MaxValue) return false;
                value = (int)l;
            }
            else value = l;
            return true;
        }
        if (type.IsEnum)
        {
            string wanted = Normalize(t);
            foreach (var name in Enum.GetNames(type))
                if (Normalize(name) == wanted) { value = Enum.Parse(type, name); return true; }
            return false;
        }
        return false;
    }

    private static bool TryParseNonFinite(string s, out double d)
    {
        switch (s.Trim().ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity": d = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": d = double.NegativeInfinity; return true;
            case "nan": d = double.NaN; return true;
            default: d = 0; return false;
        }
    }

    private static bool IsNumeric(Type t) => t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long);

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        double d when !double.IsFinite(d) => JsonValue.Create(NonFiniteName(d)),
        float f when !float.IsFinite(f) => JsonValue.Create(NonFiniteName(f)),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create(f),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        Enum e => JsonValue.Create(e.ToString()),
        IEnumerable items => new JsonArray(items.Cast<object?>().Select(ToNode).ToArray()),
        _ => throw new InvalidOperationException($"cannot write {value.GetType()} as JSON"),
    };

    private static string NonFiniteName(double d) => double.IsNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        double d => ConfigRangeAttribute.Format(d),
        float f => ConfigRangeAttribute.Format(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        Array a => "[" + string.Join(", ", a.Cast<object?>().Select(FormatValue)) + "]",
        _ => value.ToString() ?? "",
    };

    // ---- errors -----------------------------------------------------------------------------------------------

    // `key` is the key as quoted in messages: 'its dotted path' (its own key at the top level), or 'alias' (alias of 'path');
    // `shape` is the record that declares it.
    private static ConfigException Invalid(ConfigProperty prop, string key, string value, string from, ConfigShape shape) =>
        new($"{from}: invalid value {value} for key {key} of {shape.Name}: expected {prop.Describe()}");

    private static string Named(Target t, string spelling) => t.ViaAlias ? $"'{spelling}' (alias of '{t.Path}')" : $"'{t.Path}'";

    /// <summary>
    /// <paramref name="typed"/> is the key as given from the top (dots included); <paramref name="prefix"/> the canonical path of
    /// the record where it stopped matching; <paramref name="rest"/> what was typed from that record on. The nearest key is
    /// looked for among that record's leaf keys, dotted paths into its nested records and aliases.
    /// </summary>
    private static ConfigException UnknownKey(ConfigShape root, ConfigShape shape, string prefix, string typed, string rest, string from)
    {
        string snake = string.Join('.', rest.Split('.').Select(seg => ToSnakeCase(seg.Trim()).Replace('-', '_')));
        var candidates = shape.LeafPaths("").Concat(shape.AliasKeys("")).ToArray();
        var best = candidates.Select(k => (Key: k, Distance: Astromech.Envs.Names.EditDistance(snake, k))).OrderBy(x => x.Distance).FirstOrDefault();
        int tolerance = Math.Max(2, snake.Length / 3);
        string hint = best.Key is not null && best.Distance <= tolerance
            ? $"did you mean '{prefix}{best.Key}'?"
            : $"valid keys: {string.Join(", ", shape.LeafPaths(prefix))}";
        return new ConfigException($"{from}: unknown key '{typed}' for {root.Name}; {hint}");
    }

    // ---- binding ----------------------------------------------------------------------------------------------

    /// <summary>Where a key lands: the record that holds it (a nested one for dotted keys), its property and canonical path.</summary>
    private readonly record struct Target(object Owner, ConfigShape OwnerShape, ConfigProperty Property, string Path, bool ViaAlias);

    /// <summary>One source of keys (a JSON object, or the overrides) applied to one config, which it mutates in place.</summary>
    private sealed class Binding(ConfigShape root, object config, string? jsonSource)
    {
        // What each canonical path was set from so far in this source: its spelling, whether through an alias, and the value.
        private readonly Dictionary<string, (string Spelling, bool ViaAlias, string Value)> _given = new();

        /// <summary>Applies a JSON object whose keys are relative to the record at canonical path <paramref name="prefix"/>.</summary>
        public void ApplyObject(JsonObject json, string prefix, HashSet<string>? ignored, string? from = null)
        {
            from ??= jsonSource!;
            foreach (var (key, node) in json)
            {
                if (ignored is not null && ignored.Contains(Normalize(key))) continue;
                var t = Resolve(prefix + key, from);
                if (t.Property.Nested is { } nested)
                {
                    if (node is not JsonObject inner)
                        throw new ConfigException($"{from}: invalid value {node?.ToJsonString() ?? "null"} for key '{t.Path}' of {t.OwnerShape.Name}: expected an object of {nested.Name} keys");
                    ApplyObject(inner, t.Path + ".", null, from);
                    continue;
                }
                Assign(t, ConvertJson(t.Property, Named(t, prefix + key), node, from, t.OwnerShape), prefix + key, from, strict: jsonSource is not null);
            }
        }

        /// <summary>Applies one <c>key=value</c> override; the key may be dotted or an alias, the value of a nested record a JSON object.</summary>
        public void ApplyOverride(string key, string text, string from)
        {
            var t = Resolve(key, from);
            if (t.Property.Nested is { } nested)
            {
                JsonObject? obj = null;
                try { obj = JsonNode.Parse(text) as JsonObject; }
                catch (JsonException) { }
                if (obj is null)
                    throw new ConfigException($"{from}: invalid value {text} for key '{t.Path}' of {t.OwnerShape.Name}: expected a JSON object of {nested.Name} keys, or set one of them ({string.Join(", ", nested.LeafPaths(t.Path + ".").Take(3))}, ...)");
                ApplyObject(obj, t.Path + ".", null, from);
                return;
            }
            Assign(t, ConvertText(t.Property, Named(t, key), text, from, t.OwnerShape), key, from, strict: false);
        }

        /// <summary>
        /// Sets the value. Within a JSON source a key given twice is an error; among overrides the last one wins. Either way a flat
        /// alias and its nested key given with different values is an error naming both.
        /// </summary>
        private void Assign(Target t, object? value, string spelling, string from, bool strict)
        {
            string json = ToNode(value)?.ToJsonString() ?? "null";
            if (_given.TryGetValue(t.Path, out var prev))
            {
                if (prev.ViaAlias != t.ViaAlias)
                {
                    if (prev.Value != json)
                    {
                        var (alias, nested) = t.ViaAlias ? (spelling, prev.Spelling) : (prev.Spelling, spelling);
                        throw new ConfigException($"{from}: '{alias}' (the flat alias of '{t.Path}') and '{nested}' are both given, with different values " +
                                                  $"({(t.ViaAlias ? json : prev.Value)} and {(t.ViaAlias ? prev.Value : json)}); give only one of them");
                    }
                }
                else if (strict)
                    throw new ConfigException($"{from}: key '{t.Path}' is given twice (as '{prev.Spelling}' and '{spelling}')");
            }
            _given[t.Path] = (spelling, t.ViaAlias, json);
            t.Property.Set(t.Owner, value);
        }

        /// <summary>Follows a key (dotted, possibly through an alias) from the top-level record to the property it names.</summary>
        public Target Resolve(string key, string from)
        {
            var segments = key.Split('.');
            return ResolveFrom(root, config, "", segments, 0, key, from, false);
        }

        private Target ResolveFrom(ConfigShape shape, object owner, string prefix, string[] segments, int index, string typed, string from, bool viaAlias)
        {
            string seg = segments[index].Trim();
            bool last = index == segments.Length - 1;
            if (shape.Find(seg) is { } prop)
            {
                if (last) return new Target(owner, shape, prop, prefix + prop.Key, viaAlias);
                if (prop.Nested is not { } nested)
                    throw new ConfigException($"{from}: key '{typed}': '{prefix}{prop.Key}' is a value, not a section with keys of its own");
                object inner = prop.Get(owner) ?? throw new ConfigException($"{from}: key '{typed}': '{prefix}{prop.Key}' is null");
                return ResolveFrom(nested, inner, prefix + prop.Key + ".", segments, index + 1, typed, from, viaAlias);
            }
            if (shape.FindAlias(seg) is { } alias)
            {
                // The alias's target is a path relative to the record that declares the alias.
                var rest = alias.Target.Split('.').Concat(segments.Skip(index + 1)).ToArray();
                return ResolveFrom(shape, owner, prefix, rest, 0, typed, from, true);
            }
            throw UnknownKey(root, shape, prefix, typed, string.Join('.', segments.Skip(index)), from);
        }
    }

    // ---- shapes -----------------------------------------------------------------------------------------------

    private static ConfigShape ShapeOf(Type type) => Shapes.GetOrAdd(type, t => new ConfigShape(t));

    private sealed class ConfigShape
    {
        public readonly Type Type;
        public readonly string Name;
        /// <summary>The keys of the record: leaves and nested records, in declaration order (aliases excluded).</summary>
        public readonly ConfigProperty[] Properties;
        /// <summary>Flat keys declared by [ConfigAlias] properties, each naming a path inside this record.</summary>
        public readonly (string Key, string Target)[] Aliases;
        private readonly Dictionary<string, ConfigProperty> _byNormalized;
        private readonly Dictionary<string, (string Key, string Target)> _aliasByNormalized;
        private readonly MethodInfo? _clone;
        private IReadOnlyDictionary<string, string>? _aliasesByTarget;

        public ConfigShape(Type type)
        {
            Type = type;
            Name = type.Name;
            var nullability = new NullabilityInfoContext();
            var bindable = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true })
                .OrderBy(p => p.MetadataToken)
                .ToArray();
            Properties = bindable.Where(p => p.GetCustomAttribute<ConfigAliasAttribute>() is null)
                .Select(p => new ConfigProperty(p, nullability))
                .ToArray();
            Aliases = bindable.Select(p => (Property: p, Alias: p.GetCustomAttribute<ConfigAliasAttribute>()))
                .Where(x => x.Alias is not null)
                .Select(x => (ToSnakeCase(x.Property.Name), x.Alias!.Target))
                .ToArray();
            foreach (var p in Properties)
                if (p.Range is not null && (p.Nested is not null || !IsNumeric(p.ElementType ?? p.ScalarType)))
                    throw new InvalidOperationException($"{type.Name}.{p.Property.Name}: [ConfigRange] applies only to numeric properties");
            _byNormalized = Properties.ToDictionary(p => Normalize(p.Key));
            _aliasByNormalized = new Dictionary<string, (string, string)>();
            foreach (var a in Aliases)
            {
                if (_byNormalized.ContainsKey(Normalize(a.Key)))
                    throw new InvalidOperationException($"{type.Name}: alias '{a.Key}' has the name of a key");
                if (!TargetExists(a.Target))
                    throw new InvalidOperationException($"{type.Name}: alias '{a.Key}' names '{a.Target}', which is not a key path of {type.Name}");
                _aliasByNormalized[Normalize(a.Key)] = a;
            }
            _clone = type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        }

        private bool TargetExists(string target)
        {
            ConfigShape? shape = this;
            var segments = target.Split('.');
            for (int i = 0; i < segments.Length; i++)
            {
                var prop = shape?.Find(segments[i]);
                if (prop is null || prop.Key != segments[i]) return false; // targets are written in canonical snake_case
                shape = prop.Nested;
                if (i < segments.Length - 1 && shape is null) return false;
            }
            return true;
        }

        public ConfigProperty? Find(string key) => _byNormalized.GetValueOrDefault(Normalize(key));

        public (string Key, string Target)? FindAlias(string key) =>
            _aliasByNormalized.TryGetValue(Normalize(key), out var a) ? a : null;

        /// <summary>The leaf keys under <paramref name="prefix"/>, nested ones as dotted paths, in declaration order.</summary>
        public IEnumerable<string> LeafPaths(string prefix) =>
            Properties.SelectMany(p => p.Nested is { } n ? n.LeafPaths(prefix + p.Key + ".") : new[] { prefix + p.Key });

        /// <summary>The aliases declared by this record and its nested ones, under <paramref name="prefix"/>.</summary>
        public IEnumerable<string> AliasKeys(string prefix) =>
            Aliases.Select(a => prefix + a.Key)
                .Concat(Properties.Where(p => p.Nested is not null).SelectMany(p => p.Nested!.AliasKeys(prefix + p.Key + ".")));

        /// <summary>Canonical path → the alias that also binds it (the first declared, where several do).</summary>
        public IReadOnlyDictionary<string, string> AliasesByTarget => _aliasesByTarget ??= BuildAliasesByTarget();

        private Dictionary<string, string> BuildAliasesByTarget()
        {
            var map = new Dictionary<string, string>();
            void Walk(ConfigShape shape, string prefix)
            {
                foreach (var a in shape.Aliases) map.TryAdd(prefix + a.Target, prefix + a.Key);
                foreach (var p in shape.Properties)
                    if (p.Nested is { } n) Walk(n, prefix + p.Key + ".");
            }
            Walk(this, "");
            return map;
        }

        public object CreateDefault()
        {
            if (Type.GetConstructor(Type.EmptyTypes) is null)
                throw new InvalidOperationException($"config type {Name} needs a public parameterless constructor (a record with property defaults)");
            return Activator.CreateInstance(Type)!;
        }

        public object CheckInstance(object baseline) =>
            Type.IsInstanceOfType(baseline) ? baseline : throw new ArgumentException($"baseline is not a {Name}", nameof(baseline));

        /// <summary>A copy of <paramref name="source"/> whose nested records are copies too (leaf values are shared: they are immutable or replaced whole).</summary>
        public object DeepCopy(object source)
        {
            object copy;
            if (_clone is not null) copy = _clone.Invoke(source, null)!;
            else
            {
                copy = CreateDefault();
                foreach (var p in Properties) p.Set(copy, p.Get(source));
            }
            foreach (var p in Properties)
                if (p.Nested is { } n && p.Get(copy) is { } inner)
                    p.Set(copy, n.DeepCopy(inner));
            return copy;
        }
    }

    private sealed class ConfigProperty
    {
        public readonly PropertyInfo Property;
        public readonly string Key;
        public readonly Type ScalarType;      // the property type without Nullable<>; for arrays, the element type
        public readonly Type? ElementType;    // set for array-valued properties
        public readonly bool AllowsNull;
        public readonly ConfigRangeAttribute? Range;
        /// <summary>Set when the property holds a nested config record, bound from a JSON object or dotted keys.</summary>
        public readonly ConfigShape? Nested;

        public ConfigProperty(PropertyInfo p, NullabilityInfoContext nullability)
        {
            Property = p;
            Key = ToSnakeCase(p.Name);
            Range = p.GetCustomAttribute<ConfigRangeAttribute>();
            Type t = p.PropertyType;
            if (IsNestedRecord(t))
            {
                Nested = ShapeOf(t);
                ScalarType = t;
                return;
            }
            if (t.IsArray) { ElementType = t.GetElementType(); }
            else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) { ElementType = t.GetGenericArguments()[0]; }
            if (ElementType is not null)
            {
                ScalarType = ElementType;
                AllowsNull = nullability.Create(p).WriteState == NullabilityState.Nullable;
            }
            else if (Nullable.GetUnderlyingType(t) is { } underlying) { ScalarType = underlying; AllowsNull = true; }
            else
            {
                ScalarType = t;
                AllowsNull = !t.IsValueType && nullability.Create(p).WriteState == NullabilityState.Nullable;
            }
            if (!(IsNumeric(ScalarType) || ScalarType == typeof(bool) || ScalarType == typeof(string) || ScalarType.IsEnum))
                throw new InvalidOperationException(
                    $"{p.DeclaringType?.Name}.{p.Name} has type {t.Name}, which configs cannot bind (use double, float, int, long, bool, string, an enum, a nullable or an array of these)");
        }

        /// <summary>A class with a compiler-made clone (a record) and a parameterless constructor: a nested config.</summary>
        private static bool IsNestedRecord(Type t) =>
            t.IsClass && t != typeof(string) && !t.IsArray && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null &&
            t.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not null;

        public object? Get(object config) => Property.GetValue(config);

        public void Set(object config, object? value) => Property.SetValue(config, value);

        public string Describe()
        {
            string one = ScalarType switch
            {
                _ when ScalarType == typeof(double) => "a number (double)",
                _ when ScalarType == typeof(float) => "a number (float)",
                _ when ScalarType == typeof(int) => "an integer (int)",
                _ when ScalarType == typeof(long) => "an integer (long)",
                _ when ScalarType == typeof(bool) => "true or false",
                _ when ScalarType == typeof(string) => "a string",
                _ => $"one of {string.Join(", ", Enum.GetNames(ScalarType).Select(ToSnakeCase))}",
            };
            if (ElementType is not null) one = $"a list of {one.Replace("a number", "numbers").Replace("an integer", "integers").Replace("a string", "strings")}";
            return AllowsNull ? one + " or null" : one;
        }
    }
}
