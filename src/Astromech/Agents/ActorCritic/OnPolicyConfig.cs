using Astromech.Agents.Kickstarting;
using Astromech.Nn;
using Astromech.Training.Config;

namespace Astromech.Agents.ActorCritic;

/// <summary>
/// What every on-policy actor-critic learner shares (A2C, PPO; A3C's workers and IMPALA's actors build the
/// same network): the network shape, the rollout length and env copies, discounting and GAE(λ), and the
/// weights of the loss terms. Defaults are Stable-Baselines3's; each algorithm's record overrides its own.
/// </summary>
/// <summary>How λ, the weight of the kickstarting term, changes over a run.</summary>
public enum KickstartSchedule
{
    /// <summary>λ = kickstart.lambda throughout.</summary>
    Constant,
    /// <summary>Straight line from kickstart.lambda to kickstart.lambda_end over kickstart.decay_steps env steps.</summary>
    Linear,
    /// <summary>kickstart.lambda · ½^(step / kickstart.decay_steps), never below kickstart.lambda_end.</summary>
    Exponential,
    /// <summary>Held at kickstart.lambda, which population-based training changes between its ready points.</summary>
    Pbt,
}

/// <summary>The distillation term of kickstarting.</summary>
public enum KickstartLoss { CrossEntropy, Kl }

public abstract record OnPolicyConfig : IValidatableConfig, IKickstartableConfig
{
    [ConfigRange(0, 1, MinExclusive = true)] public double LearningRate { get; init; } = 3e-4;
    /// <summary>Anneal the learning rate linearly to 0 over the run (the Zoo's "lin_" schedules).</summary>
    public bool LrAnneal { get; init; } = false;
    /// <summary>Env copies stepped together.</summary>
    [ConfigRange(1, 4096)] public int NumEnvs { get; init; } = 1;
    /// <summary>Steps per env copy in each rollout (the rollout holds n_steps × num_envs transitions).</summary>
    [ConfigRange(1, 1e7)] public int NSteps { get; init; } = 2048;
    [ConfigRange(0, 1)] public double Gamma { get; init; } = 0.99;
    /// <summary>λ of GAE (1 gives n-step returns bootstrapped at the rollout's end, as A2C/A3C use).</summary>
    [ConfigRange(0, 1)] public double GaeLambda { get; init; } = 0.95;
    /// <summary>Weight of the entropy bonus.</summary>
    [ConfigRange(0, 1e3)] public double EntCoef { get; init; } = 0.0;
    /// <summary>Weight of the value loss.</summary>
    [ConfigRange(0, 1e3)] public double VfCoef { get; init; } = 0.5;
    /// <summary>Global gradient-norm clip; 0 disables.</summary>
    [ConfigRange(0, 1e9)] public double MaxGradNorm { get; init; } = 0.5;
    public bool NormalizeAdvantage { get; init; } = true;
    /// <summary>Hidden layer sizes of the policy and value torsos.</summary>
    public int[] Hidden { get; init; } = { 64, 64 };
    public Activation Activation { get; init; } = Activation.Tanh;
    /// <summary>Torso: auto (conv for C×H×W observations such as MinAtar's, MLP otherwise), mlp or conv (always ReLU).</summary>
    public TorsoKind Torso { get; init; } = TorsoKind.Auto;
    /// <summary>Filters of the conv torso's 3×3 convolution (MinAtar: 16).</summary>
    [ConfigRange(1, 4096)] public int ConvFilters { get; init; } = 16;
    /// <summary>One torso for both heads (true) or one each (false, Stable-Baselines3's MlpPolicy).</summary>
    public bool ShareTorso { get; init; } = false;
    public bool OrthoInit { get; init; } = true;
    /// <summary>Initial log σ of Gaussian policies.</summary>
    [ConfigRange(-20, 2)] public double LogStdInit { get; init; } = 0.0;

    /// <summary>Kickstarting (Schmitt et al. 2018; see Agents/Kickstarting): teachers, λ and its schedule, the distillation term.</summary>
    public KickstartConfig Kickstart { get; init; } = new();

    public object WithoutTeachers() => this with { Kickstart = Kickstart.WithoutTeachers() };

