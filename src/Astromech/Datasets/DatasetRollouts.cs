using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Training;

namespace Astromech.Datasets;

/// <summary>How a policy is rolled out into a dataset.</summary>
public sealed record RolloutOptions
{
    /// <summary>Seed of the first episode's reset (episode i resets with Seed + i) and of the noise.</summary>
    public int Seed { get; init; }
    /// <summary>Act with the policy's deterministic action (evaluation mode) rather than sampling from it.</summary>
    public bool Deterministic { get; init; } = true;
    /// <summary>σ of Gaussian noise added to Box actions, in units of half the Box's width per dimension, then clipped to the Box.</summary>
    public double NoiseSigma { get; init; }
    /// <summary>Probability of replacing the action by a uniformly random one (ε-random), per step.</summary>
    public double Epsilon { get; init; }
    /// <summary>What the policy was (stored as <c>metadata["policy"]</c>): a checkpoint path, "random", "bc".</summary>
    public string PolicyName { get; init; } = "policy";
    /// <summary>The env id stored as <c>metadata["env_id"]</c>.</summary>
    public string? EnvId { get; init; }
}

/// <summary>
/// Records episodes of an <see cref="IAgent"/> (or uniformly random actions) into an <see cref="OfflineDataset"/> through
/// the shared <see cref="DatasetRecorder"/> (terminated → terminal, truncated → timeout, the true final observation as an
/// episode's last next observation, qpos/qvel infos on MuJoCo envs), adding what the recorder's delegate cannot say: a
/// stochastic policy (<see cref="RolloutOptions.Deterministic"/> false samples from the agent's own distribution, as
/// AWAC's prior-data recipe rolls out its BC policy) and the policy's name in the metadata.
/// </summary>
public static class DatasetRollouts
{
    /// <summary>Rolls out <paramref name="episodes"/> whole episodes; <paramref name="policy"/> null means uniformly random actions.</summary>
    public static OfflineDataset Record(IAgent? policy, Func<IEnv> makeEnv, int episodes, RolloutOptions? options = null)
    {
        var o = options ?? new RolloutOptions();
        using var env = makeEnv();
        if (policy is not null && (policy.ObservationSpace.FlatSize != env.ObservationSpace.FlatSize || policy.ActionSpace.ToString() != env.ActionSpace.ToString()))
            throw new ArgumentException($"the policy was built for observations {policy.ObservationSpace} and actions {policy.ActionSpace}, the env has {env.ObservationSpace} and {env.ActionSpace}");
        long steps = 0;
        DatasetPolicy? act = policy is null ? null : (obs, action) =>
        {
            policy.Act(obs, action, new Progress(steps, steps + 1), o.Deterministic);
            steps++;
        };
        var d = DatasetRecorder.Record(env, act, new RecordOptions(episodes, o.Seed, o.NoiseSigma, o.Epsilon));
        d.Metadata["policy"] = o.PolicyName;
        d.Metadata["episodes"] = episodes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        d.Metadata["deterministic"] = o.Deterministic ? "true" : "false";
        if (o.EnvId is not null) d.EnvId = o.EnvId;
        return d;
    }
}
