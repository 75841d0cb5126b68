using System.Text.Json.Nodes;
using Astromech.Agents.Dqn;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Config;

namespace Astromech.Agents;

/// <summary>An algorithm the CLI and tools can name: its config record type and how to build an agent.</summary>
public sealed record AlgorithmInfo(
    string Name,
    string Description,
    Type ConfigType,
    Func<object, Space, Space, int, IAgent> Create)
{
    /// <summary>The config record with its defaults.</summary>
    public object DefaultConfig() => Activator.CreateInstance(ConfigType)!;
}

/// <summary>Thrown for an algorithm name that is not registered.</summary>
public sealed class UnknownAlgorithmException(string message) : ArgumentException(message);

/// <summary>The registered algorithms, by name.</summary>
public static class Algorithms
{
    private static readonly List<AlgorithmInfo> _all = new()
    {
        new("dqn", "DQN with switchable double Q, dueling head, n-step returns, prioritized replay, value rescaling",
            typeof(DqnConfig), (cfg, obs, act, seed) => new DqnAgent((DqnConfig)cfg, obs, act, seed)),
    };

    public static IReadOnlyList<AlgorithmInfo> All => _all;

    public static void Register(AlgorithmInfo info)
    {
        if (_all.Any(a => a.Name == info.Name)) throw new ArgumentException($"algorithm '{info.Name}' is already registered");
        _all.Add(info);
    }

    public static AlgorithmInfo Get(string name)
    {
        var hit = _all.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
        if (hit is not null) return hit;
        var names = _all.Select(a => a.Name).ToList();
        var near = names.OrderBy(n => Levenshtein(n, name.ToLowerInvariant())).First();
        string hint = Levenshtein(near, name.ToLowerInvariant()) <= 2 ? $" (did you mean '{near}'?)" : "";
        throw new UnknownAlgorithmException($"unknown algorithm '{name}'{hint}; known: {string.Join(", ", names)}");
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
