using Astromech.Envs.Checking;
using Astromech.Envs.ClassicControl;
using Astromech.Envs.Spaces;

namespace Astromech.Envs.Tests;

public class EnvCheckerTests
{
    /// <summary>An env that breaks several rules on purpose (configurable).</summary>
    private sealed class BrokenEnv : IEnv
    {
        public bool IgnoreSeed, ObsOutOfSpace, NanReward, AcceptBadActions, StepAfterDone;
        private readonly Random _rng = new();
        private int _t = -1;
        public Space ObservationSpace { get; } = new Box(-1f, 1f, new[] { 2 });
        public Space ActionSpace { get; } = new Discrete(2);
        public EnvSpec? Spec { get; set; }

        public IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
        {
            var r = seed is int s && !IgnoreSeed ? new Random(s) : _rng;
            obs[0] = (float)r.NextDouble();
            obs[1] = 0;
            _t = 0;
            return null;
        }

        public StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
        {
            if (_t < 0 && !StepAfterDone) throw new InvalidOperationException("reset first");
            if (!AcceptBadActions) ActionSpace.EnsureContains(action);
            _t++;
            obs[0] = ObsOutOfSpace ? 5f : 0.5f;
            obs[1] = 0;
            bool done = _t >= 10;
            if (done && !StepAfterDone) _t = -1;
            return new StepResult(NanReward ? double.NaN : 1.0, done, false);
        }

        public void Dispose() { }
    }

    [Fact]
    public void AWellBehavedEnvPasses() => Assert.Empty(EnvChecker.Check(new BrokenEnv()));

    [Fact]
    public void DetectsEveryKindOfBreakage()
    {
        Assert.Contains(EnvChecker.Check(new BrokenEnv { ObsOutOfSpace = true }), p => p.Contains("not in"));
        Assert.Contains(EnvChecker.Check(new BrokenEnv { NanReward = true }), p => p.Contains("not finite"));
        Assert.Contains(EnvChecker.Check(new BrokenEnv { AcceptBadActions = true }), p => p.Contains("did not throw ArgumentException"));
        Assert.Contains(EnvChecker.Check(new BrokenEnv { StepAfterDone = true }), p => p.Contains("InvalidOperationException"));
        Assert.Contains(EnvChecker.Check(new BrokenEnv { IgnoreSeed = true }), p => p.Contains("seed"));
    }

    [Fact]
    public void EnsureValidListsAllProblems()
    {
        var e = Assert.Throws<EnvCheckException>(() => EnvChecker.EnsureValid(new BrokenEnv { NanReward = true, AcceptBadActions = true }));
        Assert.True(e.Problems.Count >= 2);
        Assert.Contains("not finite", e.Message);
        Assert.Contains("ArgumentException", e.Message);
    }

    [Fact]
    public void ClassicEnvsPassWithSeveralSeeds()
    {
        foreach (int seed in new[] { 0, 17, 12345 })
        {
            EnvChecker.EnsureValid(new CartPole(), seed);
            EnvChecker.EnsureValid(new Pendulum(), seed);
        }
    }
}
