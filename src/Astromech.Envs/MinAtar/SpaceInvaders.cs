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

    // Row-major 10×10 bitmaps: bit y·10 + x is set when cell (y, x) is occupied.
    private static readonly UInt128 All = (UInt128.One << Cells) - 1;
    private static readonly UInt128 Row0 = (UInt128.One << Size) - 1;
    private static readonly UInt128 Row9 = Row0 << (9 * Size);
    private static readonly UInt128 Col0 = ColumnMask(0), Col9 = ColumnMask(9);
    private static readonly UInt128 Wave = WaveMask();
    private UInt128 _aliens, _friendly, _enemy;
    private int _pos, _alienDir, _moveInterval, _alienMoveTimer, _alienShotTimer, _rampIndex, _shotTimer;

    private static UInt128 ColumnMask(int x)
    {
        UInt128 m = 0;
        for (int y = 0; y < Size; y++) m |= UInt128.One << (y * Size + x);
        return m;
    }

    private static UInt128 WaveMask()
    {
        UInt128 m = 0;
        for (int y = 0; y < 4; y++)
            for (int x = 2; x < 8; x++) m |= UInt128.One << (y * Size + x);
        return m;
    }

    private static UInt128 Bit(int y, int x) => UInt128.One << (y * Size + x);

    public SpaceInvaders(bool minimalActionSet = false)
        : base(6, new[] { NoOp, Left, Right, Fire }, minimalActionSet) { }

    public int CannonX => _pos;
    public int AliensLeft => (int)UInt128.PopCount(_aliens);
    /// <summary>−1: aliens move left; +1: right.</summary>
    public int AlienDirection => _alienDir;
    public int MoveInterval => _moveInterval;
    public override int DifficultyLevel => _rampIndex;

    protected override void ResetGame()
    {
        _pos = 5;
        _friendly = _enemy = 0;
        _aliens = Wave;
        _alienDir = -1;
        _moveInterval = InitialMoveInterval;
        _alienMoveTimer = _moveInterval;
        _alienShotTimer = EnemyShotInterval;
        _rampIndex = 0;
        _shotTimer = 0;
    }

    protected override int Act(int a, out bool terminal)
    {
        terminal = false;
        if (a == Fire && _shotTimer == 0)
        {
            _friendly |= Bit(9, _pos);
            _shotTimer = ShotCoolDown;
        }
        else if (a == Left) _pos = Math.Max(0, _pos - 1);
        else if (a == Right) _pos = Math.Min(9, _pos + 1);

        // Cannon bullets rise one row (those in the top row leave); alien bullets fall one (those in the bottom row leave).
        _friendly >>= Size;
        _enemy = (_enemy << Size) & All;
        var cannon = Bit(9, _pos);
        if ((_enemy & cannon) != 0) terminal = true;

        if ((_aliens & cannon) != 0) terminal = true;
        if (_alienMoveTimer == 0)
        {
            _alienMoveTimer = Math.Min(AliensLeft, _moveInterval);
            if ((_alienDir < 0 && (_aliens & Col0) != 0) || (_alienDir > 0 && (_aliens & Col9) != 0))
            {
                _alienDir = -_alienDir;
                if ((_aliens & Row9) != 0) terminal = true;
                // Down one row; the bottom row wraps to the top, as the reference's roll does (only on a terminal step).
                _aliens = ((_aliens << Size) & All) | (_aliens >> (9 * Size));
            }
            // Sideways: the edge check above guarantees no alien leaves the grid.
            else _aliens = _alienDir < 0 ? _aliens >> 1 : _aliens << 1;
            if ((_aliens & cannon) != 0) terminal = true;
        }
        if (_alienShotTimer == 0)
        {
            _alienShotTimer = EnemyShotInterval;
            if (NearestAlien(out int ay, out int ax)) _enemy |= Bit(ay, ax);
        }

        var kills = _aliens & _friendly;
        int r = (int)UInt128.PopCount(kills);
        _aliens &= ~kills;
        _friendly &= ~kills;

        if (_shotTimer > 0) _shotTimer--;
        _alienMoveTimer--;
        _alienShotTimer--;
        if (_aliens == 0)
        {
            if (_moveInterval > 6 && DifficultyRamping)
            {
                _moveInterval--;
                _rampIndex++;
            }
            _aliens = Wave;
        }
        return r;
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
                var col = _aliens & (Col0 << c);
                if (col == 0) continue;
                int top = 127 - (int)UInt128.LeadingZeroCount(col);
                y = top / Size;
                x = c;
                return true;
            }
        }
        y = x = -1;
        return false;
    }

    protected override void Render(Span<float> obs)
    {
        Set(obs, CannonChannel, 9, _pos);
        Scatter(obs.Slice(AlienChannel * Cells, Cells), _aliens);
        Scatter(obs.Slice((_alienDir < 0 ? AlienLeftChannel : AlienRightChannel) * Cells, Cells), _aliens);
        Scatter(obs.Slice(FriendlyBulletChannel * Cells, Cells), _friendly);
        Scatter(obs.Slice(EnemyBulletChannel * Cells, Cells), _enemy);
    }

    private static void Scatter(Span<float> plane, UInt128 bits)
    {
        ulong lo = (ulong)bits, hi = (ulong)(bits >> 64);
        while (lo != 0)
        {
            plane[System.Numerics.BitOperations.TrailingZeroCount(lo)] = 1f;
            lo &= lo - 1;
        }
        while (hi != 0)
        {
            plane[64 + System.Numerics.BitOperations.TrailingZeroCount(hi)] = 1f;
            hi &= hi - 1;
        }
    }

    /// <summary>Test hook: replaces the aliens by the given cells.</summary>
    internal void SetAliens(params (int Y, int X)[] cells)
    {
        _aliens = 0;
        foreach (var (y, x) in cells) _aliens |= Bit(y, x);
    }

    internal void SetCannon(int x) => _pos = x;

    internal void SetTimers(int? alienMoveTimer, int? alienShotTimer)
    {
        _alienMoveTimer = alienMoveTimer ?? _alienMoveTimer;
        _alienShotTimer = alienShotTimer ?? _alienShotTimer;
    }
}
