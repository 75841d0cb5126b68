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
/// Records episodes of a policy (any trained <see cref="IAgent"/>, or uniformly random actions) into an
/// <see cref="OfflineDataset"/>: one row per step with the env's terminated flag as the terminal and its truncated
/// flag as the timeout, the true final observation as the next observation of an episode's last row. Shared by
/// <c>dataset record</c>, AWAC's prior-data recipe and the tests.
/// </summary>
public static class DatasetRollouts
{
    /// <summary>Rolls out <paramref name="episodes"/> whole episodes; <paramref name="policy"/> null means uniformly random actions.</summary>
    public static OfflineDataset Record(IAgent? policy, Func<IEnv> makeEnv, int episodes, RolloutOptions? options = null)
    {
        var o = options ?? new RolloutOptions();
        if (episodes < 1) throw new ArgumentOutOfRangeException(nameof(episodes), episodes, "record at least one episode");
        if (o.NoiseSigma < 0 || !double.IsFinite(o.NoiseSigma)) throw new ArgumentOutOfRangeException(nameof(options), o.NoiseSigma, "noise σ must be a finite number ≥ 0");
        if (o.Epsilon is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), o.Epsilon, "ε must lie in [0, 1]");
        using var env = makeEnv();
        var obsSpace = env.ObservationSpace;
        var actSpace = env.ActionSpace;
        if (policy is not null && (policy.ObservationSpace.FlatSize != obsSpace.FlatSize || policy.ActionSpace.ToString() != actSpace.ToString()))
            throw new ArgumentException($"the policy was built for observations {policy.ObservationSpace} and actions {policy.ActionSpace}, the env has {obsSpace} and {actSpace}");
        if (o.NoiseSigma > 0 && actSpace is not Box)
            throw new ArgumentException($"Gaussian action noise needs a Box action space; the env's is {actSpace} (use ε-random actions instead)");
        var box = actSpace as Box;
        var rng = new Rng(o.Seed);
        var builder = new OfflineDatasetBuilder(obsSpace.FlatSize, actSpace.FlatSize);
        var obs = new float[obsSpace.FlatSize];
        var next = new float[obsSpace.FlatSize];
        var action = new float[actSpace.FlatSize];
        var start = new[] { true };
        long steps = 0;
        for (int e = 0; e < episodes; e++)
        {
            env.Reset(obs, unchecked(o.Seed + e));
            policy?.OnEpisodeStart(start);
            while (true)
            {
                if (policy is null || o.Epsilon > 0 && rng.NextDouble() < o.Epsilon) actSpace.Sample(rng, action);
                else
                {
                    policy.Act(obs, action, new Progress(steps, steps + 1), o.Deterministic);
                    if (box is not null && o.NoiseSigma > 0)
                        for (int j = 0; j < action.Length; j++)
                        {
                            float half = 0.5f * (box.High[j] - box.Low[j]);
                            action[j] = Math.Clamp(action[j] + (float)(o.NoiseSigma * half * rng.NextGaussian()), box.Low[j], box.High[j]);
                        }
                }
                var r = env.Step(action, next);
                policy?.OnRewards(new[] { (float)r.Reward });
                builder.Add(obs, action, (float)r.Reward, r.Terminated, r.Truncated, next);
                steps++;
                if (r.Terminated || r.Truncated) break;
                Array.Copy(next, obs, obs.Length);
            }
        }
        builder.Metadata["policy"] = o.PolicyName;
        builder.Metadata["episodes"] = episodes.ToString();
        builder.Metadata["seed"] = o.Seed.ToString();
        builder.Metadata["deterministic"] = o.Deterministic ? "true" : "false";
        builder.Metadata["noise_sigma"] = o.NoiseSigma.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        builder.Metadata["epsilon"] = o.Epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var d = builder.Build();
        d.EnvId = o.EnvId ?? env.Spec?.Id;
        return d;
    }
}
