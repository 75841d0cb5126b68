namespace Astromech.Replay;

/// <summary>Where a sequence adder writes finished sequences: the replay itself, or a buffer an actor sends to a remote replay.</summary>
public interface ISequenceWriter
{
    /// <summary>L, the steps of each sequence.</summary>
    int Length { get; }
    int ObsSize { get; }
    int StateSize { get; }
    /// <summary>Copies <paramref name="item"/> in (the caller reuses it); returns where it went (a replay slot, or a buffer position).</summary>
    int Add(SequenceItem item);
}

/// <summary>
/// An <see cref="ISequenceWriter"/> that keeps copies of the sequences written to it until they are sent
/// (<see cref="Pending"/>, then <see cref="Clear"/>): a cluster R2D2 actor's adder writes here, and the actor
/// ships the batch to the replay node. Copies come from a pool, so steady acting allocates nothing.
/// </summary>
public sealed class SequenceBuffer(int length, int obsSize, int stateSize) : ISequenceWriter
{
    private readonly List<SequenceItem> _items = new();
    private readonly Stack<SequenceItem> _pool = new();

    public int Length => length;
    public int ObsSize => obsSize;
    public int StateSize => stateSize;
    public IReadOnlyList<SequenceItem> Pending => _items;

    public int Add(SequenceItem item)
    {
        var copy = _pool.Count > 0 ? _pool.Pop() : new SequenceItem(length, obsSize, stateSize);
        item.CopyTo(copy);
        _items.Add(copy);
        return _items.Count - 1;
    }

    public void Clear()
    {
        foreach (var i in _items) _pool.Push(i);
        _items.Clear();
    }
}
