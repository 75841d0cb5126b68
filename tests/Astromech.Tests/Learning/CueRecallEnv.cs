using Astromech.Envs;
using Astromech.Envs.Spaces;

namespace Astromech.Tests.Learning;

/// <summary>
/// A small memory task for recurrent agents: the first observation shows a cue (−1 or +1); the next
/// <c>length</c> − 2 observations show nothing; the last one says "answer now". Answering with action 1 for
/// cue +1 (action 0 for −1) earns +1, the wrong answer −1, and ends the episode; all other steps earn 0.
/// Observation: [cue (only at step 0), first-step flag, answer-step flag]. A policy without memory sees the
/// same observation at the answer step whatever the cue, so its expected return is 0; remembering the cue
/// for length − 1 steps earns 1.
/// </summary>
public sealed class CueRecallEnv : Env
{
    private readonly int _length;
    private int _t;
    private float _cue;

    public CueRecallEnv(int length)
    {
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), length, "the cue and the answer need two steps");
        _length = length;
    }

    public override Space ObservationSpace { get; } = new Box(-1f, 1f, new[] { 3 });
    public override Space ActionSpace { get; } = new Discrete(2);

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _t = 0;
        _cue = Rng.Next(2) == 0 ? -1f : 1f;
        Write(obs);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        bool answer = _t == _length - 1;
        double reward = 0;
        if (answer) reward = (action[0] > 0.5f) == (_cue > 0) ? 1 : -1;
        _t++;
        Write(obs);
        return new StepResult(reward, Terminated: answer, Truncated: false);
    }

    private void Write(Span<float> obs)
    {
        obs[0] = _t == 0 ? _cue : 0f;
        obs[1] = _t == 0 ? 1f : 0f;
        obs[2] = _t == _length - 1 ? 1f : 0f;
    }
}
