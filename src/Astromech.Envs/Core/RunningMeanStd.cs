namespace Astromech.Envs;

/// <summary>
/// Running per-element mean and (population) variance of a stream of vectors, merged batch by batch with the
/// parallel formula of Chan et al. as in Gymnasium's and Stable-Baselines3's <c>RunningMeanStd</c>. Accumulators are
/// float64. Like theirs, it starts from mean 0, variance 1 and a pseudo-count <c>epsilon</c> (1e-4), so early
/// normalization is gentle and never divides by zero.
/// </summary>
public sealed class RunningMeanStd
{
    private const int FormatVersion = 1;
    private const uint Magic = 0x4D534D52; // "RMSM"

    private readonly double[] _mean, _var;
    private readonly double[] _batchMean, _batchVar; // scratch for batch updates

    public RunningMeanStd(int size, double epsilon = 1e-4)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "must be > 0");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be >= 0");
        _mean = new double[size];
        _var = new double[size];
        Array.Fill(_var, 1.0);
        _batchMean = new double[size];
        _batchVar = new double[size];
        Count = epsilon;
    }

    public int Size => _mean.Length;
    public double[] Mean => _mean;
    public double[] Var => _var;
    public double Count { get; private set; }

    /// <summary>Adds one vector.</summary>
    public void Update(ReadOnlySpan<float> x)
    {
        if (x.Length != _mean.Length) throw new ArgumentException($"expected {_mean.Length} values, got {x.Length}");
        double tot = Count + 1, w = 1 / tot, c = Count;
        for (int j = 0; j < _mean.Length; j++)
        {
            double delta = x[j] - _mean[j];
            _mean[j] += delta * w;
            _var[j] = (_var[j] * c + delta * delta * c * w) / tot;
        }
        Count = tot;
    }

    /// <summary>Adds one scalar (for a size-1 instance, e.g. returns).</summary>
    public void Update(double x)
    {
        if (_mean.Length != 1) throw new InvalidOperationException($"scalar update on a RunningMeanStd of size {_mean.Length}");
        double tot = Count + 1, c = Count;
        double delta = x - _mean[0];
        _mean[0] += delta / tot;
        _var[0] = (_var[0] * c + delta * delta * c / tot) / tot;
        Count = tot;
    }

    /// <summary>Adds <paramref name="batch"/> = rows of <see cref="Size"/> floats (row-major).</summary>
    public void UpdateBatch(ReadOnlySpan<float> batch)
    {
        int d = _mean.Length;
        if (batch.Length == 0) return;
        if (batch.Length % d != 0) throw new ArgumentException($"batch has {batch.Length} floats, not a multiple of {d}");
        int n = batch.Length / d;
        Array.Clear(_batchMean);
        Array.Clear(_batchVar);
        for (int r = 0; r < n; r++)
        {
            var row = batch.Slice(r * d, d);
            for (int j = 0; j < d; j++) _batchMean[j] += row[j];
        }
        for (int j = 0; j < d; j++) _batchMean[j] /= n;
        for (int r = 0; r < n; r++)
        {
            var row = batch.Slice(r * d, d);
            for (int j = 0; j < d; j++)
            {
                double e = row[j] - _batchMean[j];
                _batchVar[j] += e * e;
            }
        }
        for (int j = 0; j < d; j++) _batchVar[j] /= n;
        UpdateFromMoments(_batchMean, _batchVar, n);
    }

    /// <summary>Merges a batch given by its mean, population variance and count.</summary>
    public void UpdateFromMoments(ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchVar, double batchCount)
    {
        if (batchMean.Length != _mean.Length || batchVar.Length != _mean.Length)
            throw new ArgumentException($"expected moments of size {_mean.Length}");
        if (batchCount <= 0) return;
        double tot = Count + batchCount;
        for (int j = 0; j < _mean.Length; j++)
        {
            double delta = batchMean[j] - _mean[j];
            double m2 = _var[j] * Count + batchVar[j] * batchCount + delta * delta * Count * batchCount / tot;
            _mean[j] += delta * batchCount / tot;
            _var[j] = m2 / tot;
        }
        Count = tot;
    }

    /// <summary>out = clip((x - mean) / sqrt(var + eps), ±clip).</summary>
    public void Normalize(ReadOnlySpan<float> x, Span<float> output, double epsilon = 1e-8, double clip = 10.0)
    {
        int d = _mean.Length;
        if (x.Length % d != 0 || output.Length < x.Length)
            throw new ArgumentException($"cannot normalize {x.Length} floats into {output.Length} with size {d}");
        for (int r = 0; r < x.Length; r += d)
            for (int j = 0; j < d; j++)
            {
                double z = (x[r + j] - _mean[j]) / Math.Sqrt(_var[j] + epsilon);
                output[r + j] = (float)Math.Clamp(z, -clip, clip);
            }
    }

    public void CopyFrom(RunningMeanStd other)
    {
        if (other.Size != Size) throw new ArgumentException($"cannot copy a RunningMeanStd of size {other.Size} into one of size {Size}");
        other._mean.CopyTo(_mean, 0);
        other._var.CopyTo(_var, 0);
        Count = other.Count;
    }

    public void Save(BinaryWriter w)
    {
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(_mean.Length);
        w.Write(Count);
        foreach (var m in _mean) w.Write(m);
        foreach (var v in _var) w.Write(v);
    }

    /// <summary>Reads what <see cref="Save"/> wrote; throws <see cref="InvalidDataException"/> on a foreign or mismatched state.</summary>
    public void Load(BinaryReader r)
    {
        uint magic;
        try { magic = r.ReadUInt32(); }
        catch (EndOfStreamException) { throw new InvalidDataException("RunningMeanStd state is empty or truncated"); }
        if (magic != Magic) throw new InvalidDataException("not a RunningMeanStd state (bad magic number)");
        int version = r.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"RunningMeanStd state version {version}, expected {FormatVersion}");
        int size = r.ReadInt32();
        if (size != _mean.Length)
            throw new InvalidDataException($"RunningMeanStd state has size {size} but this one has size {_mean.Length} (different observation space?)");
        try
        {
            double count = r.ReadDouble();
            var mean = new double[size];
            var var = new double[size];
            for (int j = 0; j < size; j++) mean[j] = r.ReadDouble();
            for (int j = 0; j < size; j++) var[j] = r.ReadDouble();
            mean.CopyTo(_mean, 0);
            var.CopyTo(_var, 0);
            Count = count;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("RunningMeanStd state is truncated");
        }
    }
}
