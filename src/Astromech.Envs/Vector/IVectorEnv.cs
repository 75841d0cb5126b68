using Astromech.Envs.Spaces;

namespace Astromech.Envs.Vector;

/// <summary>
/// N copies of one environment stepped together into preallocated buffers (row i belongs to copy i).
/// <para><b>Autoreset (same-step).</b> When copy i ends an episode during <see cref="Step"/>, it is reset at once:
/// row i of <see cref="Observations"/> holds the first observation of the new episode, row i of
/// <see cref="FinalObservations"/> holds the last observation of the finished one, and
/// <see cref="Terminated"/>[i] / <see cref="Truncated"/>[i] say how it ended. <see cref="Rewards"/>[i] is the reward
/// of the finishing step. A learner bootstraps from <c>FinalObservations</c> on truncation and not at all on
/// termination. Rows of <c>FinalObservations</c> for copies that did not finish are left unspecified.</para>
/// </summary>
public interface IVectorEnv : IDisposable
{
    int NumEnvs { get; }
    Space SingleObservationSpace { get; }
    Space SingleActionSpace { get; }

    /// <summary>[NumEnvs × obs size], the current observations.</summary>
    float[] Observations { get; }
    /// <summary>[NumEnvs × obs size], valid in the rows whose copy finished in the last step.</summary>
    float[] FinalObservations { get; }
    float[] Rewards { get; }
    bool[] Terminated { get; }
    bool[] Truncated { get; }

    /// <summary>Resets every copy; with a seed, copy i is seeded with seed + i.</summary>
    void Reset(int? seed = null);

    /// <summary>Steps every copy with its row of <paramref name="actions"/> ([NumEnvs × action size]).</summary>
    void Step(ReadOnlySpan<float> actions);
}
