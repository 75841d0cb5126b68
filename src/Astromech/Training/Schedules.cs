namespace Astromech.Training;

/// <summary>A value that changes with the step count: ε for ε-greedy, β for prioritized replay, learning rates.</summary>
public interface ISchedule
{
    double Value(long step);
}

/// <summary>The same value at every step.</summary>
public sealed record ConstantSchedule(double Constant) : ISchedule
{
    public double Value(long step) => Constant;
}

/// <summary>
/// <paramref name="Start"/> until <paramref name="StartStep"/>, then a straight line reaching <paramref name="End"/>
/// after <paramref name="DurationSteps"/> more steps, and <paramref name="End"/> from then on (DQN's ε: 1 → 0.1 over
/// the first 1M frames; PER's β: 0.4 → 1 over training). A duration ≤ 0 jumps to <paramref name="End"/> at StartStep.
/// </summary>
public sealed record LinearSchedule(double Start, double End, long DurationSteps, long StartStep = 0) : ISchedule
{
    /// <summary>
    /// Linear from <paramref name="start"/> to <paramref name="end"/> over the first <paramref name="fraction"/> of
    /// the run, then <paramref name="end"/> (SB3's exploration_fraction schedule for ε).
    /// </summary>
    public static double OverRunFraction(Progress p, double start, double end, double fraction)
    {
        double span = fraction * p.TotalSteps;
        if (span <= 0) return end;
        double frac = Math.Min(1.0, p.EnvSteps / span);
        return start + frac * (end - start);
    }

    public double Value(long step)
    {
        if (step < StartStep) return Start;
        if (DurationSteps <= 0 || step - StartStep >= DurationSteps) return End;
        double frac = (double)(step - StartStep) / DurationSteps;
        return Start + frac * (End - Start);
    }
}

/// <summary>
/// Start·Decay^((step − StartStep)/DecaySteps), held at Start before StartStep and never past
/// <paramref name="Floor"/> (a lower bound when decaying, an upper bound when Decay &gt; 1).
/// </summary>
public sealed record ExponentialSchedule(double Start, double Decay, long DecaySteps = 1, double? Floor = null, long StartStep = 0) : ISchedule
{
    public double Decay { get; init; } = Decay > 0 ? Decay : throw new ArgumentOutOfRangeException(nameof(Decay), Decay, "decay factor must be > 0");
    public long DecaySteps { get; init; } = DecaySteps > 0 ? DecaySteps : throw new ArgumentOutOfRangeException(nameof(DecaySteps), DecaySteps, "DecaySteps must be > 0");

    public double Value(long step)
    {
        if (step <= StartStep) return Start;
        double v = Start * Math.Pow(Decay, (double)(step - StartStep) / DecaySteps);
        if (Floor is double f) v = Decay <= 1 ? Math.Max(v, f) : Math.Min(v, f);
        return v;
    }
}

/// <summary>
/// Straight lines between (step, value) points given in increasing step order; the first value before the
/// first point and the last value after the last one (the Atari ε schedule 1 → 0.1 → 0.01 of Ape-X/Dopamine).
/// </summary>
public sealed class PiecewiseLinearSchedule : ISchedule
{
    private readonly long[] _steps;
    private readonly double[] _values;

    public PiecewiseLinearSchedule(params (long Step, double Value)[] points)
    {
        if (points.Length == 0) throw new ArgumentException("a piecewise-linear schedule needs at least one point", nameof(points));
        for (int i = 1; i < points.Length; i++)
            if (points[i].Step <= points[i - 1].Step)
                throw new ArgumentException($"schedule points must have strictly increasing steps; point {i} has step {points[i].Step} after {points[i - 1].Step}", nameof(points));
        _steps = points.Select(p => p.Step).ToArray();
        _values = points.Select(p => p.Value).ToArray();
    }

    public double Value(long step)
    {
        if (step <= _steps[0]) return _values[0];
        if (step >= _steps[^1]) return _values[^1];
        int hi = Array.BinarySearch(_steps, step);
        if (hi >= 0) return _values[hi];
        hi = ~hi;
        int lo = hi - 1;
        double frac = (double)(step - _steps[lo]) / (_steps[hi] - _steps[lo]);
        return _values[lo] + frac * (_values[hi] - _values[lo]);
    }
}
