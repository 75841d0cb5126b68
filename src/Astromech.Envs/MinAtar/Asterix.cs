namespace Astromech.Envs.MinAtar;

/// <summary>
/// MinAtar Asterix. The player moves freely in rows 1–8. Each of those eight rows holds at most one entity, which
/// enters from the left or right edge and crosses the row: gold (probability 1/3) gives +1 when touched and vanishes,
/// an enemy ends the episode when touched. An entity spawns every <c>spawn_speed</c> frames (10 at first) into a
/// random free row, and all entities move one cell every <c>move_speed</c> frames (5 at first). With difficulty
/// ramping, every 100 frames the spawn interval drops by one (down to 1) and every second time the move interval too
/// (down to 1).
/// <para>Channels: 0 player, 1 enemy, 2 trail (the cell behind each entity), 3 gold. Minimal actions: no-op, left,
/// up, right, down.</para>
/// </summary>
public sealed class Asterix : MinAtarGame
{
    public const int PlayerChannel = 0, EnemyChannel = 1, TrailChannel = 2, GoldChannel = 3;
    public const int RampInterval = 100, InitialSpawnSpeed = 10, InitialMoveInterval = 5;

    private const int Slots = 8;
    private readonly bool[] _active = new bool[Slots], _movesRight = new bool[Slots], _gold = new bool[Slots];
    private readonly int[] _x = new int[Slots];
    private int _playerX, _playerY, _spawnSpeed, _spawnTimer, _moveSpeed, _moveTimer, _rampTimer, _rampIndex;

    public Asterix(bool minimalActionSet = false)
        : base(4, new[] { NoOp, Left, Up, Right, Down }, minimalActionSet) { }

    public int PlayerX => _playerX;
    public int PlayerY => _playerY;
    public int SpawnSpeed => _spawnSpeed;
    public int MoveSpeed => _moveSpeed;
    public override int DifficultyLevel => _rampIndex;

    protected override void ResetGame()
    {
        _playerX = 5;
        _playerY = 5;
        Array.Clear(_active);
        _spawnSpeed = InitialSpawnSpeed;
        _spawnTimer = _spawnSpeed;
        _moveSpeed = InitialMoveInterval;
        _moveTimer = _moveSpeed;
        _rampTimer = RampInterval;
        _rampIndex = 0;
    }

    protected override int Act(int a, out bool terminal)
    {
        int r = 0;
        terminal = false;
        if (_spawnTimer == 0)
        {
            Spawn();
            _spawnTimer = _spawnSpeed;
        }

        if (a == Left) _playerX = Math.Max(0, _playerX - 1);
        else if (a == Right) _playerX = Math.Min(9, _playerX + 1);
        else if (a == Up) _playerY = Math.Max(1, _playerY - 1);
        else if (a == Down) _playerY = Math.Min(8, _playerY + 1);

        for (int i = 0; i < Slots; i++)
            if (_active[i] && _x[i] == _playerX && i + 1 == _playerY) Touch(i, ref r, ref terminal);
        if (_moveTimer == 0)
        {
            _moveTimer = _moveSpeed;
            for (int i = 0; i < Slots; i++)
            {
                if (!_active[i]) continue;
                _x[i] += _movesRight[i] ? 1 : -1;
                if (_x[i] < 0 || _x[i] > 9) _active[i] = false;
                else if (_x[i] == _playerX && i + 1 == _playerY) Touch(i, ref r, ref terminal);
            }
        }

        _spawnTimer--;
        _moveTimer--;

        if (DifficultyRamping && (_spawnSpeed > 1 || _moveSpeed > 1))
        {
            if (_rampTimer >= 0) _rampTimer--;
            else
            {
                if (_moveSpeed > 1 && _rampIndex % 2 == 1) _moveSpeed--;
                if (_spawnSpeed > 1) _spawnSpeed--;
                _rampIndex++;
                _rampTimer = RampInterval;
            }
        }
        return r;
    }

    private void Touch(int i, ref int r, ref bool terminal)
    {
        if (_gold[i])
        {
            _active[i] = false;
            r += 1;
        }
        else terminal = true;
    }

    private void Spawn()
    {
        bool right = Coin();
        bool gold = Rng.NextDouble() < 1.0 / 3.0;
        int free = 0;
        for (int i = 0; i < Slots; i++) if (!_active[i]) free++;
        if (free == 0) return;
        int pick = Rng.Next(free);
        for (int i = 0; i < Slots; i++)
        {
            if (_active[i]) continue;
            if (pick-- == 0)
            {
                _active[i] = true;
                _movesRight[i] = right;
                _gold[i] = gold;
                _x[i] = right ? 0 : 9;
                return;
            }
        }
    }

    protected override void Render(Span<float> obs)
    {
        Set(obs, PlayerChannel, _playerY, _playerX);
        for (int i = 0; i < Slots; i++)
        {
            if (!_active[i]) continue;
            int x = _x[i], y = i + 1;
            Set(obs, _gold[i] ? GoldChannel : EnemyChannel, y, x);
            int back = _movesRight[i] ? x - 1 : x + 1;
            if (back >= 0 && back <= 9) Set(obs, TrailChannel, y, back);
        }
    }

    /// <summary>Test hook: places the player.</summary>
    internal void SetPlayer(int x, int y) { _playerX = x; _playerY = y; }

    /// <summary>Test hook: puts an entity in row <c>slot + 1</c>.</summary>
    internal void SetEntity(int slot, int x, bool movesRight, bool gold)
    {
        _active[slot] = true; _x[slot] = x; _movesRight[slot] = movesRight; _gold[slot] = gold;
    }

    /// <summary>Test hook: the frames until the next spawn and the next move.</summary>
    internal void SetTimers(int spawnTimer, int moveTimer) { _spawnTimer = spawnTimer; _moveTimer = moveTimer; }
}
