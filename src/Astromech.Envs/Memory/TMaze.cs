using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;

namespace Astromech.Envs.Memory;

/// <summary>
/// The T-maze memory task of Bakker (2002), "Reinforcement learning with long short-term memory": the agent stands at
/// the start of a corridor and sees a cue (up or down) on the first observation only; it must walk east to the
/// junction at the corridor's end and turn to the side the cue named. Solving it needs memory spanning the whole
/// corridor, which makes it the standard first test of recurrent agents (DRQN, R2D2).
/// <para><b>Layout.</b> Cells 0 (start) … <see cref="Length"/> (junction); reaching the junction takes <c>length</c> moves
/// east. Actions, Discrete(4): 0 east, 1 west, 2 up (north), 3 down (south). Moving into a wall (west at the start,
/// east at the junction, up or down anywhere in the corridor) keeps the position.</para>
/// <para><b>Observation</b>, Box [0, 1]^3 = [cue up, cue down, at junction]: [1, 0, 0] or [0, 1, 0] at reset (the cue),
/// then [0, 0, 0] in the corridor (the start cell included) and [0, 0, 1] at the junction, whatever the cue was. The
/// observation after the final turn is the junction's.</para>
/// <para><b>Rewards.</b> Turning up or down at the junction ends the episode (terminated): <see cref="SuccessReward"/> (+4,
/// as Bakker) for the cued side, <see cref="FailureReward"/> (−1) for the other. Every other step costs
/// <see cref="StepReward"/> (−0.1), so dawdling and wall bumps are paid for. The best return is 4 − 0.1·length
/// (2.0 at the default length 20).</para>
/// <para><b>Time limit.</b> The env truncates the episode itself after <see cref="MaxEpisodeSteps"/> = 4·(length + 1) steps (84 at
/// length 20): the limit follows the <c>length</c> env arg, which a registry-wide limit could not.</para>
/// <para><b>Success.</b> The info of the last step of every episode holds <c>is_success</c> (see <see cref="EpisodeSuccess"/>):
/// true after the correct turn, false after the wrong turn or a truncation.</para>
/// <para>The cue is drawn uniformly from the env's RNG at each reset.</para>
/// </summary>
public sealed class TMaze : Env, IOwnTimeLimit
{
    public const double SuccessReward = 4.0;
    public const double FailureReward = -1.0;
    public const double StepReward = -0.1;

    public const int East = 0, West = 1, Up = 2, Down = 3;

    private static readonly Discrete Actions = new(4);
    private static readonly Box Observations = new(0f, 1f, new[] { 3 });

    private int _length = 20;
    private int _junction; // the length the current episode was reset with
    private int _position, _steps, _maxSteps;

    public override Space ObservationSpace => Observations;
    public override Space ActionSpace => Actions;

    [EnvArg("length", Help = "moves east from the start to the junction (>= 1); applies from the next reset")]
    public int Length
    {
        get => _length;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException("length", value, "length must be >= 1");
            if (value > 1_000_000) throw new ArgumentOutOfRangeException("length", value, "length must be <= 1000000");
            _length = value;
        }
    }

    /// <summary>Steps after which the env truncates an episode: 4·(length + 1).</summary>
    public int MaxEpisodeSteps => 4 * (_length + 1);

    /// <summary>True when this episode's cue says up (false: down).</summary>
    public bool CueUp { get; private set; }

    /// <summary>The agent's cell, 0 (start) … <see cref="Length"/> (junction).</summary>
    public int Position => _position;

    /// <summary>Steps taken in this episode.</summary>
    public int Steps => _steps;

    /// <summary>
    /// The mean return of a policy that walks straight to the junction and turns correctly in 95% of episodes (and
    /// wrongly in the rest): 0.95·(4 − 0.1·length) + 0.05·(−1 − 0.1·length) = 3.75 − 0.1·length. A mean at or above it
    /// needs a success rate of at least 95%; it is the registered threshold for the default length (1.75).
    /// </summary>
    public static double SolvedThreshold(int length) =>
        0.95 * (SuccessReward + StepReward * length) + 0.05 * (FailureReward + StepReward * length);

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _junction = _length;
        _maxSteps = MaxEpisodeSteps;
        _position = 0;
        _steps = 0;
        CueUp = Rng.Next(2) == 0;
        obs[2] = 0; // bounds check once
        obs[0] = CueUp ? 1 : 0;
        obs[1] = CueUp ? 0 : 1;
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        int a = (int)action[0];
        _steps++;
        bool atJunction = _position == _junction;
        if (atJunction && a is Up or Down)
        {
            WriteObs(obs);
            bool correct = (a == Up) == CueUp;
            return correct
                ? new StepResult(SuccessReward, true, false, EpisodeSuccess.Succeeded)
                : new StepResult(FailureReward, true, false, EpisodeSuccess.Failed);
        }
        if (a == East) _position = Math.Min(_position + 1, _junction);
        else if (a == West) _position = Math.Max(_position - 1, 0);
        // Up or down in the corridor runs into a wall: the position stays.
        WriteObs(obs);
        return _steps >= _maxSteps
            ? new StepResult(StepReward, false, true, EpisodeSuccess.Failed)
            : new StepResult(StepReward, false, false);
    }

    private void WriteObs(Span<float> obs)
    {
        obs[2] = _position == _junction ? 1 : 0;
        obs[0] = 0;
        obs[1] = 0;
    }
}
