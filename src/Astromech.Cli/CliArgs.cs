namespace Astromech.Cli;

/// <summary>A usage error: printed as one line, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);

/// <summary>
/// A small, strict parser: positional arguments, <c>--name value</c> / <c>--name=value</c> options,
/// repeatable options, and flags. Every option a command accepts is declared, so a misspelt one is an error
/// that names it instead of being ignored.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _options = new();
    private readonly HashSet<string> _flags = new();
    public List<string> Positional { get; } = new();

    public static CliArgs Parse(IReadOnlyList<string> args, string command, IEnumerable<string> options, IEnumerable<string>? flags = null)
    {
        var known = new HashSet<string>(options);
        var knownFlags = new HashSet<string>(flags ?? Array.Empty<string>());
        var r = new CliArgs();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--") || a == "--")
            {
                r.Positional.Add(a);
                continue;
            }
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (knownFlags.Contains(name))
            {
                if (value is not null) throw new CliException($"{command}: --{name} takes no value");
                r._flags.Add(name);
                continue;
            }
            if (!known.Contains(name))
            {
                var all = known.Concat(knownFlags).Select(k => "--" + k).OrderBy(k => k);
                throw new CliException($"{command}: unknown option --{name}; options: {string.Join(" ", all)}");
            }
            if (value is null)
            {
                if (i + 1 >= args.Count) throw new CliException($"{command}: --{name} needs a value");
                value = args[++i];
            }
            if (!r._options.TryGetValue(name, out var list)) r._options[name] = list = new List<string>();
            list.Add(value);
        }
        return r;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Get(string name) => _options.TryGetValue(name, out var l) ? l[^1] : null;

    public IReadOnlyList<string> All(string name) => _options.TryGetValue(name, out var l) ? l : Array.Empty<string>();

    public long? GetLong(string name, long min = long.MinValue)
    {
        var s = Get(name);
        if (s is null) return null;
        if (!TryParseCount(s, out long v)) throw new CliException($"--{name}: '{s}' is not a whole number");
        if (v < min) throw new CliException($"--{name}: {v} is below the minimum {min}");
        return v;
    }

    public int? GetInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var v = GetLong(name, min);
        if (v is null) return null;
        if (v > int.MaxValue || v < int.MinValue) throw new CliException($"--{name}: {v} does not fit a 32-bit integer");
        if (v > max) throw new CliException($"--{name}: {v} is above the maximum {max}");
        return (int)v;
    }

    /// <summary>The most intra-op threads --torch-threads may ask for: 4 per core, at least 64 (100,000 made torch hang).</summary>
    public static int MaxTorchThreads => Math.Max(64, 4 * Environment.ProcessorCount);

    /// <summary>--torch-threads, checked against 1 … <see cref="MaxTorchThreads"/>.</summary>
    public int? TorchThreads => GetInt("torch-threads", 1, MaxTorchThreads);

    /// <summary>Whole numbers, also written as 50k, 1.5M or 1e5.</summary>
    public static bool TryParseCount(string s, out long v)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        double mult = 1;
        string t = s.Trim().Replace("_", "");
        if (t.EndsWith("k", StringComparison.OrdinalIgnoreCase)) { mult = 1e3; t = t[..^1]; }
        else if (t.EndsWith("m", StringComparison.OrdinalIgnoreCase)) { mult = 1e6; t = t[..^1]; }
        if (double.TryParse(t, System.Globalization.NumberStyles.Float, inv, out double d) && double.IsFinite(d))
        {
            double x = d * mult;
            if (x == Math.Floor(x) && Math.Abs(x) < 9e18) { v = (long)x; return true; }
        }
        v = 0;
        return false;
    }

    /// <summary>KEY=VALUE pairs of a repeatable option, into a dictionary (later pairs win).</summary>
    public Dictionary<string, string> Pairs(string name)
    {
        var d = new Dictionary<string, string>();
        foreach (var kv in All(name))
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) throw new CliException($"--{name} expects KEY=VALUE, got '{kv}'");
            d[kv[..eq].Trim()] = kv[(eq + 1)..].Trim();
        }
        return d;
    }
}
