using Astromech.Replay;

namespace Astromech.Datasets;

/// <summary>
/// An agent whose checkpoint holds a one-step transition replay that can be handed out as a dataset (SAC): the
/// replay of a run stopped at medium return is D4RL's <c>medium-replay</c>.
/// </summary>
public interface IReplayExport
{
    /// <summary>The replay, as loaded from the checkpoint.</summary>
    TransitionReplay ExportedReplay { get; }

    /// <summary>Env copies whose steps were added in turn (copy k's step t is the add numbered t·copies + k).</summary>
    int ReplayCopies { get; }

    /// <summary>Maps an action as stored in replay to the action the env was given (SAC stores [−1, 1]).</summary>
    void ToEnvAction(ReadOnlySpan<float> stored, Span<float> envAction);
}

/// <summary>Turns an exported replay back into episodes of rows.</summary>
public static class ReplayDataset
{
    /// <summary>
    /// The replay's transitions as a dataset, oldest first, each env copy's stream kept together. A one-step replay
    /// stores no episode boundaries, so they are recovered: a row with discount 0 is terminal; a row whose next
    /// observation is not the observation of its copy's following row ends its episode as a timeout (a time limit cut
    /// it, and the next row starts a fresh reset); the copy's last row closes as a timeout. When the replay has wrapped,
    /// each copy's first episode starts mid-way (its beginning was overwritten).
    /// </summary>
    public static OfflineDataset From(IReplayExport source)
    {
        var replay = source.ExportedReplay;
        int copies = Math.Max(1, source.ReplayCopies);
        if (replay.Count == 0) throw new InvalidOperationException("the checkpoint's replay is empty: nothing to export");
        int os = replay.ObservationSize, asz = replay.ActionSize;
        // Slots in add order (keys), split by the copy that added them.
        var slots = new (long Key, int Slot)[replay.Count];
        for (int s = 0; s < replay.Count; s++) slots[s] = (replay.KeyOf(s), s);
        Array.Sort(slots, (a, b) => a.Key.CompareTo(b.Key));
        var b = new OfflineDatasetBuilder(os, asz);
        var obs = new float[os]; var next = new float[os]; var stored = new float[asz]; var act = new float[asz];
        var followingObs = new float[os]; var tmpNext = new float[os]; var tmpAct = new float[asz];
        for (int copy = 0; copy < copies; copy++)
        {
            var stream = slots.Where(x => x.Key % copies == copy).Select(x => x.Slot).ToArray();
            for (int k = 0; k < stream.Length; k++)
            {
                replay.ReadRow(stream[k], obs, stored, out float reward, out float discount, next);
                source.ToEnvAction(stored, act);
                bool terminal = discount == 0f;
                bool cut = false;
                if (!terminal)
                {
                    if (k + 1 < stream.Length)
                    {
                        replay.ReadRow(stream[k + 1], followingObs, tmpAct, out _, out _, tmpNext);
                        cut = !followingObs.AsSpan().SequenceEqual(next);
                    }
                    else cut = true;
                }
                b.Add(obs, act, reward, terminal, cut, next);
            }
        }
        var d = b.Build();
        d.Metadata["source"] = "replay";
        d.Metadata["replay_total_added"] = replay.TotalAdded.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return d;
    }
}
