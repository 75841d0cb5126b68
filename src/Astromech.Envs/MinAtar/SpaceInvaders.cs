namespace Astromech.Envs.MinAtar;

/// <summary>
/// MinAtar Space Invaders. A cannon on the bottom row shoots bullets straight up (one every 5 frames at most) at a
/// 4×6 block of aliens (rows 0–3, columns 2–7 at the start of each wave). The aliens step sideways together every
/// <c>min(aliens left, move interval)</c> frames; when one reaches the edge in their direction they instead step
/// down one row and turn around. Every 10 frames the alien nearest the cannon's column (lowest in its column) drops
/// a bullet that falls one row per frame. Each alien shot gives +1. The episode terminates when an alien bullet or an
/// alien reaches the cannon, or when aliens must step down from the bottom row. A cleared wave is replaced at once;
/// with difficulty ramping, each new wave's move interval is one frame shorter (12 at first, down to 6).
/// <para>Channels: 0 cannon, 1 alien, 2 alien moving left, 3 alien moving right, 4 cannon bullet, 5 alien bullet.
/// Minimal actions: no-op, left, right, fire.</para>
/// </summary>
public sealed class SpaceInvaders : MinAtarGame
{
    public const int CannonChannel = 0, AlienChannel = 1, AlienLeftChannel = 2, AlienRightChannel = 3,
        FriendlyBulletChannel = 4, EnemyBulletChannel = 5;
    public const int ShotCoolDown = 5, InitialMoveInterval = 12, EnemyShotInterval = 10;

    // Row-major 10×10 maps; 1 = occupied.
    private readonly bool[] _aliens = new bool[Cells], _friendly = new bool[Cells], _enemy = new bool[Cells];
    private readonly bool[] _scratch = new bool[Cells];
    private int _pos, _alienDir, _moveInterval, _alienMoveTimer, _alienShotTimer, _rampIndex, _shotTimer, _alienCount;

    public SpaceInvaders(bool minimalActionSet = false)
        : base(6, new[] { NoOp, Left, Right, Fire }, minimalActionSet) { }

    public int CannonX => _pos;
    public int AliensLeft => _alienCount;
    /// <summary>−1: aliens move left; +1: right.</summary>
    public int AlienDirection => _alienDir;
    public int MoveInterval => _moveInterval;
    public override int DifficultyLevel => _rampIndex;

    protected override void ResetGame()
    {
        _pos = 5;
        Array.Clear(_friendly);
        Array.Clear(_enemy);
        Array.Clear(_aliens);
        FillAliens();
        _alienDir = -1;
        _moveInterval = InitialMoveInterval;
        _alienMoveTimer = _moveInterval;
        _alienShotTimer = EnemyShotInterval;
        _rampIndex = 0;
        _shotTimer = 0;
    }

    private void FillAliens()
    {
        for (int y = 0; y < 4; y++)
            for (int x = 2; x < 8; x++) _aliens[y * Size + x] = true;
        _alienCount = 24;
    }

