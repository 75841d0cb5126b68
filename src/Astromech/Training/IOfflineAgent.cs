using Astromech.Datasets;

namespace Astromech.Training;

/// <summary>
/// A stream agent that can also learn from a fixed dataset before (or instead of) acting: BC, AWAC, and SAC for the
/// naive "SAC from data" baseline. The <see cref="Trainer"/> hands it the dataset once (<see cref="LoadDataset"/>: the
/// rows go into the agent's replay and stay there, so online fine-tuning samples offline and online data together),
/// runs <see cref="OfflineUpdate"/> until <see cref="OfflineUpdates"/> reaches <c>--offline-steps</c>, then runs the
/// ordinary online loop. <see cref="OfflineUpdates"/> is part of the agent's checkpoint, so a run resumed in the offline
/// phase finishes the remaining updates and a run resumed online does not repeat them.
/// </summary>
public interface IOfflineAgent : IStreamAgent
{
    /// <summary>Checks the dataset against the agent's spaces (naming the mismatch) and writes every row into the replay.</summary>
    void LoadDataset(OfflineDataset dataset);

    /// <summary>Offline gradient steps taken so far.</summary>
    long OfflineUpdates { get; }

    /// <summary>One gradient step on a batch sampled from the replay; returns its metrics.</summary>
    IReadOnlyDictionary<string, double> OfflineUpdate();
}
