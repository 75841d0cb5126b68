using System.Collections.Concurrent;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// The MJCF models shipped inside Astromech.Envs (files under src/Astromech.Envs/MuJoCo/Assets, embedded as
/// resources): half_cheetah.xml, hopper.xml, walker2d.xml, ant.xml, inverted_pendulum.xml.
/// </summary>
public static class MjcfAssets
{
    private const string Prefix = "Astromech.Envs.MuJoCo.Assets.";
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>File names of the shipped models.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(MjcfAssets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The MJCF text of a shipped model, e.g. <c>Xml("half_cheetah.xml")</c>.</summary>
    public static string Xml(string name) => Cache.GetOrAdd(name, static n =>
    {
        using var s = typeof(MjcfAssets).Assembly.GetManifestResourceStream(Prefix + n)
            ?? throw new ArgumentException($"No MJCF asset named '{n}'; shipped: {string.Join(", ", Names)}", nameof(name));
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

    /// <summary>Compiles a shipped model.</summary>
    public static MjModel Load(string name) => MjModel.FromXmlString(Xml(name), name);
}
