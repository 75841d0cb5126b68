using Astromech.Agents.ActorCritic;
using Astromech.Nn;
using Astromech.Training.Config;

namespace Astromech.Agents.Rl2;

/// <summary>The slow learner RL² trains its recurrent policy with.</summary>
public enum Rl2Learner
{
    /// <summary>PPO-clip over whole trials (Duan et al. used TRPO; PPO is its first-order successor, as in garage's RL2PPO).</summary>
    Ppo,
    /// <summary>Synchronous advantage actor-critic, Wang et al. (2016)'s learner.</summary>
    A2c,
}

/// <summary>
/// RL² (Duan et al. 2016, "RL²: Fast Reinforcement Learning via Slow Reinforcement Learning"; Wang et al. 2016,
/// "Learning to reinforcement learn"): a recurrent actor-critic trained across a task family on trials of
/// <see cref="TrialEpisodes"/> episodes each (<see cref="Astromech.Envs.Meta.TrialWrapper"/>), its core fed the previous
/// action, reward and done flag and reset only between trials.
/// <para>Defaults: a GRU core (the paper's choice) of 256 units (the paper's size for bandits and MDPs as we read its
/// appendix), γ = 0.99 and λ = 0.95 (common PPO values, not the paper's TRPO settings), one shared torso feeding one core
/// for both heads; the rollout is 32 env rows × 100 steps and PPO takes 4 epochs over it in minibatches of 8 whole rows.
/// The other keys are PPO's (<see cref="Ppo.PpoConfig"/>) and A2C's (<see cref="A2c.A2cConfig"/>, used when learner = a2c).</para>
/// </summary>
public sealed record Rl2Config : OnPolicyConfig
{
    public Rl2Config()
    {
        Recurrent = CoreKind.Gru;
        CoreSize = 256;
        NumEnvs = 32;
        NSteps = 100;
        ShareTorso = true;
        EntCoef = 0.0;
    }

    /// <summary>Episodes of the inner env per trial (n): one task is held for that many episodes, and the core is reset between trials.</summary>
    [ConfigRange(1, 1e6)] public int TrialEpisodes { get; init; } = 10;
    /// <summary>ppo (default) or a2c.</summary>
    public Rl2Learner Learner { get; init; } = Rl2Learner.Ppo;

    // PPO's keys (learner = ppo).
    /// <summary>Minibatch size in steps; with the recurrent core it is a whole number of env rows (a multiple of n_steps).</summary>
    [ConfigRange(1, 1e8)] public int BatchSize { get; init; } = 800;
    [ConfigRange(1, 1000)] public int NEpochs { get; init; } = 4;
    [ConfigRange(0, 10, MinExclusive = true)] public double ClipRange { get; init; } = 0.2;
    public bool ClipRangeAnneal { get; init; } = false;
    [ConfigRange(0, 1e6)] public double ClipRangeVf { get; init; } = 0;
    [ConfigRange(0, 1e3)] public double TargetKl { get; init; } = 0;

    // A2C's keys (learner = a2c).
    [ConfigRange(0, 1)] public double RmsAlpha { get; init; } = 0.99;
    [ConfigRange(0, 1, MinExclusive = true)] public double RmsEps { get; init; } = 1e-5;
    public bool UseAdam { get; init; } = false;

    public override IEnumerable<string> Validate()
    {
        foreach (var e in base.Validate()) yield return e;
        if (Recurrent == CoreKind.None)
            yield return "rl2 needs a recurrent core: recurrent must be gru or lstm (its memory is what learns within a trial)";
        if (KeepStateAcrossEpisodes)
            yield return "keep_state_across_episodes must be false for rl2: the trial wrapper already hides the episode ends inside a trial, and the core must be reset between trials";
        if (Learner == Rl2Learner.Ppo)
        {
            if (BatchSize > NSteps * NumEnvs)
                yield return $"batch_size ({BatchSize}) must not exceed the rollout size n_steps × num_envs ({NSteps} × {NumEnvs} = {NSteps * NumEnvs})";
            if (BatchSize % NSteps != 0)
                yield return $"batch_size ({BatchSize}) must be a multiple of n_steps ({NSteps}): PPO's recurrent minibatches are whole env rows";
        }
    }

    protected override bool AcceptsRecurrentCore() => true;

    /// <summary>The keys only rl2 has; every other key is the inner learner's.</summary>
    internal static readonly string[] OwnKeys = { "trial_episodes", "learner" };
}
