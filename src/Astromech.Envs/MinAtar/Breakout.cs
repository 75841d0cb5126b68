namespace Astromech.Envs.MinAtar;

/// <summary>
/// MinAtar Breakout. A paddle on the bottom row bounces a ball that moves one cell diagonally per frame; three rows of
/// bricks (rows 1–3) fill the top. Each brick broken gives +1 and reflects the ball vertically (the ball goes back to
/// the row it came from); when the last brick is gone and the ball reaches the bottom row, the three rows return.
/// Walls reflect the ball; the ceiling reflects it vertically. On the bottom row the ball bounces straight back if it
/// was above the paddle, or off the paddle's corner (reversing both directions) if it moved onto the paddle's column;
/// otherwise it is lost and the episode terminates. The ball starts in row 3 at column 0 moving down-right or at
/// column 9 moving down-left (a coin flip). No difficulty ramping.
/// <para>Channels: 0 paddle, 1 ball, 2 trail (the ball's previous cell), 3 brick. Minimal actions: no-op, left, right.</para>
/// </summary>
public sealed class Breakout : MinAtarGame
{
    public const int PaddleChannel = 0, BallChannel = 1, TrailChannel = 2, BrickChannel = 3;

    // Ball directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left.
    private static readonly int[] Dx = { -1, 1, 1, -1 };
    private static readonly int[] Dy = { -1, -1, 1, 1 };
    private static readonly int[] FlipX = { 1, 0, 3, 2 };
    private static readonly int[] FlipY = { 3, 2, 1, 0 };
    private static readonly int[] FlipBoth = { 2, 3, 0, 1 };

    private readonly bool[] _bricks = new bool[Cells];
    private int _brickCount;
    private int _ballX, _ballY, _ballDir, _lastX, _lastY, _paddle;
    private bool _strike;

    public Breakout(bool minimalActionSet = false)
        : base(4, new[] { NoOp, Left, Right }, minimalActionSet) { }

    public int BallX => _ballX;
    public int BallY => _ballY;
    /// <summary>0 up-left, 1 up-right, 2 down-right, 3 down-left.</summary>
    public int BallDirection => _ballDir;
    public int PaddleX => _paddle;
    public int BricksLeft => _brickCount;

    protected override void ResetGame()
    {
        _ballY = 3;
        if (Rng.Next(2) == 0) { _ballX = 0; _ballDir = 2; }
        else { _ballX = 9; _ballDir = 3; }
        _paddle = 4;
        FillBricks();
        _strike = false;
        _lastX = _ballX;
        _lastY = _ballY;
    }

    private void FillBricks()
    {
        Array.Clear(_bricks);
        for (int y = 1; y <= 3; y++)
            for (int x = 0; x < Size; x++) _bricks[y * Size + x] = true;
        _brickCount = 3 * Size;
    }

    protected override int Act(int a, out bool terminal)
    {
        int r = 0;
        terminal = false;
        if (a == Left) _paddle = Math.Max(0, _paddle - 1);
        else if (a == Right) _paddle = Math.Min(9, _paddle + 1);

        _lastX = _ballX;
        _lastY = _ballY;
        int nx = _ballX + Dx[_ballDir], ny = _ballY + Dy[_ballDir];
        bool strikeNow = false;
        if (nx < 0 || nx > 9)
        {
            nx = Math.Clamp(nx, 0, 9);
            _ballDir = FlipX[_ballDir];
        }
        if (ny < 0)
        {
            ny = 0;
            _ballDir = FlipY[_ballDir];
        }
        else if (_bricks[ny * Size + nx])
        {
            strikeNow = true;
            // A brick struck on the frame after another is passed through (the reference's strike latch).
            if (!_strike)
            {
                r += 1;
                _strike = true;
                _bricks[ny * Size + nx] = false;
                _brickCount--;
                ny = _lastY;
                _ballDir = FlipY[_ballDir];
            }
        }
        else if (ny == 9)
        {
            if (_brickCount == 0) FillBricks();
            if (_ballX == _paddle)
            {
                _ballDir = FlipY[_ballDir];
                ny = _lastY;
            }
            else if (nx == _paddle)
            {
                _ballDir = FlipBoth[_ballDir];
                ny = _lastY;
            }
            else terminal = true;
        }
        if (!strikeNow) _strike = false;
        _ballX = nx;
        _ballY = ny;
        return r;
    }

    protected override void Render(Span<float> obs)
    {
        Set(obs, BallChannel, _ballY, _ballX);
        Set(obs, PaddleChannel, 9, _paddle);
        Set(obs, TrailChannel, _lastY, _lastX);
        var bricks = obs.Slice(BrickChannel * Cells, Cells);
        for (int i = Size; i < Cells; i++)
            if (_bricks[i]) bricks[i] = 1f;
    }

    /// <summary>Test hook: places the ball and paddle (the trail follows the ball).</summary>
    internal void SetState(int ballX, int ballY, int ballDir, int paddle)
    {
        _ballX = _lastX = ballX;
        _ballY = _lastY = ballY;
        _ballDir = ballDir;
        _paddle = paddle;
    }
}
