using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// The info of a MuJoCo env's step or reset: a fixed set of named numbers (Gymnasium's keys, e.g. <c>x_velocity</c>,
/// <c>reward_forward</c>, <c>reward_ctrl</c>). One instance per env is overwritten on every step so that stepping
/// allocates nothing: read it before the next step, or copy it with <see cref="Snapshot"/>. Values read through the
/// dictionary interface come boxed as double; <see cref="Get"/> reads them without boxing.
/// </summary>
public sealed class StepInfo : IReadOnlyDictionary<string, object>
{
    private readonly string[] _keys;
    private readonly double[] _values;

    public StepInfo(params string[] keys)
    {
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Length) throw new ArgumentException("info keys must be distinct");
        _keys = keys;
        _values = new double[keys.Length];
    }

    /// <summary>Sets the value at key index <paramref name="index"/> (the position in the constructor's list).</summary>
    public void Set(int index, double value) => _values[index] = value;

    /// <summary>The value of <paramref name="key"/>; throws naming the key when absent.</summary>
    public double Get(string key)
    {
        int i = IndexOf(key);
        if (i < 0) throw new KeyNotFoundException($"info has no '{key}'; keys: {string.Join(", ", _keys)}");
        return _values[i];
    }

    /// <summary>A copy that later steps do not change.</summary>
    public Dictionary<string, object> Snapshot()
    {
        var d = new Dictionary<string, object>(_keys.Length, StringComparer.Ordinal);
        for (int i = 0; i < _keys.Length; i++) d[_keys[i]] = _values[i];
        return d;
    }

    private int IndexOf(string key)
    {
        for (int i = 0; i < _keys.Length; i++)
            if (string.Equals(_keys[i], key, StringComparison.Ordinal)) return i;
        return -1;
    }

    public object this[string key] => Get(key);
    public IEnumerable<string> Keys => _keys;
    public IEnumerable<object> Values => _values.Select(v => (object)v);
    public int Count => _keys.Length;
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value)
    {
        int i = IndexOf(key);
        value = i >= 0 ? _values[i] : null;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        for (int i = 0; i < _keys.Length; i++) yield return new(_keys[i], _values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
