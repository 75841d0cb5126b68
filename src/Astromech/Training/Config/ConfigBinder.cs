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
/// Supported property types: double, float, int, long, bool, string, enums, their nullables, and arrays
/// (<c>T[]</c> or <c>IReadOnlyList&lt;T&gt;</c>) of those. Precedence: record defaults (or a baseline), then JSON, then overrides.
/// After binding, <see cref="ConfigRangeAttribute"/> ranges and <see cref="IValidatableConfig.Validate"/> are checked.
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
        object config = baseline is null ? shape.CreateDefault() : shape.Clone(baseline);

        if (json is not null)
        {
            string from = source ?? "JSON config";
            var ignored = new HashSet<string>((ignoreKeys ?? Array.Empty<string>()).Select(Normalize));
            var seen = new Dictionary<string, string>();
            foreach (var (key, node) in json)
            {
                string norm = Normalize(key);
                if (ignored.Contains(norm)) continue;
                var prop = shape.Find(key) ?? throw UnknownKey(shape, key, from);
                if (seen.TryGetValue(prop.Key, out var firstSpelling))
                    throw new ConfigException($"{from}: key '{prop.Key}' is given twice (as '{firstSpelling}' and '{key}')");
                seen[prop.Key] = key;
                prop.Set(config, ConvertJson(prop, key, node, from, shape));
            }
        }

        foreach (var item in overrides ?? Array.Empty<string>())
        {
            int eq = item.IndexOf('=');
            if (eq <= 0)
                throw new ConfigException($"override '{item}' must have the form key=value (e.g. learning_rate=0.0003)");
            string key = item[..eq].Trim();
            string text = item[(eq + 1)..].Trim();
            string from = $"--set {item}";
            var prop = shape.Find(key) ?? throw UnknownKey(shape, key, from);
            prop.Set(config, ConvertText(prop, key, text, from, shape));
        }

        Validate(config);
        return config;
    }

    /// <summary>Checks ranges and cross-field rules; throws one <see cref="ConfigException"/> listing every problem.</summary>
    public static void Validate(object config)
    {
        var shape = ShapeOf(config.GetType());
        var errors = new List<string>();
        foreach (var prop in shape.Properties)
        {
            if (prop.Range is not { } range) continue;
            object? value = prop.Get(config);
            IEnumerable<object?> items = value is Array array ? array.Cast<object?>() : new[] { value };
            foreach (var item in items)
            {
                if (item is null) continue;
                double d = Convert.ToDouble(item, CultureInfo.InvariantCulture);
                if (!range.Contains(d))
                    errors.Add($"{prop.Key} = {FormatValue(value)} is out of range for {shape.Name}: allowed {range}");
            }
        }
        if (config is IValidatableConfig validatable)
            errors.AddRange(validatable.Validate());
        if (errors.Count > 0) throw new ConfigException(shape.Name, errors);
    }

    /// <summary>The config as a snake_case JSON object, in declaration order; binds back to an equal record.</summary>
    public static JsonObject ToJson(object config)
    {
        var shape = ShapeOf(config.GetType());
        var obj = new JsonObject();
        foreach (var prop in shape.Properties) obj[prop.Key] = ToNode(prop.Get(config));
        return obj;
    }

    /// <summary><see cref="ToJson"/> as indented text.</summary>
    public static string ToJsonString(object config) =>
        ToJson(config).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The snake_case keys of a config type, in declaration order.</summary>
    public static IReadOnlyList<string> KeysOf(Type type) => ShapeOf(type).Properties.Select(p => p.Key).ToArray();

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
        if (TryParseScalar(text, prop.ScalarType, out var value)) return value;
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

    private static ConfigException Invalid(ConfigProperty prop, string key, string value, string from, ConfigShape shape) =>
        new($"{from}: invalid value {value} for key '{prop.Key}' of {shape.Name}: expected {prop.Describe()}");

    private static ConfigException UnknownKey(ConfigShape shape, string key, string from)
    {
        string snake = ToSnakeCase(key).Replace('-', '_');
        var keys = shape.Properties.Select(p => p.Key).ToArray();
        var best = keys.Select(k => (Key: k, Distance: Astromech.Envs.Names.EditDistance(snake, k))).OrderBy(x => x.Distance).FirstOrDefault();
        int tolerance = Math.Max(2, snake.Length / 3);
        string hint = best.Key is not null && best.Distance <= tolerance
            ? $"did you mean '{best.Key}'?"
            : $"valid keys: {string.Join(", ", keys)}";
        return new ConfigException($"{from}: unknown key '{key}' for {shape.Name}; {hint}");
    }

    // ---- shapes -----------------------------------------------------------------------------------------------

    private static ConfigShape ShapeOf(Type type) => Shapes.GetOrAdd(type, t => new ConfigShape(t));

    private sealed class ConfigShape
    {
        public readonly Type Type;
        public readonly string Name;
        public readonly ConfigProperty[] Properties;
        private readonly Dictionary<string, ConfigProperty> _byNormalized;
        private readonly MethodInfo? _clone;

        public ConfigShape(Type type)
        {
            Type = type;
            Name = type.Name;
            var nullability = new NullabilityInfoContext();
            Properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true })
                .OrderBy(p => p.MetadataToken)
                .Select(p => new ConfigProperty(p, nullability))
                .ToArray();
            foreach (var p in Properties)
                if (p.Range is not null && !IsNumeric(p.ElementType ?? p.ScalarType))
                    throw new InvalidOperationException($"{type.Name}.{p.Property.Name}: [ConfigRange] applies only to numeric properties");
            _byNormalized = Properties.ToDictionary(p => Normalize(p.Key));
            _clone = type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        }

        public ConfigProperty? Find(string key) => _byNormalized.GetValueOrDefault(Normalize(key));

        public object CreateDefault()
        {
            if (Type.GetConstructor(Type.EmptyTypes) is null)
                throw new InvalidOperationException($"config type {Name} needs a public parameterless constructor (a record with property defaults)");
            return Activator.CreateInstance(Type)!;
        }

        public object Clone(object baseline)
        {
            if (!Type.IsInstanceOfType(baseline)) throw new ArgumentException($"baseline is not a {Name}", nameof(baseline));
            if (_clone is not null) return _clone.Invoke(baseline, null)!;
            var copy = CreateDefault();
            foreach (var p in Properties) p.Set(copy, p.Get(baseline));
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

        public ConfigProperty(PropertyInfo p, NullabilityInfoContext nullability)
        {
            Property = p;
            Key = ToSnakeCase(p.Name);
            Range = p.GetCustomAttribute<ConfigRangeAttribute>();
            Type t = p.PropertyType;
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
