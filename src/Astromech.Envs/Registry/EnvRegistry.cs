using System.Reflection;
using System.Text.RegularExpressions;
using Astromech.Envs.ClassicControl;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Registry;

/// <summary>Thrown by <see cref="EnvRegistry"/> for an id that is not registered; the message suggests near matches.</summary>
public sealed class UnknownEnvException : ArgumentException
{
    public UnknownEnvException(string id, IReadOnlyList<string> suggestions, string message) : base(message, "id")
    {
        Id = id;
        Suggestions = suggestions;
    }

    public string Id { get; }

    /// <summary>The registered ids nearest to <see cref="Id"/>, nearest first (possibly empty).</summary>
    public IReadOnlyList<string> Suggestions { get; }
}

/// <summary>
/// Marks a static method with no parameters that registers envs (by calling <see cref="EnvRegistry.Register"/>).
/// The registry calls every such method in the Astromech.Envs assembly once, when it is first used, so an env
/// family only needs to declare one, e.g. <c>[EnvRegistration] internal static void Register() { ... }</c>.
/// Other assemblies call <see cref="EnvRegistry.Register"/> themselves.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EnvRegistrationAttribute : Attribute { }

/// <summary>
/// The global table of env ids, as Gymnasium's registry: ids look like <c>[namespace/]Name[-vN]</c> and are
/// case-sensitive. <see cref="Make"/> builds an env, records its spec, applies env args and adds the
/// <see cref="TimeLimit"/> the spec asks for. The classic-control envs are registered on first use.
/// </summary>
public static class EnvRegistry
{
    // Gymnasium's id grammar: optional namespace, name, optional -v<version>.
    private static readonly Regex IdPattern = new(@"^(?:[\w:-]+/)?[\w:.-]+?(?:-v\d+)?$", RegexOptions.CultureInvariant);

    private static readonly object Gate = new();
    private static readonly Dictionary<string, EnvSpec> ById = new(StringComparer.Ordinal);
    private static readonly List<EnvSpec> Ordered = new();
    private static EnvSpec[] _snapshot = Array.Empty<EnvSpec>();
    private static readonly List<(string Prefix, Func<string, EnvSpec> Resolve)> Resolvers = new();

    static EnvRegistry()
    {
        Register(new EnvSpec("CartPole-v1", () => new CartPole(), 500, 475.0,
            "Balance a pole on a cart; 2 actions (Barto, Sutton & Anderson 1983)."));
        Register(new EnvSpec("Acrobot-v1", () => new Acrobot(), 500, -100.0,
            "Swing a two-link chain above a bar; 3 torques (Sutton 1996)."));
        Register(new EnvSpec("MountainCar-v0", () => new MountainCar(), 200, -110.0,
            "Drive an underpowered car up a hill; 3 actions (Moore 1990)."));
        Register(new EnvSpec("MountainCarContinuous-v0", () => new MountainCarContinuous(), 999, 90.0,
            "Mountain car with a continuous push in [-1, 1]."));
        Register(new EnvSpec("Pendulum-v1", () => new Pendulum(), 200, null,
            "Swing up and hold a pendulum; continuous torque in [-2, 2]."));

        foreach (var type in typeof(EnvRegistry).Assembly.GetTypes())
        foreach (var m in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        {
            if (m.GetCustomAttribute<EnvRegistrationAttribute>() is null) continue;
            if (m.GetParameters().Length != 0 || m.ContainsGenericParameters)
                throw new InvalidOperationException($"[EnvRegistration] method {type.FullName}.{m.Name} must be static and take no parameters");
            m.Invoke(null, null);
        }
    }

    /// <summary>Every registered spec, in registration order.</summary>
    public static IReadOnlyList<EnvSpec> Specs => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Adds a spec. The id must follow Gymnasium's grammar <c>[namespace/]Name[-vN]</c>; registering an id twice
    /// throws unless <paramref name="replace"/> is true.
    /// </summary>
    public static void Register(EnvSpec spec, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(spec.Factory);
        if (string.IsNullOrEmpty(spec.Id) || !IdPattern.IsMatch(spec.Id))
            throw new ArgumentException($"Invalid env id '{spec.Id}': expected [namespace/]Name[-vN], e.g. 'CartPole-v1'", nameof(spec));
        if (spec.MaxEpisodeSteps is <= 0)
            throw new ArgumentException($"Env '{spec.Id}': MaxEpisodeSteps must be > 0 or null, not {spec.MaxEpisodeSteps}", nameof(spec));
        lock (Gate)
        {
            if (ById.TryGetValue(spec.Id, out var old))
            {
                if (!replace) throw new ArgumentException($"Env id '{spec.Id}' is already registered", nameof(spec));
                Ordered[Ordered.IndexOf(old)] = spec;
            }
            else Ordered.Add(spec);
            ById[spec.Id] = spec;
            Volatile.Write(ref _snapshot, Ordered.ToArray());
        }
    }

    /// <summary>True when <paramref name="id"/> is registered (exact, case-sensitive).</summary>
    public static bool Contains(string id)
    {
        lock (Gate) return ById.ContainsKey(id);
    }

    /// <summary>
    /// Makes every id starting with <paramref name="prefix"/> (e.g. <c>remote:</c>, see Astromech.Remote.Host) resolve
    /// through <paramref name="resolve"/> instead of the table: it gets the whole id and returns its spec, or throws an
    /// exception naming what is wrong with it. Such ids are not listed in <see cref="Specs"/>. Registering a prefix again
    /// replaces its resolver.
    /// </summary>
    public static void RegisterPrefix(string prefix, Func<string, EnvSpec> resolve)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentNullException.ThrowIfNull(resolve);
        lock (Gate)
        {
            Resolvers.RemoveAll(r => r.Prefix == prefix);
            Resolvers.Add((prefix, resolve));
        }
    }

