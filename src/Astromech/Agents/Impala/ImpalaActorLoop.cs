using Astromech.Agents.ActorCritic;
using Astromech.Nn;
using Astromech.Parameters;
using Astromech.Training;

namespace Astromech.Agents.Impala;

/// <summary>
/// An IMPALA actor away from its learner (a cluster actor node): it waits for the learner's first parameters,
/// then collects unrolls with its own network copy, pulls the newest parameters every param_sync_interval
/// unrolls, and hands each unroll with its behaviour version to <c>trySubmit</c>, retrying while the learner's
/// queue is full (back-pressure: a slow learner slows its actors instead of piling up unrolls).
/// </summary>
public static class ImpalaActorLoop
{
    public static void Run(RolloutCollector collector, ImpalaConfig cfg, RolloutBuffer buffer, IParameterSource parameters, Func<Unroll, bool> trySubmit,
        IActorHost host, int actor, Action<long>? loaded = null, Action? submitted = null, Action? waited = null)
    {
        var puller = new ParameterPuller(parameters, loaded, collector.Network);
        if (!puller.WaitForFirst(host)) return;
        for (long k = 0; host.SafePoint(); k++)
        {
            if (k > 0 && k % cfg.ParamSyncInterval == 0) puller.Pull();
            bool more = collector.Collect(buffer, host);
            var unroll = new Unroll(buffer, puller.Version, actor);
            while (!trySubmit(unroll))
            {
                waited?.Invoke();
                if (!host.SafePoint()) return;
                Thread.Sleep(2);
            }
            submitted?.Invoke();
            if (!more) return;
        }
    }
}
