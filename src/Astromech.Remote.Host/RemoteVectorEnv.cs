using Astromech.Envs.Spaces;
using Astromech.Envs.Vector;
using P = Astromech.Remote.Protocol;

namespace Astromech.Remote.Host;

/// <summary>
/// N copies of a remote env stepped by one batched call per step (the server autoresets, same-step, as
/// <see cref="IVectorEnv"/> says). One session holds all N copies; with a seed, copy i is seeded with seed + i, so
/// it matches a <see cref="SyncVectorEnv"/> of the same env row for row.
/// </summary>
public sealed class RemoteVectorEnv : IVectorEnv
{
    private readonly RemoteSession _session;
    private readonly P.StepBatchRequest _step;
    private readonly int _obsSize, _actSize;
    private bool _needsReset = true;

    public RemoteVectorEnv(RemoteAddress address, int numEnvs)
    {
        if (numEnvs <= 0) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "a vector env needs at least one copy");
        _session = new RemoteSession(address, numEnvs);
        _step = new P.StepBatchRequest { Session = _session.Id };
        _obsSize = _session.ObservationSpace.FlatSize;
        _actSize = _session.ActionSpace.FlatSize;
        Observations = new float[numEnvs * _obsSize];
        FinalObservations = new float[numEnvs * _obsSize];
        Rewards = new float[numEnvs];
        Terminated = new bool[numEnvs];
        Truncated = new bool[numEnvs];
    }

    public int NumEnvs => _session.NumEnvs;
    public Space SingleObservationSpace => _session.ObservationSpace;
    public Space SingleActionSpace => _session.ActionSpace;
    public float[] Observations { get; }
    public float[] FinalObservations { get; }
    public float[] Rewards { get; }
    public bool[] Terminated { get; }
    public bool[] Truncated { get; }

    public void Reset(int? seed = null)
    {
        _needsReset = true;
        var reply = _session.Reset(seed);
        reply.Observations.CopyTo(Observations, 0);
        Array.Clear(Rewards);
        Array.Clear(Terminated);
        Array.Clear(Truncated);
        _needsReset = false;
    }

    public void Step(ReadOnlySpan<float> actions)
    {
        if (actions.Length != NumEnvs * _actSize)
            throw new ArgumentException($"actions has {actions.Length} floats but {NumEnvs} copies × {_actSize} per action ({SingleActionSpace}) need {NumEnvs * _actSize}", nameof(actions));
        if (_needsReset) throw new InvalidOperationException("Step called before Reset (or after a step failed); call Reset first.");
        for (int i = 0; i < NumEnvs; i++)
        {
            var row = actions.Slice(i * _actSize, _actSize);
            if (!SingleActionSpace.Contains(row))
                throw new ArgumentException($"remote env {_session.Address}: action {Space.Format(row)} of copy {i} is not in the action space {SingleActionSpace}");
        }
        _step.Actions.Clear();
        for (int i = 0; i < actions.Length; i++) _step.Actions.Add(actions[i]);
        P.StepBatchReply reply;
        try { reply = _session.StepBatch(_step); }
        catch { _needsReset = true; throw; }
        reply.Observations.CopyTo(Observations, 0);
        reply.FinalObservations.CopyTo(FinalObservations, 0);
        reply.Rewards.CopyTo(Rewards, 0);
        reply.Terminated.CopyTo(Terminated, 0);
        reply.Truncated.CopyTo(Truncated, 0);
    }

    public void Dispose() => _session.Dispose();
}
