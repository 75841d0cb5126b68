using Astromech.Envs.Spaces;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Meta;

/// <summary>
/// Turns an env of a task family into RL²'s trials (Duan et al. 2016): one task is drawn at the start of a trial and held
/// for <see cref="TrialEpisodes"/> episodes of the inner env; the episodes end inside the trial (the inner env is reset
/// there, without reseeding) and only the trial's end is reported outward, as a termination. So a trainer, a vector env
/// and a recurrent agent that zeroes its core at episode ends see one episode per trial: the core is reset at trial
/// boundaries only, and the episode return the books record is the trial return (the inner returns summed).
/// <para>Observation, a Box: the inner observation, then the previous action (one-hot for a Discrete action space, the
/// action itself for a Box), the previous reward, and a flag that is 1 when the previous step ended an inner episode
/// (Wang et al. 2016 and RL² feed these three). At the trial's first step the previous action, reward and flag are 0.</para>
/// <para>Tasks come from <see cref="TaskRng"/>, seeded by a seeded reset, so seeded resets give equal trials; set
/// <see cref="NextTask"/> to run the next trial on a given task (held-out evaluation).</para>
/// </summary>
public sealed class TrialWrapper : Wrapper
{
    private readonly ITaskFamily _family;
    private readonly Box _obsSpace;
    private readonly int _innerSize, _actionSlots;
    private readonly bool _discrete;
    private readonly float[] _innerObs, _finalInnerObs;
    private readonly double[] _episodeReturns;
    private int _episode;
    private bool _needsReset = true;

    public TrialWrapper(IEnv inner, int trialEpisodes) : base(inner)
    {
        if (trialEpisodes < 1) throw new ArgumentOutOfRangeException(nameof(trialEpisodes), trialEpisodes, "trial_episodes must be >= 1");
        _family = FindFamily(inner) ?? throw new ArgumentException(
            $"the trial wrapper needs an env of a task family (ITaskFamily), but {Describe(inner)} is not one", nameof(inner));
        if (inner.ObservationSpace is not Box innerBox)
            throw new ArgumentException($"the trial wrapper needs a Box observation space, got {inner.ObservationSpace}", nameof(inner));
        TrialEpisodes = trialEpisodes;
        _family.ResampleTaskOnReset = false;
        _innerSize = innerBox.FlatSize;
        (_discrete, _actionSlots) = inner.ActionSpace switch
        {
            Discrete d => (true, d.N),
            Box b => (false, b.FlatSize),
            var s => throw new ArgumentException($"the trial wrapper needs a Discrete or Box action space, got {s}", nameof(inner)),
        };
        int size = _innerSize + _actionSlots + 2;
        var low = new float[size];
        var high = new float[size];
        innerBox.Low.CopyTo(low, 0);
        innerBox.High.CopyTo(high, 0);
        for (int i = 0; i < _actionSlots; i++)
        {
            var b = inner.ActionSpace as Box;
            low[_innerSize + i] = _discrete ? 0 : Math.Min(0, b!.Low[i]);
            high[_innerSize + i] = _discrete ? 1 : Math.Max(0, b!.High[i]);
        }
        low[size - 2] = float.NegativeInfinity;
        high[size - 2] = float.PositiveInfinity;
        low[size - 1] = 0;
        high[size - 1] = 1;
        _obsSpace = new Box(low, high);
        _innerObs = new float[_innerSize];
        _finalInnerObs = new float[_innerSize];
        _episodeReturns = new double[trialEpisodes];
    }

    /// <summary>Inner episodes per trial (n).</summary>
    public int TrialEpisodes { get; }

    /// <summary>The task family the trials draw from (the inner env).</summary>
    public ITaskFamily Family => _family;

    /// <summary>Draws the tasks of the trials; reseeded by a seeded <see cref="Reset"/>.</summary>
    public Rng TaskRng { get; } = new(0);

    /// <summary>When set, the next trial runs on this task instead of a drawn one (then it is cleared).</summary>
    public double[]? NextTask { get; set; }

    /// <summary>The current trial's task.</summary>
    public double[]? Task => _family.CurrentTask;

    /// <summary>Inner episodes finished in the current trial.</summary>
    public int EpisodesDone => _episode;

    /// <summary>Return of each inner episode of the current trial (entries past <see cref="EpisodesDone"/> are in progress or 0).</summary>
    public ReadOnlySpan<double> EpisodeReturns => _episodeReturns;

    /// <summary>The inner env's last observation of the inner episode that ended most recently (the observation the
    /// wrapper shows after an inner episode ends is the next episode's first one).</summary>
    public ReadOnlySpan<float> FinalInnerObservation => _finalInnerObs;

    public override Space ObservationSpace => _obsSpace;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        if (seed is int s) TaskRng.Seed(unchecked(s * 0x5851F42DL + 0x14057B7EL));
        var task = NextTask ?? _family.SampleTask(TaskRng);
        NextTask = null;
        _family.SetTask(task);
        Array.Clear(_episodeReturns);
        _episode = 0;
        var info = Inner.Reset(_innerObs, seed);
        Write(obs, ReadOnlySpan<float>.Empty, 0, false);
        _needsReset = false;
        return info;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        if (_needsReset) throw new InvalidOperationException("trial wrapper: Step called before Reset or after the trial ended; call Reset first");
        var r = Inner.Step(action, _innerObs);
        _episodeReturns[_episode] += r.Reward;
        if (!r.Done)
        {
            Write(obs, action, r.Reward, false);
            return new StepResult(r.Reward, false, false, r.Info);
        }
        _episode++;
        _innerObs.AsSpan().CopyTo(_finalInnerObs);
        if (_episode == TrialEpisodes)
        {
            // The trial ends: the final observation is the inner final one, flagged as an episode end.
            Write(obs, action, r.Reward, true);
            _needsReset = true;
            return new StepResult(r.Reward, true, false, r.Info);
        }
        Inner.Reset(_innerObs);
        Write(obs, action, r.Reward, true);
        return new StepResult(r.Reward, false, false, r.Info);
    }

    private void Write(Span<float> obs, ReadOnlySpan<float> action, double reward, bool done)
    {
        _innerObs.AsSpan().CopyTo(obs);
        var a = obs.Slice(_innerSize, _actionSlots);
        a.Clear();
        if (!action.IsEmpty)
        {
            if (_discrete) a[(int)action[0]] = 1;
            else action[.._actionSlots].CopyTo(a);
        }
        obs[_innerSize + _actionSlots] = (float)reward;
        obs[_innerSize + _actionSlots + 1] = done ? 1 : 0;
    }

    private static ITaskFamily? FindFamily(IEnv env)
    {
        while (true)
        {
            if (env is ITaskFamily f) return f;
            if (env is Wrapper w) env = w.Inner; else return null;
        }
    }

    private static string Describe(IEnv env) => env.Spec?.Id ?? (env is Wrapper w ? w.Unwrapped.GetType().Name : env.GetType().Name);
}
