using Astromech.Training;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Agents.R2d2;

/// <summary>
/// An R2D2 actor away from its learner (a cluster actor node): its sequence adder writes into a local
/// <see cref="SequenceBuffer"/>, and after each vector step the finished sequences (with their stored recurrent
/// states) go to the replay in one insert, retried while the replay's rate limiter holds inserts back. It waits
/// for the learner's first parameters, then pulls the newest every param_sync_interval steps. ε is the per-actor
/// Ape-X schedule (the linear schedule needs the run's global progress, which a remote actor does not have).
/// </summary>
public static class R2d2ActorLoop
{
    public static void Run(R2d2Actor actor, SequenceBuffer buffer, R2d2Config cfg, ReadOnlySpan<double> epsilons, ISequenceReplayClient replay,
        IParameterSource parameters, IActorLoopHost host, Action<long>? loaded = null)
    {
        var eps = epsilons.ToArray();
        var puller = new ParameterPuller(parameters, loaded, actor.Network);
        if (!puller.WaitForFirst(host)) return;
        long k = 0;
        while (host.SafePoint())
        {
            if (buffer.Pending.Count > 0)
            {
                if (!replay.TryInsert(buffer.Pending))
                {
                    host.InsertWaited();
                    Thread.Sleep(1);
                    continue;
                }
                host.BlockInserted(puller.Version, buffer.Pending.Count);
                buffer.Clear();
            }
            actor.Step(eps);
            foreach (var e in actor.Completed) host.EndEpisode(e.Return, e.Length);
            actor.ClearCompleted();
            if (++k % cfg.ParamSyncInterval == 0) puller.Pull();
            if (!host.AddSteps(actor.NumEnvs)) return;
        }
    }
}
