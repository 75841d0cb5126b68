namespace Astromech.Envs.MinAtar;

/// <summary>
/// MinAtar Freeway. A chicken in column 4 crosses eight lanes (rows 1–8) of cars, starting on the bottom row. It
/// moves up or down at most once every 3 frames. Reaching the top row gives +1, sends the chicken back to the bottom
/// and re-draws every car's speed and direction; being on a car's cell (before or after the car moves) also sends it
/// back to the bottom, without penalty. Each lane holds one car that moves one cell every 1–5 frames (its speed,
/// drawn uniformly with a random direction) and wraps around at the edges. The episode terminates after 2500
/// frames (the game's own rule). No difficulty ramping.
/// <para>Channels: 0 chicken, 1 car, 2–6 the car's trail (its previous cell) in the channel of its speed
/// (2: moves every frame … 6: every 5 frames). Minimal actions: no-op, up, down.</para>
/// </summary>
public sealed class Freeway : MinAtarGame
{
    public const int ChickenChannel = 0, CarChannel = 1, FirstSpeedChannel = 2;
    public const int PlayerSpeed = 3;
    public const int TimeLimit = 2500;
    public const int ChickenX = 4;

    private readonly int[] _carX = new int[8], _carTimer = new int[8], _carSpeed = new int[8]; // speed signed: >0 moves right
    private int _pos, _moveTimer, _terminateTimer;

    public Freeway(bool minimalActionSet = false)
        : base(7, new[] { NoOp, Up, Down }, minimalActionSet) { }

    /// <summary>The chicken's row (9 bottom, 0 top).</summary>
    public int ChickenY => _pos;
    /// <summary>Car of lane i (row i + 1): column and signed speed (frames per move; positive moves right).</summary>
    public (int X, int Speed) Car(int i) => (_carX[i], _carSpeed[i]);

    protected override void ResetGame()
    {
        RandomizeCars(initialize: true);
        _pos = 9;
        _moveTimer = PlayerSpeed;
        _terminateTimer = TimeLimit;
    }

    private void RandomizeCars(bool initialize)
    {
        Span<int> speeds = stackalloc int[8];
        for (int i = 0; i < 8; i++) speeds[i] = 1 + Rng.Next(5);
        for (int i = 0; i < 8; i++) if (Rng.Next(2) == 0) speeds[i] = -speeds[i];
        for (int i = 0; i < 8; i++)
        {
            if (initialize) _carX[i] = 0;
            _carTimer[i] = Math.Abs(speeds[i]);
            _carSpeed[i] = speeds[i];
        }
    }

    protected override int Act(int a, out bool terminal)
    {
        int r = 0;
        if (a == Up && _moveTimer == 0)
        {
            _moveTimer = PlayerSpeed;
            _pos = Math.Max(0, _pos - 1);
        }
        else if (a == Down && _moveTimer == 0)
        {
            _moveTimer = PlayerSpeed;
            _pos = Math.Min(9, _pos + 1);
        }

        if (_pos == 0)
        {
            r += 1;
            RandomizeCars(initialize: false);
            _pos = 9;
        }

        for (int i = 0; i < 8; i++)
        {
            int row = i + 1;
            if (_carX[i] == ChickenX && row == _pos) _pos = 9;
            if (_carTimer[i] == 0)
            {
                _carTimer[i] = Math.Abs(_carSpeed[i]);
                int x = _carX[i] + (_carSpeed[i] > 0 ? 1 : -1);
                _carX[i] = x < 0 ? 9 : x > 9 ? 0 : x;
                if (_carX[i] == ChickenX && row == _pos) _pos = 9;
            }
            else _carTimer[i]--;
        }

        if (_moveTimer > 0) _moveTimer--;
        _terminateTimer--;
        terminal = _terminateTimer < 0;
        return r;
    }

    protected override void Render(Span<float> obs)
    {
        Set(obs, ChickenChannel, _pos, ChickenX);
        for (int i = 0; i < 8; i++)
        {
            int x = _carX[i], s = _carSpeed[i];
            Set(obs, CarChannel, i + 1, x);
            int back = s > 0 ? x - 1 : x + 1;
            back = back < 0 ? 9 : back > 9 ? 0 : back;
            Set(obs, FirstSpeedChannel + Math.Abs(s) - 1, i + 1, back);
        }
    }

    /// <summary>Test hook: places the chicken and sets one car.</summary>
    internal void SetChicken(int y, int moveTimer) { _pos = y; _moveTimer = moveTimer; }

    internal void SetCar(int i, int x, int speed, int timer) { _carX[i] = x; _carSpeed[i] = speed; _carTimer[i] = timer; }
}
