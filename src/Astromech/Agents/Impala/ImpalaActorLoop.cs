using Astromech.Agents.ActorCritic;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Parameters;
using Astromech.Training;

namespace Astromech.Agents.Impala;

/// <summary>
/// The loop every IMPALA actor runs, on an embedded agent's thread or on a cluster actor node: it waits for the
/// learner's first parameters, then collects unrolls with its own network copy, pulls the newest parameters
/// every param_sync_interval unrolls, and hands each unroll with its behaviour version to <c>trySubmit</c>,
/// retrying while the learner's queue is full (back-pressure: a slow learner slows its actors instead of piling
/// up unrolls). The parameter source and the submit are the only ties to the learner, so the same loop talks to
/// the agent's own <see cref="ParameterStore"/> and queue in one process, or to remote roles.
/// </summary>
public static class ImpalaActorLoop
{
    /// <summary>
    /// Builds actor <paramref name="actor"/>'s network copy and env copies (seeded <see cref="ActorSeed.Of"/> of
    /// <paramref name="runSeed"/>) and runs the loop until the host stops it or its step budget is spent.
    /// <paramref name="nextBuffer"/> gives the buffer each unroll is collected into: a queue that keeps the unroll
    /// (the embedded learner) needs a fresh one every time, a submit that copies it out may hand back the same one.
    /// </summary>
    public static void Run(ImpalaConfig cfg, Func<IEnv> makeEnv, Space observationSpace, Space actionSpace, int actor, int runSeed,
        IParameterSource parameters, Func<RolloutBuffer> nextBuffer, Func<Unroll, bool> trySubmit, IActorHost host,
        Action<long>? loaded = null, Action? submitted = null, Action? waited = null)
    {
        int seed = ActorSeed.Of(runSeed, actor);
        var net = cfg.BuildNetwork(observationSpace.Shape, actionSpace);
        foreach (var p in net.parameters()) p.requires_grad = false;
        using var collector = new RolloutCollector(makeEnv, cfg.NumEnvs, net, actionSpace, new Rng(seed), (float)cfg.Gamma, seed);
        Run(collector, cfg, nextBuffer, parameters, trySubmit, host, actor, loaded, submitted, waited);
    }

    /// <summary><c>trySubmit</c> may wait a little before it gives up; after a refusal the loop only checks whether it should
    /// stop, then offers the same unroll again (a remote queue tells a resend from a new unroll by the object).</summary>
    private static void Run(RolloutCollector collector, ImpalaConfig cfg, Func<RolloutBuffer> nextBuffer, IParameterSource parameters, Func<Unroll, bool> trySubmit,
        IActorHost host, int actor, Action<long>? loaded = null, Action? submitted = null, Action? waited = null)
    {
        var puller = new ParameterPuller(parameters, loaded, collector.Network);
        if (!puller.WaitForFirst(host)) return;
        for (long k = 0; host.SafePoint(); k++)
        {
            if (k > 0 && k % cfg.ParamSyncInterval == 0) puller.Pull();
            var buffer = nextBuffer();
            bool more = collector.Collect(buffer, host);
            var unroll = new Unroll(buffer, puller.Version, actor);
            while (!trySubmit(unroll))
            {
                waited?.Invoke();
                if (!host.SafePoint()) return;
            }
            submitted?.Invoke();
            if (!more) return;
        }
    }
}
