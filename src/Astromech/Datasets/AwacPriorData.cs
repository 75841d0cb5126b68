using Astromech.Agents.Bc;
using Astromech.Envs;
using Astromech.Training;

namespace Astromech.Datasets;

/// <summary>The knobs of AWAC's prior-data recipe.</summary>
public sealed record AwacPriorOptions
{
    /// <summary>Expert demonstrations (deterministic expert actions plus Gaussian noise).</summary>
    public int Demonstrations { get; init; } = 15;
    /// <summary>σ of the demonstrations' action noise, in units of half the Box's width.</summary>
    public double DemoNoise { get; init; } = 0.1;
    /// <summary>Episodes of the behaviour-cloned policy (sampled from its Gaussian, not its mean); 0 keeps only the demonstrations.</summary>
    public int BcEpisodes { get; init; } = 100;
    /// <summary>Gradient steps of behaviour cloning on the demonstrations.</summary>
    public long BcUpdates { get; init; } = 10_000;
    public int Seed { get; init; }
    public string? EnvId { get; init; }
    public string ExpertName { get; init; } = "expert";
}

/// <summary>
/// AWAC's prior data for its MuJoCo experiments (Nair et al. 2020, section 5 and appendix): a handful of noisy expert
/// demonstrations, then many rollouts of a policy behaviour-cloned on those demonstrations, so the data cover the
/// expert's states thinly and a mediocre imitator's states thickly. Rows are the demonstrations followed by the BC
/// rollouts; <c>metadata["recipe"] = "awac_prior"</c>.
/// </summary>
public static class AwacPriorData
{
    public static OfflineDataset Make(IAgent expert, Func<IEnv> makeEnv, AwacPriorOptions? options = null, BcConfig? bc = null)
    {
        var o = options ?? new AwacPriorOptions();
        if (o.BcEpisodes < 0) throw new ArgumentOutOfRangeException(nameof(options), o.BcEpisodes, "BC episodes must not be negative");
        if (o.BcEpisodes > 0 && o.BcUpdates < 1) throw new ArgumentOutOfRangeException(nameof(options), o.BcUpdates, "behaviour cloning needs at least one update");
        var demos = DatasetRollouts.Record(expert, makeEnv, o.Demonstrations, new RolloutOptions
        {
            Seed = o.Seed, Deterministic = true, NoiseSigma = o.DemoNoise, PolicyName = o.ExpertName, EnvId = o.EnvId,
        });
        if (o.BcEpisodes == 0)
        {
            demos.Metadata["recipe"] = "noisy_rollouts";
            return demos;
        }
        var cfg = bc ?? new BcConfig();
        if (cfg.BatchSize > demos.Count) cfg = cfg with { BatchSize = demos.Count };
        using var imitator = new BcAgent(cfg, expert.ObservationSpace, expert.ActionSpace, unchecked(o.Seed + 17));
        imitator.LoadDataset(demos);
        for (long u = 0; u < o.BcUpdates; u++) imitator.OfflineUpdate();
        var rollouts = DatasetRollouts.Record(imitator, makeEnv, o.BcEpisodes, new RolloutOptions
        {
            Seed = unchecked(o.Seed + 100_003), Deterministic = false, PolicyName = "bc", EnvId = o.EnvId,
        });
        var d = OfflineDataset.Concat(demos, rollouts);
        d.Metadata["recipe"] = "awac_prior";
        d.Metadata["policy"] = $"{o.ExpertName} ({o.Demonstrations} demonstrations, noise {o.DemoNoise}) + bc ({o.BcEpisodes} episodes after {o.BcUpdates} updates)";
        d.Metadata["episodes"] = (o.Demonstrations + o.BcEpisodes).ToString();
        return d;
    }
}
