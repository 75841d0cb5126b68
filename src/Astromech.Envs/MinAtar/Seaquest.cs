namespace Astromech.Envs.MinAtar;

/// <summary>
/// MinAtar Seaquest. The player's submarine (a front and a back cell, so its heading shows) starts on the surface
/// (row 0) and can dive to row 8; it fires bullets forward (one every 5 frames at most) that travel one cell per frame.
/// Enemy fish and enemy submarines enter rows 1–8 from either side and cross one cell every <c>move_speed</c> frames
/// (5 at first); enemy subs also fire a bullet every 10 frames. Shooting a fish or sub gives +1. Divers enter the
/// same way (one every 30 frames, moving every 5 frames); touching one picks it up (at most 6 aboard).
/// Oxygen (200) drops by one every frame below the surface. Surfacing with at least one diver refills the oxygen and
/// costs one diver; surfacing with 6 divers also gives a bonus of ⌊oxygen·10/200⌋ (the reference then leaves the
/// diver count at −1, and so do we). Each surfacing, with difficulty ramping, shortens the enemy spawn interval by one
/// frame (20 at first, down to 1) and every second time the move interval (down to 2). The episode terminates when
/// the submarine touches an enemy or an enemy bullet, when the oxygen runs out, or when it surfaces with no divers.
/// <para>Channels: 0 sub front, 1 sub back, 2 player bullet, 3 trail (behind each enemy and diver), 4 enemy bullet,
/// 5 enemy fish, 6 enemy sub, 7 oxygen gauge (bottom row, one cell per 20 oxygen), 8 diver gauge (bottom row, one
/// cell per diver, right-aligned ending at column 8), 9 diver. The minimal action set is the full set.</para>
/// <para>Entities are kept in spawn order and each list is updated newest first, as in the reference.</para>
/// </summary>
public sealed class Seaquest : MinAtarGame
{
    public const int SubFrontChannel = 0, SubBackChannel = 1, FriendlyBulletChannel = 2, TrailChannel = 3,
        EnemyBulletChannel = 4, EnemyFishChannel = 5, EnemySubChannel = 6, OxygenChannel = 7, DiverGaugeChannel = 8,
        DiverChannel = 9;
    public const int MaxOxygen = 200, InitialSpawnSpeed = 20, DiverSpawnSpeed = 30, InitialMoveInterval = 5,
        ShotCoolDown = 5, EnemyShotInterval = 10, DiverMoveInterval = 5;

    private readonly Entities _friendly = new(), _enemyBullets = new(), _fish = new(), _subs = new(), _divers = new();
    private int _oxygen, _diverCount, _subX, _subY, _spawnSpeed, _spawnTimer, _diverSpawnTimer, _moveSpeed,
        _rampIndex, _shotTimer;
    private bool _facingRight, _surface;

    public Seaquest(bool minimalActionSet = false)
        : base(10, new[] { NoOp, Left, Up, Right, Down, Fire }, minimalActionSet) { }

    public int SubX => _subX;
    public int SubY => _subY;
    public int Oxygen => _oxygen;
    public int DiverCount => _diverCount;
    public int SpawnSpeed => _spawnSpeed;
    public int MoveSpeed => _moveSpeed;
    public override int DifficultyLevel => _rampIndex;

    protected override void ResetGame()
    {
        _oxygen = MaxOxygen;
        _diverCount = 0;
        _subX = 5;
        _subY = 0;
        _facingRight = false;
        _friendly.Clear(); _enemyBullets.Clear(); _fish.Clear(); _subs.Clear(); _divers.Clear();
        _spawnSpeed = InitialSpawnSpeed;
        _spawnTimer = _spawnSpeed;
        _diverSpawnTimer = DiverSpawnSpeed;
        _moveSpeed = InitialMoveInterval;
        _rampIndex = 0;
        _shotTimer = 0;
        _surface = true;
    }

    private bool AtSub(int x, int y) => x == _subX && y == _subY;