    /// <summary>The spec registered under <paramref name="id"/>; throws <see cref="UnknownEnvException"/> otherwise.</summary>
    public static EnvSpec Spec(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        Func<string, EnvSpec>? resolver = null;
        lock (Gate)
        {
            if (ById.TryGetValue(id, out var spec)) return spec;
            foreach (var (prefix, resolve) in Resolvers)
                if (id.StartsWith(prefix, StringComparison.Ordinal)) { resolver = resolve; break; }
        }
        if (resolver is not null)
            return resolver(id) ?? throw new InvalidOperationException($"the resolver for env id '{id}' returned null");
        throw Unknown(id);
    }

    /// <summary>
    /// Builds the env registered as <paramref name="id"/>: calls its factory, sets <see cref="IEnv.Spec"/>, applies
    /// <paramref name="args"/> (see <see cref="EnvArgs.Apply"/>) and wraps it in a <see cref="TimeLimit"/> when
    /// <paramref name="maxEpisodeSteps"/> or the spec gives a limit (the override wins; the recorded spec carries it).
    /// </summary>
    public static IEnv Make(string id, IReadOnlyDictionary<string, string>? args = null, int? maxEpisodeSteps = null)
    {
        var spec = Spec(id);
        if (maxEpisodeSteps is int m)
        {
            if (m <= 0) throw new ArgumentOutOfRangeException(nameof(maxEpisodeSteps), m, "maxEpisodeSteps must be > 0");
            spec = spec with { MaxEpisodeSteps = m };
        }
        var env = spec.Factory() ?? throw new InvalidOperationException($"The factory of '{id}' returned null");
        try
        {
            env.Spec = spec;
            if (args is { Count: > 0 }) EnvArgs.Apply(env, args);
            return spec.MaxEpisodeSteps is int steps ? new TimeLimit(env, steps) : env;
        }
        catch
        {
            env.Dispose();
            throw;
        }
    }

    private static UnknownEnvException Unknown(string id)
    {
        string[] ids;
        lock (Gate) ids = ById.Keys.ToArray();
        var suggestions = Nearest(id, ids, 3);
        string msg = $"No env registered with id '{id}'.";
        if (suggestions.Count > 0) msg += $" Did you mean {string.Join(" or ", suggestions.Select(s => $"'{s}'"))}?";
        else msg += $" Registered ids: {string.Join(", ", ids.Order(StringComparer.Ordinal))}.";
        return new UnknownEnvException(id, suggestions, msg);
    }

    /// <summary>Up to <paramref name="count"/> candidates within a small edit distance of <paramref name="id"/> (case-insensitive), nearest first.</summary>
    internal static IReadOnlyList<string> Nearest(string id, IEnumerable<string> candidates, int count)
    {
        string key = id.ToLowerInvariant();
        int limit = Math.Max(3, key.Length / 3);
        return candidates
            .Select(c => (Id: c, D: Names.EditDistance(key, c.ToLowerInvariant())))
            .Where(t => t.D <= limit)
            .OrderBy(t => t.D).ThenBy(t => t.Id, StringComparer.Ordinal)
            .Take(count)
            .Select(t => t.Id)
            .ToList();
    }
}
