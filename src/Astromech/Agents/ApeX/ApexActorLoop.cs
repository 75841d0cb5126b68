using Astromech.Parameters;
using Astromech.Replay;
using Astromech.Training;

namespace Astromech.Agents.ApeX;

/// <summary>
/// First-come-first-served turns for inserting into a rate-limited replay: when the limiter holds inserts
/// back, the actor that has waited longest goes next (with polling alone one actor starved for thousands of
/// updates). One instance is shared by the actor loops of one process.
/// </summary>
public sealed class InsertTurns
{
    private long _tickets, _serving;
    public long Take() => Interlocked.Increment(ref _tickets) - 1;
    public bool IsTurn(long ticket) => Interlocked.Read(ref _serving) == ticket;
    public void Done() => Interlocked.Increment(ref _serving);
}

/// <summary>
/// The loop every Ape-X actor runs, embedded or on a cluster node: step its env copies ε-greedily, pull
/// parameters every param_sync_interval steps, and when a block is full compute its priorities and insert it
/// (waiting its turn, retrying while the replay refuses). The replay and parameter source are interfaces, so
/// the same loop talks to in-process objects or to remote roles.
/// </summary>
public static class ApexActorLoop
{
    public static void Run(ApexActor actor, ApexConfig cfg, IReplayClient replay, IParameterSource parameters, IActorLoopHost host, InsertTurns turns)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.Pull(parameters);
        bool pending = false;
        long k = 0, ticket = 0;
        while (host.SafePoint())
        {
            if (pending)
            {
                if (!turns.IsTurn(ticket) || !replay.TryInsert(actor.Block, actor.Priorities))
                {
                    host.InsertWaited();
                    Thread.Sleep(1);
                    continue;
                }
                turns.Done();
                host.BlockInserted(actor.ParameterVersion, actor.Block.Count);
                actor.Block.Clear();
                pending = false;
            }
            actor.Step();
            k++;
            foreach (var e in actor.Completed) host.EndEpisode(e.Return, e.Length);
            actor.ClearCompleted();
            if (k % cfg.ParamSyncInterval == 0) actor.Pull(parameters);
            if (actor.BlockReady)
            {
                actor.ComputePriorities();
                pending = true;
                ticket = turns.Take();
            }
            if (!host.AddSteps(cfg.NumEnvs)) return;
        }
    }
}
