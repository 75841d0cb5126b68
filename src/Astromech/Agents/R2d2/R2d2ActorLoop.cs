using Astromech.Adders;
using Astromech.Envs;
using Astromech.Parameters;
using Astromech.Replay;
using Astromech.Training;

namespace Astromech.Agents.R2d2;

/// <summary>
/// The loop every R2D2 actor runs, on an embedded agent's thread or on a cluster actor node: its sequence adder
/// writes into a local <see cref="SequenceBuffer"/>, and the sequences a vector step finishes (with their stored
/// recurrent states) go to the replay in one insert right after that step, retried while the replay holds
/// inserts back. It waits for the learner's first parameters, then pulls the newest every param_sync_interval
/// steps. Embedded, the insert copies into the agent's own replay, a gate holds the actor before a step while it
/// is ahead of the learner, and ε may follow the run's linear schedule; a remote actor has neither the learner's
/// counts nor the run's progress, so there the replay node's rate limiter refuses inserts and ε is per actor.
/// </summary>
public static class R2d2ActorLoop
{
    /// <summary>
    /// Builds actor <paramref name="actor"/>'s network copy, env copies (seeded <see cref="ActorSeed.Of"/> of
    /// <paramref name="runSeed"/>) and adder, and runs the loop until the host stops it or its budget is spent.
    /// </summary>
    /// <param name="episodeIdBase">Added to the adder's episode ids (actor index in the top bits, then the env copy).</param>
    /// <param name="tryInsert">Inserts every sequence of the list, or none (false: the loop retries the same list).</param>
    /// <param name="mayStep">When given, the actor steps only while it returns true (a rate limit checked before acting).</param>
    /// <param name="epsilon">When given, the ε of every copy at each step (the linear schedule); else the per-actor Ape-X ε's.</param>
    /// <param name="droppedTooShort">Told, when the loop ends, how many sequences the adder dropped as too short to train on.</param>
    public static void Run(R2d2Config cfg, Func<IEnv> makeEnv, IReadOnlyList<int> obsShape, int numActions, int actor, int runSeed, long episodeIdBase,
        IParameterSource parameters, Func<IReadOnlyList<SequenceItem>, bool> tryInsert, IActorLoopHost host,
        Func<bool>? mayStep = null, Func<double>? epsilon = null, Action<long>? loaded = null, Action<long>? droppedTooShort = null)
    {
        int seed = ActorSeed.Of(runSeed, actor), n = cfg.NumEnvs, obsSize = 1;
        foreach (int d in obsShape) obsSize *= d;
        var buffer = new SequenceBuffer(cfg.SequenceLength, obsSize, cfg.LstmSize);
        // Sequences shorter than burn-in + 1 that do not start an episode hold nothing to train on under a burn-in
        // strategy, so the adder drops them.
        var adder = new VectorSequenceAdder(n, buffer, cfg.SequenceLength, cfg.Overlap, Math.Min(cfg.SequenceLength, cfg.EffectiveBurnIn + 1), episodeIdBase);
        var net = Nn.RecurrentQNetwork.Create(obsShape, numActions, cfg.Hidden, cfg.LstmSize, cfg.LstmForgetBias, cfg.Torso, cfg.ConvFilters);
        foreach (var p in net.parameters()) p.requires_grad = false;
        using var r2d2 = new R2d2Actor(makeEnv, n, net, adder, new Rng(seed), seed);
        var eps = R2d2Agent.EpsilonsOf(cfg, actor);
        try
        {
            Run(r2d2, buffer, cfg, eps, epsilon, mayStep, tryInsert, parameters, host, loaded);
        }
        finally
        {
            long dropped = 0;
            for (int i = 0; i < n; i++) dropped += adder[i].Dropped;
            droppedTooShort?.Invoke(dropped);
        }
    }

    private static void Run(R2d2Actor actor, SequenceBuffer buffer, R2d2Config cfg, double[] eps, Func<double>? epsilon, Func<bool>? mayStep,
        Func<IReadOnlyList<SequenceItem>, bool> tryInsert, IParameterSource parameters, IActorLoopHost host, Action<long>? loaded)
    {
        var puller = new ParameterPuller(parameters, loaded, actor.Network);
        if (!puller.WaitForFirst(host)) return;
        long k = 0;
        while (host.SafePoint())
        {
            if (mayStep is not null && !mayStep())
            {
                Thread.Sleep(1);
                continue;
            }
            k++;
            if (epsilon is not null) Array.Fill(eps, epsilon());
            actor.Step(eps);
            // The step's finished sequences reach the replay before the step is counted, so a checkpoint taken at
            // the next pause holds them (an embedded adder used to write straight into the replay).
            if (buffer.Pending.Count > 0)
            {
                while (!tryInsert(buffer.Pending))
                {
                    host.InsertWaited();
                    if (!host.SafePoint()) return;
                    Thread.Sleep(1);
                }
                host.BlockInserted(puller.Version, buffer.Pending.Count);
                buffer.Clear();
            }
            foreach (var e in actor.Completed) host.EndEpisode(e.Return, e.Length);
            actor.ClearCompleted();
            if (k % cfg.ParamSyncInterval == 0) puller.Pull();
            if (!host.AddSteps(actor.NumEnvs)) return;
        }
    }
}