    protected override int Act(int a, out bool terminal)
    {
        int r = 0;
        terminal = false;
        if (_spawnTimer == 0)
        {
            SpawnEnemy();
            _spawnTimer = _spawnSpeed;
        }
        if (_diverSpawnTimer == 0)
        {
            SpawnDiver();
            _diverSpawnTimer = DiverSpawnSpeed;
        }

        if (a == Fire && _shotTimer == 0)
        {
            _friendly.Add(_subX, _subY, _facingRight, 0, 0);
            _shotTimer = ShotCoolDown;
        }
        else if (a == Left) { _subX = Math.Max(0, _subX - 1); _facingRight = false; }
        else if (a == Right) { _subX = Math.Min(9, _subX + 1); _facingRight = true; }
        else if (a == Up) _subY = Math.Max(0, _subY - 1);
        else if (a == Down) _subY = Math.Min(8, _subY + 1);

        // Player bullets: move, then hit a fish (checked first) or a sub in the new cell.
        for (int i = _friendly.Count - 1; i >= 0; i--)
        {
            int x = _friendly.X[i] += _friendly.Right[i] ? 1 : -1, y = _friendly.Y[i];
            if (x < 0 || x > 9) { _friendly.RemoveAt(i); continue; }
            int hit = _fish.IndexAt(x, y);
            if (hit >= 0) { _fish.RemoveAt(hit); _friendly.RemoveAt(i); r++; continue; }
            hit = _subs.IndexAt(x, y);
            if (hit >= 0) { _subs.RemoveAt(hit); _friendly.RemoveAt(i); r++; }
        }

        // Divers: picked up where they are, or after they move.
        for (int i = _divers.Count - 1; i >= 0; i--)
        {
            if (AtSub(_divers.X[i], _divers.Y[i]) && _diverCount < 6) { _divers.RemoveAt(i); _diverCount++; continue; }
            if (_divers.T1[i] == 0)
            {
                _divers.T1[i] = DiverMoveInterval;
                int x = _divers.X[i] += _divers.Right[i] ? 1 : -1;
                if (x < 0 || x > 9) _divers.RemoveAt(i);
                else if (AtSub(x, _divers.Y[i]) && _diverCount < 6) { _divers.RemoveAt(i); _diverCount++; }
            }
            else _divers.T1[i]--;
        }

        // Enemy subs: collide, move (and meet a player bullet), fire. A sub fires on schedule even on the frame it
        // leaves or is shot, as in the reference (such a bullet starts at its last cell).
        for (int i = _subs.Count - 1; i >= 0; i--)
        {
            int x = _subs.X[i], y = _subs.Y[i];
            bool right = _subs.Right[i];
            if (AtSub(x, y)) terminal = true;
            bool removed = false;
            if (_subs.T1[i] == 0)
            {
                _subs.T1[i] = _moveSpeed;
                x = _subs.X[i] += right ? 1 : -1;
                if (x < 0 || x > 9) removed = true;
                else if (AtSub(x, y)) terminal = true;
                else
                {
                    int hit = _friendly.IndexAt(x, y);
                    if (hit >= 0) { removed = true; _friendly.RemoveAt(hit); r++; }
                }
            }
            else _subs.T1[i]--;
            if (_subs.T2[i] == 0)
            {
                _subs.T2[i] = EnemyShotInterval;
                _enemyBullets.Add(x, y, right, 0, 0);
            }
            else _subs.T2[i]--;
            if (removed) _subs.RemoveAt(i);
        }

        // Enemy bullets: collide, move, collide.
        for (int i = _enemyBullets.Count - 1; i >= 0; i--)
        {
            if (AtSub(_enemyBullets.X[i], _enemyBullets.Y[i])) terminal = true;
            int x = _enemyBullets.X[i] += _enemyBullets.Right[i] ? 1 : -1;
            if (x < 0 || x > 9) _enemyBullets.RemoveAt(i);
            else if (AtSub(x, _enemyBullets.Y[i])) terminal = true;
        }

        // Enemy fish: as subs, without firing.
        for (int i = _fish.Count - 1; i >= 0; i--)
        {
            int x = _fish.X[i], y = _fish.Y[i];
            if (AtSub(x, y)) terminal = true;
            if (_fish.T1[i] == 0)
            {
                _fish.T1[i] = _moveSpeed;
                x = _fish.X[i] += _fish.Right[i] ? 1 : -1;
                if (x < 0 || x > 9) _fish.RemoveAt(i);
                else if (AtSub(x, y)) terminal = true;
                else
                {
                    int hit = _friendly.IndexAt(x, y);
                    if (hit >= 0) { _fish.RemoveAt(i); _friendly.RemoveAt(hit); r++; }
                }
            }
            else _fish.T1[i]--;
        }

        if (_spawnTimer > 0) _spawnTimer--;
        if (_diverSpawnTimer > 0) _diverSpawnTimer--;
        if (_shotTimer > 0) _shotTimer--;
        if (_oxygen <= 0) terminal = true;
        if (_subY > 0)
        {
            _oxygen--;
            _surface = false;
        }
        else if (!_surface)
        {
            if (_diverCount == 0) terminal = true;
            else r += Surface();
        }
        return r;
    }

    private int Surface()
    {
        _surface = true;
        int r = 0;
        if (_diverCount == 6)
        {
            _diverCount = 0;
            r = _oxygen * 10 / MaxOxygen;
        }
        _oxygen = MaxOxygen;
        _diverCount--;
        if (DifficultyRamping && (_spawnSpeed > 1 || _moveSpeed > 2))
        {
            if (_moveSpeed > 2 && _rampIndex % 2 == 1) _moveSpeed--;
            if (_spawnSpeed > 1) _spawnSpeed--;
            _rampIndex++;
        }
        return r;
    }

