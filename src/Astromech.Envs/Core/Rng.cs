using System.Numerics;
using System.Runtime.CompilerServices;

namespace Astromech.Envs;

/// <summary>
/// xoshiro256** behind the <see cref="Random"/> API, with a state that can be saved and restored, so that
/// checkpoints capture exploration and environment randomness exactly. Seeded through SplitMix64.
/// </summary>
public sealed class Rng : Random
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(long seed) => Seed(seed);

    public Rng() : this(Random.Shared.NextInt64()) { }

    public void Seed(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = unchecked(x += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = unchecked(BitOperations.RotateLeft(_s1 * 5, 7) * 9);
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>The full generator state, for checkpoints.</summary>
    public ulong[] GetState() => new[] { _s0, _s1, _s2, _s3 };

    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException("an Rng state has 4 words");
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new ArgumentException("an all-zero Rng state is invalid");
        _s0 = state[0]; _s1 = state[1]; _s2 = state[2]; _s3 = state[3];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1U << 24));

    protected override double Sample() => NextDouble();

    public override int Next() => (int)(NextUInt64() >> 33);

    /// <summary>Uniform in [0, maxValue) by Lemire's multiply-shift with rejection (unbiased).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int Next(int maxValue)
    {
        if (maxValue <= 0)
        {
            if (maxValue == 0) return 0;
            throw new ArgumentOutOfRangeException(nameof(maxValue));
        }
        return (int)NextBounded((ulong)maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        if (minValue > maxValue) throw new ArgumentOutOfRangeException(nameof(minValue));
        return (int)(minValue + (long)NextBounded((ulong)((long)maxValue - minValue)));
    }

    public override long NextInt64() => (long)(NextUInt64() >> 1);

    public override long NextInt64(long maxValue)
    {
        if (maxValue < 0) throw new ArgumentOutOfRangeException(nameof(maxValue));
        return (long)NextBounded((ulong)maxValue);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        if (minValue > maxValue) throw new ArgumentOutOfRangeException(nameof(minValue));
        return minValue + (long)NextBounded((ulong)(maxValue - minValue));
    }

    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)(NextUInt64() >> 56);
    }

    private ulong NextBounded(ulong n)
    {
        if (n == 0) return 0;
        UInt128 m = (UInt128)NextUInt64() * n;
        ulong low = (ulong)m;
        if (low < n)
        {
            ulong threshold = unchecked(0 - n) % n;
            while (low < threshold)
            {
                m = (UInt128)NextUInt64() * n;
                low = (ulong)m;
            }
        }
        return (ulong)(m >> 64);
    }

    /// <summary>A standard normal draw (Box–Muller, no caching so the state alone determines the stream).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
