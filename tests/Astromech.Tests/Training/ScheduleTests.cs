using Astromech.Training;

namespace Astromech.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void ConstantIsConstant()
    {
        var s = new ConstantSchedule(0.4);
        Assert.Equal(0.4, s.Value(0));
        Assert.Equal(0.4, s.Value(long.MaxValue));
    }

    [Fact]
    public void LinearHoldsBeforeInterpolatesAndClampsAfter()
    {
        var s = new LinearSchedule(1.0, 0.1, DurationSteps: 1000, StartStep: 500);
        Assert.Equal(1.0, s.Value(0));
        Assert.Equal(1.0, s.Value(500));
        Assert.Equal(0.55, s.Value(1000), 12);
        Assert.Equal(0.1009, s.Value(1499), 12);
        Assert.Equal(0.1, s.Value(1500));
        Assert.Equal(0.1, s.Value(10_000_000));
        var rising = new LinearSchedule(0.4, 1.0, 100); // PER's β
        Assert.Equal(0.4, rising.Value(-5));
        Assert.Equal(0.7, rising.Value(50), 12);
        Assert.Equal(1.0, rising.Value(100));
        Assert.Equal(0.2, new LinearSchedule(1, 0.2, 0).Value(0));
    }

    [Fact]
    public void ExponentialDecaysToItsFloor()
    {
        var s = new ExponentialSchedule(1.0, 0.5, DecaySteps: 10, Floor: 0.1);
        Assert.Equal(1.0, s.Value(0));
        Assert.Equal(0.5, s.Value(10), 12);
        Assert.Equal(Math.Pow(0.5, 0.5), s.Value(5), 12);
        Assert.Equal(0.125, s.Value(30), 12);
        Assert.Equal(0.1, s.Value(40));
        Assert.Equal(0.1, s.Value(long.MaxValue));
        Assert.Equal(4.0, new ExponentialSchedule(1.0, 2.0, Floor: 4.0).Value(10)); // growing, capped
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialSchedule(1.0, 0.5, DecaySteps: 0));
    }

    [Fact]
    public void PiecewiseLinearInterpolatesBetweenPointsAndHoldsOutside()
    {
        var s = new PiecewiseLinearSchedule((0, 1.0), (1_000_000, 0.1), (25_000_000, 0.01));
        Assert.Equal(1.0, s.Value(-1));
        Assert.Equal(1.0, s.Value(0));
        Assert.Equal(0.55, s.Value(500_000), 12);
        Assert.Equal(0.1, s.Value(1_000_000));
        Assert.Equal(0.055, s.Value(13_000_000), 12);
        Assert.Equal(0.01, s.Value(25_000_000));
        Assert.Equal(0.01, s.Value(long.MaxValue));
        Assert.Equal(3.0, new PiecewiseLinearSchedule((7, 3.0)).Value(100));
        Assert.Throws<ArgumentException>(() => new PiecewiseLinearSchedule((5, 1.0), (5, 2.0)));
        Assert.Throws<ArgumentException>(() => new PiecewiseLinearSchedule());
    }
}
