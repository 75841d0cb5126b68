using Astromech.Envs.Spaces;

namespace Astromech.Envs.Wrappers;

/// <summary>
/// DRQN's flickering: each observation (the reset's included) is independently replaced by zeros with probability
/// <see cref="Probability"/>. The draws come from the wrapper's own <see cref="Rng"/>, reseeded (from a mix of the seed,
/// so it is not the inner env's stream) whenever <c>Reset</c> gets a seed. The observation space is the inner Box
/// widened where needed so that it contains 0.
/// </summary>
public sealed class FlickerObservation : Wrapper
{
    private const long SeedMix = 0x5DEECE66DL;
    private readonly Box _space;
    private readonly Rng _rng = new();
    private double _probability;

    public FlickerObservation(IEnv inner, double probability = 0.5) : base(inner)
    {
        var s = inner.ObservationSpace as Box
            ?? throw new ArgumentException($"FlickerObservation needs a Box observation space, got {inner.ObservationSpace}");
        Probability = probability;
        _space = new Box(s.Low.Select(l => MathF.Min(l, 0)).ToArray(), s.High.Select(h => MathF.Max(h, 0)).ToArray(), s.Shape, s.DType);
    }

    /// <summary>The chance that an observation is blanked; settable as the env arg <c>flicker_probability</c>.</summary>
    [EnvArg("flicker_probability", Help = "chance that an observation is replaced by zeros, in [0, 1]")]
    public double Probability
    {
        get => _probability;
        set
        {
            if (!(value >= 0 && value <= 1))
                throw new ArgumentOutOfRangeException("flicker_probability", value, "flicker_probability must be in [0, 1]");
            _probability = value;
        }
    }

    /// <summary>True when the last observation returned was blanked.</summary>
    public bool LastFlickered { get; private set; }

    public override Space ObservationSpace => _space;

    public override IReadOnlyDictionary<string, object>? Reset(Span<float> obs, int? seed = null)
    {
        if (seed is int s) _rng.Seed(unchecked(s ^ SeedMix) * 31 + 17);
        var info = Inner.Reset(obs, seed);
        Flicker(obs);
        return info;
    }

    public override StepResult Step(ReadOnlySpan<float> action, Span<float> obs)
    {
        var r = Inner.Step(action, obs);
        Flicker(obs);
        return r;
    }

    private void Flicker(Span<float> obs)
    {
        LastFlickered = _rng.NextDouble() < Probability;
        if (LastFlickered) obs.Clear();
    }
}