    private void SpawnEnemy()
    {
        bool right = Coin();
        bool isSub = Rng.NextDouble() < 1.0 / 3.0;
        int x = right ? 0 : 9;
        int y = 1 + Rng.Next(8);
        // No spawn into a row where an enemy travels the other way.
        if (_subs.AnyOpposite(y, right) || _fish.AnyOpposite(y, right)) return;
        if (isSub) _subs.Add(x, y, right, _moveSpeed, EnemyShotInterval);
        else _fish.Add(x, y, right, _moveSpeed, 0);
    }

    private void SpawnDiver()
    {
        bool right = Coin();
        int x = right ? 0 : 9;
        int y = 1 + Rng.Next(8);
        _divers.Add(x, y, right, DiverMoveInterval, 0);
    }

    protected override void Render(Span<float> obs)
    {
        Set(obs, SubFrontChannel, _subY, _subX);
        int back = _facingRight ? _subX - 1 : _subX + 1;
        if (back >= 0 && back <= 9) Set(obs, SubBackChannel, _subY, back);
        int oxygenCells = Math.Max(0, _oxygen) * 10 / MaxOxygen;
        for (int x = 0; x < oxygenCells; x++) Set(obs, OxygenChannel, 9, x);
        for (int x = Math.Max(0, 9 - _diverCount); x < 9; x++) Set(obs, DiverGaugeChannel, 9, x);
        for (int i = 0; i < _friendly.Count; i++) Set(obs, FriendlyBulletChannel, _friendly.Y[i], _friendly.X[i]);
        for (int i = 0; i < _enemyBullets.Count; i++) Set(obs, EnemyBulletChannel, _enemyBullets.Y[i], _enemyBullets.X[i]);
        RenderMovers(obs, _fish, EnemyFishChannel);
        RenderMovers(obs, _subs, EnemySubChannel);
        RenderMovers(obs, _divers, DiverChannel);
    }

    private static void RenderMovers(Span<float> obs, Entities e, int channel)
    {
        for (int i = 0; i < e.Count; i++)
        {
            int x = e.X[i], y = e.Y[i];
            Set(obs, channel, y, x);
            int back = e.Right[i] ? x - 1 : x + 1;
            if (back >= 0 && back <= 9) Set(obs, TrailChannel, y, back);
        }
    }

    /// <summary>Test hooks.</summary>
    internal void SetSub(int x, int y, bool facingRight) { _subX = x; _subY = y; _facingRight = facingRight; }
    internal void SetDivers(int count) => _diverCount = count;
    internal void SetOxygen(int oxygen) => _oxygen = oxygen;
    internal void SetSpawnTimers(int enemy, int diver) { _spawnTimer = enemy; _diverSpawnTimer = diver; }
    internal void AddFish(int x, int y, bool right, int moveTimer) => _fish.Add(x, y, right, moveTimer, 0);
    internal void AddEnemySub(int x, int y, bool right, int moveTimer, int shotTimer) => _subs.Add(x, y, right, moveTimer, shotTimer);
    internal void AddDiver(int x, int y, bool right, int moveTimer) => _divers.Add(x, y, right, moveTimer, 0);

    /// <summary>
    /// A list of grid entities as parallel arrays in insertion order; removal shifts the later ones down, so order is
    /// kept. Capacity doubles when full (rare: the spawn rules bound the counts), so steady-state steps allocate nothing.
    /// </summary>
    private sealed class Entities
    {
        public int[] X = new int[16], Y = new int[16], T1 = new int[16], T2 = new int[16];
        public bool[] Right = new bool[16];
        public int Count;

        public void Clear() => Count = 0;

        public void Add(int x, int y, bool right, int t1, int t2)
        {
            if (Count == X.Length)
            {
                int n = Count * 2;
                Array.Resize(ref X, n); Array.Resize(ref Y, n); Array.Resize(ref T1, n); Array.Resize(ref T2, n);
                Array.Resize(ref Right, n);
            }
            X[Count] = x; Y[Count] = y; Right[Count] = right; T1[Count] = t1; T2[Count] = t2;
            Count++;
        }

        public void RemoveAt(int i)
        {
            int tail = Count - i - 1;
            if (tail > 0)
            {
                Array.Copy(X, i + 1, X, i, tail); Array.Copy(Y, i + 1, Y, i, tail);
                Array.Copy(T1, i + 1, T1, i, tail); Array.Copy(T2, i + 1, T2, i, tail);
                Array.Copy(Right, i + 1, Right, i, tail);
            }
            Count--;
        }

        /// <summary>The first entity at (x, y), or −1.</summary>
        public int IndexAt(int x, int y)
        {
            for (int i = 0; i < Count; i++) if (X[i] == x && Y[i] == y) return i;
            return -1;
        }

        public bool AnyOpposite(int y, bool right)
        {
            for (int i = 0; i < Count; i++) if (Y[i] == y && Right[i] != right) return true;
            return false;
        }
    }
}
