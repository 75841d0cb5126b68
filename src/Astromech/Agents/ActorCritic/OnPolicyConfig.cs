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
    /// <summary>λ = kickstart_lambda throughout.</summary>
    Constant,
    /// <summary>Straight line from kickstart_lambda to kickstart_lambda_end over kickstart_decay_steps env steps.</summary>
    Linear,
    /// <summary>kickstart_lambda · ½^(step / kickstart_decay_steps), never below kickstart_lambda_end.</summary>
    Exponential,
    /// <summary>Held at kickstart_lambda, which population-based training changes between its ready points.</summary>
    Pbt,
}

/// <summary>The distillation term of kickstarting.</summary>
public enum KickstartLoss { CrossEntropy, Kl }

public abstract record OnPolicyConfig : IValidatableConfig
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

    // Kickstarting (Schmitt et al. 2018; see Agents/Kickstarting): L = rl_loss_weight·L_RL + λ·Σ_k w_k·H(π_k ‖ π).
    /// <summary>Teacher checkpoints (any saved Astromech policy with the same action space); empty: no kickstarting.</summary>
    public string[] KickstartTeachers { get; init; } = Array.Empty<string>();
    /// <summary>Weight w_k of each teacher's term (empty: 1 for every teacher).</summary>
    public double[] KickstartWeights { get; init; } = Array.Empty<double>();
    /// <summary>Multi-task routing: the task id each teacher covers (empty: every teacher sees every state).</summary>
    public int[] KickstartTasks { get; init; } = Array.Empty<int>();
    /// <summary>Multi-task routing: the observation feature holding the task id of a state (rounded to an integer); −1: none.</summary>
    [ConfigRange(-1, 1e9)] public int KickstartTaskIndex { get; init; } = -1;
    /// <summary>λ at the start of the run (the schedule's start value; PBT's starting point under "pbt").</summary>
    [ConfigRange(0, 1e6)] public double KickstartLambda { get; init; } = 1.0;
    public KickstartSchedule KickstartSchedule { get; init; } = KickstartSchedule.Constant;
    /// <summary>λ's final value for the linear schedule, and its floor for the exponential one.</summary>
    [ConfigRange(0, 1e6)] public double KickstartLambdaEnd { get; init; } = 0.0;
    /// <summary>Linear: env steps from λ to kickstart_lambda_end. Exponential: env steps per halving of λ.</summary>
    [ConfigRange(1, 1e12)] public long KickstartDecaySteps { get; init; } = 100_000;
    /// <summary>Cross-entropy H(π_teacher, π_student) (the paper's) or KL(π_teacher ‖ π_student) (same gradient, reads 0 at a perfect copy).</summary>
    public KickstartLoss KickstartLoss { get; init; } = KickstartLoss.CrossEntropy;
    /// <summary>Temperature τ of Q-value teachers (DQN, R2D2 checkpoints): π_teacher = softmax(Q/τ).</summary>
    [ConfigRange(0, 1e6, MinExclusive = true)] public double KickstartTemperature { get; init; } = 1.0;
    /// <summary>Weight of the actor-critic loss itself; 0 with teachers is pure policy distillation.</summary>
    [ConfigRange(0, 1e6)] public double RlLossWeight { get; init; } = 1.0;

    public virtual IEnumerable<string> Validate()
    {
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0))
            yield return $"hidden must list positive layer sizes, got [{string.Join(", ", Hidden)}]";
        int k = KickstartTeachers.Length;
        if (KickstartWeights.Length != 0 && KickstartWeights.Length != k)
            yield return $"kickstart_weights has {KickstartWeights.Length} entries but kickstart_teachers names {k} teachers (give one weight per teacher, or none)";
        if (KickstartWeights.Any(w => !(w >= 0) || double.IsInfinity(w)))
            yield return $"kickstart_weights must be finite and ≥ 0, got [{string.Join(", ", KickstartWeights)}]";
        if (KickstartTasks.Length != 0 && KickstartTasks.Length != k)
            yield return $"kickstart_tasks has {KickstartTasks.Length} entries but kickstart_teachers names {k} teachers (give one task id per teacher, or none)";
        if (KickstartTasks.Length != 0 && KickstartTaskIndex < 0)
            yield return "kickstart_tasks needs kickstart_task_index (the observation feature that holds each state's task id)";
        if (KickstartTaskIndex >= 0 && KickstartTasks.Length == 0)
            yield return "kickstart_task_index is set but kickstart_tasks is empty (give the task id of each teacher)";
        if (RlLossWeight == 0 && k == 0)
            yield return "rl_loss_weight = 0 leaves nothing to learn from without kickstart_teachers";
        if (KickstartTeachers.Any(string.IsNullOrWhiteSpace))
            yield return "kickstart_teachers holds an empty path";
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
