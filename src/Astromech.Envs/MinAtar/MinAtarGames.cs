using Astromech.Envs.Registry;

namespace Astromech.Envs.MinAtar;

/// <summary>
/// Registers the five MinAtar games as <c>MinAtar/&lt;Game&gt;-v0</c> (all 6 actions) and <c>MinAtar/&lt;Game&gt;-v1</c>
/// (the game's minimal action set), the ids of the reference's Gymnasium registration. No time limit is registered,
/// as there (Freeway ends itself after 2500 frames); <c>EnvRegistry.Make(id, maxEpisodeSteps: n)</c> adds one.
/// </summary>
public static class MinAtarGames
{
    /// <summary>The game names, as they appear in the ids.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "Asterix", "Breakout", "Freeway", "Seaquest", "SpaceInvaders" };

    /// <summary>Every registered MinAtar id: each game's -v0 then -v1.</summary>
    public static IEnumerable<string> Ids => Names.SelectMany(n => new[] { $"MinAtar/{n}-v0", $"MinAtar/{n}-v1" });

    /// <summary>A new game by name (as in <see cref="Names"/>).</summary>
    public static MinAtarGame Create(string name, bool minimalActionSet) => name switch
    {
        "Asterix" => new Asterix(minimalActionSet),
        "Breakout" => new Breakout(minimalActionSet),
        "Freeway" => new Freeway(minimalActionSet),
        "Seaquest" => new Seaquest(minimalActionSet),
        "SpaceInvaders" => new SpaceInvaders(minimalActionSet),
        _ => throw new ArgumentException($"unknown MinAtar game '{name}'; the games are {string.Join(", ", Names)}", nameof(name)),
    };

    private static readonly Dictionary<string, string> Blurbs = new()
    {
        ["Asterix"] = "dodge enemies and collect gold crossing eight rows",
        ["Breakout"] = "bounce a ball off a paddle to break three rows of bricks",
        ["Freeway"] = "walk a chicken across eight lanes of traffic, 2500 frames",
        ["Seaquest"] = "shoot fish and subs, rescue divers, surface for oxygen",
        ["SpaceInvaders"] = "shoot down a descending block of aliens",
    };

    [EnvRegistration]
    internal static void Register()
    {
        foreach (var name in Names)
        {
            string n = name;
            var probe = Create(n, true);
            string channels = $"{probe.Channels}x10x10";
            EnvRegistry.Register(new EnvSpec($"MinAtar/{n}-v0", () => Create(n, false), null, null,
                $"MinAtar {n} (Young & Tian 2019): {Blurbs[n]}; obs {channels}, 6 actions, sticky actions 0.1."));
            EnvRegistry.Register(new EnvSpec($"MinAtar/{n}-v1", () => Create(n, true), null, null,
                $"MinAtar {n} with its minimal action set ({probe.ActionMap.Count} actions); obs {channels}, sticky actions 0.1."));
        }
    }
}
