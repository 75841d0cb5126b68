using System.Collections.ObjectModel;

namespace Astromech.Envs;

/// <summary>
/// The <c>"is_success"</c> entry of a step's <see cref="StepResult.Info"/> (Gymnasium's and SB3's key): envs with a
/// goal put it, as a bool, into the info of the last step of every episode; evaluators turn it into a success rate.
/// Envs without a notion of success leave it out.
/// </summary>
public static class EpisodeSuccess
{
    public const string Key = "is_success";

    /// <summary>A shared, immutable info holding <c>is_success = true</c> (no allocation per step).</summary>
    public static IReadOnlyDictionary<string, object> Succeeded { get; } =
        new ReadOnlyDictionary<string, object>(new Dictionary<string, object> { [Key] = true });

    /// <summary>A shared, immutable info holding <c>is_success = false</c>.</summary>
    public static IReadOnlyDictionary<string, object> Failed { get; } =
        new ReadOnlyDictionary<string, object>(new Dictionary<string, object> { [Key] = false });

    /// <summary>The info's <c>is_success</c> when present and a bool; null otherwise.</summary>
    public static bool? Of(IReadOnlyDictionary<string, object>? info) =>
        info is not null && info.TryGetValue(Key, out var v) && v is bool b ? b : null;
}
