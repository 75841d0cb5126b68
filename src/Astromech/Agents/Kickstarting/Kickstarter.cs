using Astromech.Agents.ActorCritic;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Kickstarting;

/// <summary>
/// What an actor-critic learner holds to be kickstarted: its teachers (loaded frozen when the agent is built,
/// so a bad teacher fails before training starts), their weights and task routing, and λ's schedule. The
/// learner computes its own loss L_RL as usual and hands it here:
/// <code>  L = rl_loss_weight · L_RL + λ(step) · Σ_k w_k · H(π_k ‖ π)  </code>
/// With rl_loss_weight = 0 this is pure policy distillation.
/// </summary>
public sealed class Kickstarter : IDisposable
{
    private readonly Teacher[] _teachers;
    private readonly double[] _weights;
    private readonly int[]? _tasks;
    private readonly int _taskIndex;
    private readonly KickstartLoss _kind;
    private readonly ISchedule _lambda;
    private readonly double _rlWeight;

    public IReadOnlyList<Teacher> Teachers => _teachers;

    public Kickstarter(IReadOnlyList<Teacher> teachers, IReadOnlyList<double> weights, ISchedule lambda, KickstartLoss kind,
        double rlLossWeight = 1.0, IReadOnlyList<int>? tasks = null, int taskIndex = -1)
    {
        if (teachers.Count == 0) throw new ArgumentException("kickstarting needs at least one teacher");
        if (weights.Count != teachers.Count) throw new ArgumentException($"{weights.Count} kickstarting weights for {teachers.Count} teachers");
        if (tasks is { Count: > 0 } && (tasks.Count != teachers.Count || taskIndex < 0))
            throw new ArgumentException("multi-task kickstarting needs one task id per teacher and the observation index of the task id");
        _teachers = teachers.ToArray();
        _weights = weights.ToArray();
        _tasks = tasks is { Count: > 0 } ? tasks.ToArray() : null;
        _taskIndex = taskIndex;
        _lambda = lambda;
        _kind = kind;
        _rlWeight = rlLossWeight;
    }

    /// <summary>The kickstarter a config asks for, or null without teachers. Loads every teacher now (clear errors name the file).</summary>
    public static Kickstarter? FromConfig(OnPolicyConfig cfg, Space observationSpace, Space actionSpace, int seed) =>
        FromConfig(cfg.Kickstart, observationSpace, actionSpace, seed);

    /// <summary>The kickstarter <paramref name="cfg"/> asks for, or null without teachers.</summary>
    public static Kickstarter? FromConfig(KickstartConfig cfg, Space observationSpace, Space actionSpace, int seed)
    {
        if (!cfg.Enabled) return null;
        var teachers = new List<Teacher>();
        try
        {
            foreach (var path in cfg.Teachers)
                teachers.Add(Teacher.Load(path, observationSpace, actionSpace, cfg.Temperature, seed));
        }
        catch
        {
            foreach (var t in teachers) t.Dispose();
            throw;
        }
        var weights = cfg.Weights.Length == 0 ? Enumerable.Repeat(1.0, teachers.Count).ToArray() : cfg.Weights;
        return new Kickstarter(teachers, weights, LambdaSchedule(cfg), cfg.Loss, cfg.RlLossWeight, cfg.Tasks, cfg.TaskIndex);
    }

    /// <summary>λ as a function of the env step, from the config's kickstart keys (reusing Training/Schedules).</summary>
    public static ISchedule LambdaSchedule(OnPolicyConfig cfg) => LambdaSchedule(cfg.Kickstart);

    /// <summary>λ as a function of the env step (reusing Training/Schedules).</summary>
    public static ISchedule LambdaSchedule(KickstartConfig cfg) => cfg.Schedule switch
    {
        KickstartSchedule.Linear => new LinearSchedule(cfg.Lambda, cfg.LambdaEnd, cfg.DecaySteps),
        KickstartSchedule.Exponential => new ExponentialSchedule(cfg.Lambda, 0.5, cfg.DecaySteps, Floor: Math.Min(cfg.LambdaEnd, cfg.Lambda)),
        _ => new ConstantSchedule(cfg.Lambda),
    };

    /// <summary>λ at <paramref name="envStep"/>.</summary>
    public double Lambda(long envStep) => _lambda.Value(envStep);

    /// <summary>
    /// rl_loss_weight·<paramref name="rlLoss"/> + λ·L_distill on <paramref name="obs"/> [B, obs_size] under the student's
    /// <paramref name="student"/> policy. Call inside the caller's dispose scope.
    /// </summary>
    public (Tensor Loss, KickstartTerms Terms) Apply(Tensor rlLoss, Tensor obs, IActionDistribution student, long envStep)
    {
        double lambda = Lambda(envStep);
        var teacherPolicies = new IActionDistribution[_teachers.Length];
        for (int k = 0; k < _teachers.Length; k++) teacherPolicies[k] = _teachers[k].Policy(obs);
        var masks = new Tensor?[_teachers.Length];
        if (_tasks is not null)
        {
            var taskIds = obs.select(1, _taskIndex).round();
            for (int k = 0; k < _teachers.Length; k++)
                masks[k] = taskIds.eq(Scalars.Of(_tasks[k])).to_type(ScalarType.Float32);
        }
        var (distill, per) = KickstartingLoss.Combine(teacherPolicies, student, _weights, masks, _kind);
        // λ changes with every update under a decaying schedule: a held scalar, not one cached forever by Scalars.Of.
        using Scalar lambdaScalar = lambda.ToScalar();
        var loss = rlLoss.mul(Scalars.Of(_rlWeight)).Plus(distill.mul(lambdaScalar));
        return (loss, new KickstartTerms(distill.item<float>(), lambda, per));
    }

    public void Dispose()
    {
        foreach (var t in _teachers) t.Dispose();
    }
}

/// <summary>The kickstarting values of one update: the weighted distillation loss, λ, and each teacher's unweighted term.</summary>
public sealed record KickstartTerms(double Distill, double Lambda, double[] PerTeacher)
{
    /// <summary>Adds train/kickstart_loss, train/kickstart_lambda and train/kickstart_loss_k (per teacher) to <paramref name="metrics"/>.</summary>
    public void AddTo(IDictionary<string, double> metrics)
    {
        metrics["train/kickstart_loss"] = Distill;
        metrics["train/kickstart_lambda"] = Lambda;
        if (PerTeacher.Length > 1)
            for (int k = 0; k < PerTeacher.Length; k++) metrics[$"train/kickstart_loss_{k}"] = PerTeacher[k];
    }

    /// <summary>The mean of several updates' terms (PPO's minibatches).</summary>
    public static KickstartTerms? Mean(IReadOnlyList<KickstartTerms> terms)
    {
        if (terms.Count == 0) return null;
        int k = terms[0].PerTeacher.Length;
        var per = new double[k];
        foreach (var t in terms) for (int i = 0; i < k; i++) per[i] += t.PerTeacher[i] / terms.Count;
        return new KickstartTerms(terms.Average(t => t.Distill), terms[^1].Lambda, per);
    }
}
