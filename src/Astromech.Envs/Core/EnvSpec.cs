namespace Astromech.Envs;

/// <summary>
/// A registry entry, as Gymnasium's EnvSpec: the id, how to build the env, the time limit the registry
/// wraps it in, and the return at which the task counts as solved.
/// </summary>
public sealed record EnvSpec(
    string Id,
    Func<IEnv> Factory,
    int? MaxEpisodeSteps = null,
    double? RewardThreshold = null,
    string Description = "")
{
    public override string ToString() => Id;
}

/// <summary>
/// Marks a settable physical parameter of an env (e.g. gravity, pole length), reachable from the CLI as
/// <c>--env-arg name=value</c>. Domain randomization and meta-RL task families vary these.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EnvArgAttribute : Attribute
{
    public string Name { get; }
    public string Help { get; init; } = "";
    public EnvArgAttribute(string name) => Name = name;
}

/// <summary>
/// An env that truncates its own episodes after a number of steps that depends on its env args (so a fixed
/// <see cref="EnvSpec.MaxEpisodeSteps"/> could not express it); listings show this limit.
/// </summary>
public interface IOwnTimeLimit
{
    /// <summary>Steps after which the env sets <c>Truncated</c>, for its current parameters.</summary>
    int MaxEpisodeSteps { get; }
}
