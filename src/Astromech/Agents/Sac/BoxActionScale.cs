using Astromech.Datasets;
using Astromech.Envs.Spaces;
using Astromech.Replay;

namespace Astromech.Agents.Sac;

/// <summary>
/// The affine map between a bounded Box and the policy's [−1, 1]^A (SB3's scale_action/unscale_action), shared by the
/// tanh-policy agents (SAC, AWAC, BC): replay holds [−1, 1] actions, the env gets Box actions.
/// </summary>
public sealed class BoxActionScale
{
    private readonly float[] _low, _high;

    public BoxActionScale(string algo, Space actionSpace)
    {
        if (actionSpace is not Box box)
            throw new ArgumentException($"{algo} needs continuous actions (a Box action space), but the env's action space is {actionSpace}");
        if (!box.IsBounded)
            throw new ArgumentException($"{algo} needs a bounded Box action space (its tanh policy is rescaled onto the bounds), but the env's action space is {actionSpace}");
        _low = box.Low.ToArray();
        _high = box.High.ToArray();
    }

    public int Size => _low.Length;

    /// <summary>[−1, 1] actions (rows of <see cref="Size"/>) mapped in place onto the Box, clipped to it.</summary>
    public void ToEnv(Span<float> actions)
    {
        for (int k = 0; k < actions.Length; k++)
        {
            int j = k % _low.Length;
            float a = Math.Clamp(actions[k], -1f, 1f);
            actions[k] = Math.Clamp(_low[j] + 0.5f * (a + 1f) * (_high[j] - _low[j]), _low[j], _high[j]);
        }
    }

    /// <summary>Box actions mapped onto [−1, 1] (clipped).</summary>
    public void ToUnit(ReadOnlySpan<float> envActions, Span<float> unit)
    {
        for (int k = 0; k < envActions.Length; k++)
        {
            int j = k % _low.Length;
            unit[k] = Math.Clamp(2f * (envActions[k] - _low[j]) / (_high[j] - _low[j]) - 1f, -1f, 1f);
        }
    }

    /// <summary>
    /// Writes a dataset's rows into <paramref name="replay"/> with their actions mapped to [−1, 1] and discount γ (0 at a
    /// terminal row; a timeout bootstraps), after checking it against the agent's spaces.
    /// </summary>
    public void LoadDataset(string algo, OfflineDataset dataset, Space observationSpace, Space actionSpace, ITransitionWriter replay, float gamma)
    {
        dataset.Validate(observationSpace, actionSpace, DatasetSource(algo, dataset));
        var unit = new float[Size];
        for (int i = 0; i < dataset.Count; i++)
        {
            ToUnit(dataset.Action(i), unit);
            replay.Add(dataset.Observation(i), unit, dataset.Rewards[i], dataset.Terminals[i] ? 0f : gamma, dataset.NextObservation(i));
        }
    }

    /// <summary>"&lt;algo&gt; dataset (recorded on ENV)", the subject of dataset errors.</summary>
    public static string DatasetSource(string algo, OfflineDataset dataset) =>
        dataset.EnvId is string env ? $"{algo}: dataset recorded on {env}" : $"{algo}: dataset";
}