    protected override int Act(int a, out bool terminal)
    {
        int r = 0;
        terminal = false;
        if (a == Fire && _shotTimer == 0)
        {
            _friendly[9 * Size + _pos] = true;
            _shotTimer = ShotCoolDown;
        }
        else if (a == Left) _pos = Math.Max(0, _pos - 1);
        else if (a == Right) _pos = Math.Min(9, _pos + 1);

        // Cannon bullets rise one row; those in the top row leave.
        Array.Copy(_friendly, Size, _friendly, 0, Cells - Size);
        Array.Clear(_friendly, Cells - Size, Size);
        // Alien bullets fall one row; those in the bottom row leave.
        Array.Copy(_enemy, 0, _enemy, Size, Cells - Size);
        Array.Clear(_enemy, 0, Size);
        if (_enemy[9 * Size + _pos]) terminal = true;

        if (_aliens[9 * Size + _pos]) terminal = true;
        if (_alienMoveTimer == 0)
        {
            _alienMoveTimer = Math.Min(_alienCount, _moveInterval);
            if ((_alienDir < 0 && ColumnOccupied(0)) || (_alienDir > 0 && ColumnOccupied(9)))
            {
                _alienDir = -_alienDir;
                if (RowOccupied(9)) terminal = true;
                ShiftDown();
            }
            else ShiftSideways(_alienDir);
            if (_aliens[9 * Size + _pos]) terminal = true;
        }
        if (_alienShotTimer == 0)
        {
            _alienShotTimer = EnemyShotInterval;
            if (NearestAlien(out int ay, out int ax)) _enemy[ay * Size + ax] = true;
        }

        for (int i = 0; i < Cells; i++)
        {
            if (_aliens[i] && _friendly[i])
            {
                _aliens[i] = _friendly[i] = false;
                _alienCount--;
                r++;
            }
        }

        if (_shotTimer > 0) _shotTimer--;
        _alienMoveTimer--;
        _alienShotTimer--;
        if (_alienCount == 0)
        {
            if (_moveInterval > 6 && DifficultyRamping)
            {
                _moveInterval--;
                _rampIndex++;
            }
            FillAliens();
        }
        return r;
    }

    private bool ColumnOccupied(int x)
    {
        for (int y = 0; y < Size; y++) if (_aliens[y * Size + x]) return true;
        return false;
    }

    private bool RowOccupied(int y)
    {
        for (int x = 0; x < Size; x++) if (_aliens[y * Size + x]) return true;
        return false;
    }

    // Both shifts wrap around, as the reference's roll does (a wrapped row only happens on a terminal step).
    private void ShiftDown()
    {
        Array.Copy(_aliens, _scratch, Cells);
        Array.Copy(_scratch, 0, _aliens, Size, Cells - Size);
        Array.Copy(_scratch, Cells - Size, _aliens, 0, Size);
    }

    private void ShiftSideways(int dir)
    {
        Array.Copy(_aliens, _scratch, Cells);
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
                _aliens[y * Size + (x + dir + Size) % Size] = _scratch[y * Size + x];
    }

    /// <summary>The lowest alien of the occupied column nearest the cannon (ties: the left column).</summary>
    private bool NearestAlien(out int y, out int x)
    {
        for (int d = 0; d < Size; d++)
        {
            for (int s = -1; s <= 1; s += 2)
            {
                int c = _pos + s * d;
                if (c < 0 || c > 9 || (d == 0 && s == 1)) continue;
                for (int row = Size - 1; row >= 0; row--)
                {
                    if (_aliens[row * Size + c])
                    {
                        y = row;
                        x = c;
                        return true;
                    }
                }
            }
        }
        y = x = -1;
        return false;
    }

    protected override void Render(Span<float> obs)
    {
        Set(obs, CannonChannel, 9, _pos);
        var alien = obs.Slice(AlienChannel * Cells, Cells);
        var dir = obs.Slice((_alienDir < 0 ? AlienLeftChannel : AlienRightChannel) * Cells, Cells);
        var friendly = obs.Slice(FriendlyBulletChannel * Cells, Cells);
        var enemy = obs.Slice(EnemyBulletChannel * Cells, Cells);
        for (int i = 0; i < Cells; i++)
        {
            if (_aliens[i]) { alien[i] = 1f; dir[i] = 1f; }
            if (_friendly[i]) friendly[i] = 1f;
            if (_enemy[i]) enemy[i] = 1f;
        }
    }

    /// <summary>Test hook: replaces the aliens by the given cells.</summary>
    internal void SetAliens(params (int Y, int X)[] cells)
    {
        Array.Clear(_aliens);
        foreach (var (y, x) in cells) _aliens[y * Size + x] = true;
        _alienCount = cells.Length;
    }

    internal void SetCannon(int x) => _pos = x;

    internal void SetTimers(int alienMoveTimer, int alienShotTimer) { _alienMoveTimer = alienMoveTimer; _alienShotTimer = alienShotTimer; }
}
