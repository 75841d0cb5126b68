using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training.Checkpoints;
using TorchSharp.Modules;

namespace Astromech.Agents.ActorCritic;

/// <summary>
/// The checkpoint state every actor-critic agent declares under its algorithm's name: shape, config, counters,
/// network, optimizer and RNG (<see cref="AgentState"/>). Loading checks the shape and the config keys that decide
/// the network's layout, naming what differs.
/// </summary>
public static class ActorCriticCheckpoint
{
    public static readonly string[] LayoutKeys = { "hidden", "activation", "share_torso", "torso", "conv_filters", "recurrent", "normalize_observations" };

    /// <summary>The declaration; <paramref name="paramLock"/> (threaded agents) is held while the state is saved or loaded.</summary>
    public static AgentState Declare(string algo, object config, int obsSize, Space actionSpace, ActorCriticNetwork net, OptimizerHelper optimizer, Rng rng,
        Action<JsonObject> saveCounters, Action<JsonNode> loadCounters, object? paramLock = null)
    {
        var state = new AgentState(algo);
        if (paramLock is not null) state.LockedBy(paramLock);
        return state
            .Shape(("obs_size", "observation size", obsSize), ("action_space", "action space", actionSpace.ToString()))
            .Config(config, LayoutKeys)
            // A checkpoint written before recurrent cores existed has no such keys; binding gives it recurrent = none.
            .CheckConfig<OnPolicyConfig>(saved =>
            {
                var mine = (OnPolicyConfig)config;
                if (mine.Recurrent != Nn.CoreKind.None)
                    Checkpoint.EnsureMatches("core_size", saved.CoreSize.ToString(), mine.CoreSize.ToString());
            })
            .Counters(saveCounters, loadCounters)
            .Module("network", net)
            .Optimizer("optimizer", optimizer)
            .Rng("rng", rng);
    }
}
