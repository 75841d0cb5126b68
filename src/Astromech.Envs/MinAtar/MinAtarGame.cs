using Astromech.Envs.Spaces;

namespace Astromech.Envs.MinAtar;

/// <summary>
/// Base of the five MinAtar games (Young &amp; Tian 2019, "MinAtar: An Atari-Inspired Testbed for Thorough and
/// Reproducible Reinforcement Learning Experiments"): Atari-like rules on a 10×10 grid, observed as C binary
/// channels. This class holds what the games share, as the reference implementation's environment wrapper does:
/// <list type="bullet">
/// <item><b>Actions.</b> The full set is Discrete(6) = no-op, left, up, right, down, fire (<c>-v0</c>); the minimal
/// set (<c>-v1</c>) keeps only the actions that matter in the game, in the full set's order. Agent actions index the
/// chosen set and are mapped to full-set actions before anything else.</item>
/// <item><b>Sticky actions.</b> Every step draws u ~ U[0, 1) from the env's RNG; when u &lt; <see cref="StickyActionProb"/>
/// (0.1 by default) the previous (full-set) action is repeated instead of the chosen one. The previous action
/// starts as no-op when the env is built and is <i>not</i> cleared by a reset, not even a seeded one: the reference's
/// gymnasium wrapper seeds by replacing the game's RNG (<c>Environment.seed</c>), keeping <c>last_action</c>, so a seeded
/// reset of a used env can repeat the action executed before it on its first step (a fresh env with the same seed
/// repeats no-op).</item>
/// <item><b>Difficulty ramping</b> (<see cref="DifficultyRamping"/>, on by default) speeds up Asterix, Seaquest and
/// Space Invaders as play goes on; Breakout and Freeway do not ramp.</item>
/// <item><b>Observation</b>: Box [0, 1] of shape (C, 10, 10), float32, channels first; element (c, y, x) is 1 when
/// channel c is active in row y (0 = top), column x (0 = left).</item>
/// <item><b>Episodes</b> end only by the game's own terminal rule (Freeway's after 2500 frames); the games register no
/// time limit, as the reference's Gymnasium registration (MinAtar 1.0.14) does not.</item>
/// </list>
/// Stepping writes the observation into the caller's buffer and allocates nothing.
/// </summary>
public abstract class MinAtarGame : Env
{
    public const int Size = 10;
    public const int Cells = Size * Size;

    /// <summary>The full action set, as the reference orders it.</summary>
    public const int NoOp = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    public const int FullActionCount = 6;

    private readonly int[] _actionMap;
    private readonly Box _observationSpace;
    private readonly Discrete _actionSpace;
    private double _stickyActionProb = 0.1;
    private int _lastAction = NoOp;

    protected MinAtarGame(int channels, int[] minimalActions, bool minimalActionSet)
    {
        Channels = channels;
        MinimalActionSet = minimalActionSet;
        _actionMap = minimalActionSet ? (int[])minimalActions.Clone() : new[] { NoOp, Left, Up, Right, Down, Fire };
        _observationSpace = new Box(0f, 1f, new[] { channels, Size, Size });
        _actionSpace = new Discrete(_actionMap.Length);
    }

    /// <summary>Number of observation channels C.</summary>
    public int Channels { get; }

    /// <summary>True for the <c>-v1</c> variants, whose actions index the game's minimal set.</summary>
    public bool MinimalActionSet { get; }

    /// <summary>The full-set action each agent action stands for.</summary>
    public IReadOnlyList<int> ActionMap => _actionMap;

    public override Space ObservationSpace => _observationSpace;
    public override Space ActionSpace => _actionSpace;

    [EnvArg("sticky_action_prob", Help = "probability that the previous action repeats instead of the chosen one (MinAtar: 0.1)")]
    public double StickyActionProb
    {
        get => _stickyActionProb;
        set
        {
            if (!(value >= 0 && value <= 1)) throw new ArgumentOutOfRangeException("sticky_action_prob", value, "sticky_action_prob must be in [0, 1]");
            _stickyActionProb = value;
        }
    }

    [EnvArg("difficulty_ramping", Help = "speed the game up as play goes on (Asterix, Seaquest, Space Invaders; no effect in Breakout and Freeway)")]
    public bool DifficultyRamping { get; set; } = true;

    /// <summary>The full-set action executed last (what a sticky step repeats).</summary>
    public int LastAction => _lastAction;

    /// <summary>The game's current difficulty level (0 at reset; only ramping games raise it).</summary>
    public virtual int DifficultyLevel => 0;

    protected sealed override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        ResetGame();
        obs.Clear();
        Render(obs);
        return null;
    }

    protected sealed override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        int a = _actionMap[(int)action[0]];
        // The draw happens every step (as in the reference), so the RNG stream does not depend on the probability.
        if (Rng.NextDouble() < _stickyActionProb) a = _lastAction;
        _lastAction = a;
        int reward = Act(a, out bool terminal);
        obs.Clear();
        Render(obs);
        return new StepResult(reward, terminal, false);
    }

    /// <summary>Puts the game in its start state (may draw from <see cref="Env.Rng"/>).</summary>
    protected abstract void ResetGame();

    /// <summary>Advances the game one frame under full-set action <paramref name="a"/>; returns the reward.</summary>
    protected abstract int Act(int a, out bool terminal);

    /// <summary>Sets the active cells of a zeroed observation.</summary>
    protected abstract void Render(Span<float> obs);

    /// <summary>Marks channel <paramref name="c"/> at row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    protected static void Set(Span<float> obs, int c, int y, int x) => obs[c * Cells + y * Size + x] = 1f;

    /// <summary>A fair coin from the env's RNG (the reference's <c>rand() &lt; 1/2</c>).</summary>
    protected bool Coin() => Rng.NextDouble() < 0.5;
}