    // The flat keys kickstarting had before it was a record of its own: aliases that configs, checkpoints and code written
    // then still use. They read and write through to Kickstart and are not written by ConfigBinder.ToJson.
    [ConfigAlias("kickstart.teachers")] public string[] KickstartTeachers { get => Kickstart.Teachers; init => Kickstart = Kickstart with { Teachers = value }; }
    [ConfigAlias("kickstart.weights")] public double[] KickstartWeights { get => Kickstart.Weights; init => Kickstart = Kickstart with { Weights = value }; }
    [ConfigAlias("kickstart.tasks")] public int[] KickstartTasks { get => Kickstart.Tasks; init => Kickstart = Kickstart with { Tasks = value }; }
    [ConfigAlias("kickstart.task_index")] public int KickstartTaskIndex { get => Kickstart.TaskIndex; init => Kickstart = Kickstart with { TaskIndex = value }; }
    [ConfigAlias("kickstart.lambda")] public double KickstartLambda { get => Kickstart.Lambda; init => Kickstart = Kickstart with { Lambda = value }; }
    [ConfigAlias("kickstart.schedule")] public KickstartSchedule KickstartSchedule { get => Kickstart.Schedule; init => Kickstart = Kickstart with { Schedule = value }; }
    [ConfigAlias("kickstart.lambda_end")] public double KickstartLambdaEnd { get => Kickstart.LambdaEnd; init => Kickstart = Kickstart with { LambdaEnd = value }; }
    [ConfigAlias("kickstart.decay_steps")] public long KickstartDecaySteps { get => Kickstart.DecaySteps; init => Kickstart = Kickstart with { DecaySteps = value }; }
    [ConfigAlias("kickstart.loss")] public KickstartLoss KickstartLoss { get => Kickstart.Loss; init => Kickstart = Kickstart with { Loss = value }; }
    [ConfigAlias("kickstart.temperature")] public double KickstartTemperature { get => Kickstart.Temperature; init => Kickstart = Kickstart with { Temperature = value }; }
    [ConfigAlias("kickstart.rl_loss_weight")] public double RlLossWeight { get => Kickstart.RlLossWeight; init => Kickstart = Kickstart with { RlLossWeight = value }; }

    public virtual IEnumerable<string> Validate()
    {
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            yield return $"hidden must list positive layer sizes, got [{string.Join(", ", Hidden)}]";
        foreach (var e in ValidateRecurrent()) yield return e;
    }

    public ActorCriticNetwork BuildNetwork(int obsSize, Astromech.Envs.Spaces.Space actionSpace) =>
        BuildNetwork(new[] { obsSize }, actionSpace);

    /// <summary>The network for observations of shape <paramref name="obsShape"/>; its torso follows <see cref="Torso"/>.</summary>
    public ActorCriticNetwork BuildNetwork(IReadOnlyList<int> obsShape, Astromech.Envs.Spaces.Space actionSpace) =>
        new(obsShape, actionSpace, Hidden, Activation, ShareTorso, OrthoInit, LogStdInit, Torso, ConvFilters, Recurrent, CoreSize);

    // Recurrent actor-critic (see docs/recurrent-actor-critic.md): torso → core → heads, the core state carried per
    // env row while acting, stored at the start of each rollout and replayed in training.
    /// <summary>The recurrent core after each torso: none (feedforward), lstm or gru.</summary>
    public CoreKind Recurrent { get; init; } = CoreKind.None;
    /// <summary>Hidden units of the recurrent core.</summary>
    [ConfigRange(1, 65536)] public int CoreSize { get; init; } = 64;
    /// <summary>Trials: keep each env row's core state across episode boundaries instead of zeroing it (RL²-style meta-RL).</summary>
    public bool KeepStateAcrossEpisodes { get; init; } = false;

    /// <summary>
    /// Normalize observations with running statistics of the training observations (SB3's VecNormalize with norm_obs,
    /// clipped to ±10); the statistics are saved in checkpoints.
    /// </summary>
    public bool NormalizeObservations { get; init; } = false;

    /// <summary>Whether this algorithm trains on <see cref="OnPolicyAgent{TConfig}"/> (PPO and A2C), which runs recurrent cores
    /// and observation normalization; the threaded learners (A3C, IMPALA) do not yet.</summary>
    protected virtual bool AcceptsRecurrentCore() => false;

    private IEnumerable<string> ValidateRecurrent()
    {
        string algo = GetType().Name.Replace("Config", "").ToLowerInvariant();
        if (Recurrent != CoreKind.None && !AcceptsRecurrentCore())
            yield return $"recurrent = {Recurrent.ToString().ToLowerInvariant()} is not supported by {algo} (ppo and a2c train recurrent cores); use recurrent = none";
        if (NormalizeObservations && !AcceptsRecurrentCore())
            yield return $"normalize_observations is not supported by {algo} (ppo and a2c normalize observations)";
        if (NormalizeObservations && KickstartTeachers.Length > 0)
            yield return "normalize_observations cannot be combined with kickstart_teachers: the teachers would be shown normalized observations";
        if (Recurrent == CoreKind.None && KeepStateAcrossEpisodes)
            yield return "keep_state_across_episodes needs a recurrent core (set recurrent to lstm or gru)";
    }
}
