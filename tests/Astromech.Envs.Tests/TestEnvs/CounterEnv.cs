using Astromech.Envs.Spaces;

namespace Astromech.Envs.Tests.TestEnvs;

/// <summary>
/// A deterministic, allocation-free test env. At reset it draws <c>Start</c> ∈ [0, 1) and an episode length in
/// [MinLength, MaxLength] from its RNG. Observation (Box of ObsSize ≥ 3, bounds [-1000, 1000 + j]):
/// [t + Start, Start, last action[0], 0, 0, ...]. Step t (1-based) gives reward t + Start + action[0]; the episode
/// ends after its length, as terminated or truncated (<see cref="EndAsTruncated"/>).
/// </summary>
public sealed class CounterEnv : Env
{
    private readonly Space _obs, _act;
    private readonly int _obsSize;
    private int _t, _length;
    private double _start;
    private long _totalSteps;

    public CounterEnv(int minLength = 5, int? maxLength = null, bool truncate = false, int obsSize = 3,
        int? boxActionDim = null, int discreteActions = 3)
    {
        if (obsSize < 3) throw new ArgumentOutOfRangeException(nameof(obsSize));
        MinLength = minLength;
        MaxLength = maxLength ?? minLength;
        EndAsTruncated = truncate;
        _obsSize = obsSize;
        _obs = new Box(Enumerable.Repeat(-1000f, obsSize).ToArray(), Enumerable.Range(0, obsSize).Select(j => 1000f + j).ToArray());
        _act = boxActionDim is int d ? new Box(-2f, 2f, new[] { d }) : new Discrete(discreteActions);
        LastAction = new float[_act.FlatSize];
    }

    public int MinLength { get; }
    public int MaxLength { get; }
    public bool EndAsTruncated { get; }

    /// <summary>When set, the step that brings the total step count to this value throws (once).</summary>
    public long? ThrowAtTotalStep { get; set; }

    public float[] LastAction { get; }
    public int Resets { get; private set; }
    public bool Disposed { get; private set; }
    public double Start => _start;

    public override Space ObservationSpace => _obs;
    public override Space ActionSpace => _act;

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _t = 0;
        _start = Rng.NextDouble();
        _length = MinLength + Rng.Next(MaxLength - MinLength + 1);
        Resets++;
        Write(obs, 0);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        _totalSteps++;
        if (ThrowAtTotalStep == _totalSteps)
        {
            ThrowAtTotalStep = null;
            throw new InvalidOperationException($"boom at step {_totalSteps}");
        }
        action.CopyTo(LastAction);
        _t++;
        Write(obs, action[0]);
        double reward = _t + _start + action[0];
        bool end = _t >= _length;
        return new StepResult(reward, end && !EndAsTruncated, end && EndAsTruncated);
    }

    private void Write(Span<float> obs, float a)
    {
        obs[0] = (float)(_t + _start);
        obs[1] = (float)_start;
        obs[2] = a;
        for (int j = 3; j < _obsSize; j++) obs[j] = 0;
    }

    public override void Dispose() => Disposed = true;
}

/// <summary>Emits a scripted reward sequence, then terminates; observation is a constant [0].</summary>
public sealed class ScriptedRewardEnv : Env
{
    private readonly double[] _rewards;
    private int _t;

    public ScriptedRewardEnv(params double[] rewards) => _rewards = rewards;

    public override Space ObservationSpace { get; } = new Box(-1f, 1f, new[] { 1 });
    public override Space ActionSpace { get; } = new Discrete(1);

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _t = 0;
        obs[0] = 0;
        return new Dictionary<string, object> { ["reset"] = true };
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        obs[0] = 0;
        double r = _rewards[_t++];
        return new StepResult(r, _t == _rewards.Length, false, new Dictionary<string, object> { ["step"] = _t });
    }
}
