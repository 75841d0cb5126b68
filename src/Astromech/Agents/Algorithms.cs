using System.Text.Json.Nodes;
using Astromech.Agents.A2c;
using Astromech.Agents.A3c;
using Astromech.Agents.ApeX;
using Astromech.Agents.Impala;
using Astromech.Agents.Dqn;
using Astromech.Agents.Ppo;
using Astromech.Agents.Sac;
using Astromech.Agents.R2d2;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Config;

namespace Astromech.Agents;

/// <summary>The kinds of action space an algorithm can act in.</summary>
[Flags]
public enum ActionKinds { Discrete = 1, Continuous = 2, Both = Discrete | Continuous }

/// <summary>An algorithm the CLI and tools can name: its config record type and how to build an agent.</summary>
public sealed record AlgorithmInfo(
    string Name,
    string Description,
    Type ConfigType,
    Func<object, Space, Space, int, IAgent> Create,
    ActionKinds Actions = ActionKinds.Discrete)
{
    /// <summary>
    /// Throws a clear error when <paramref name="envId"/>'s action space is of a kind this algorithm cannot act
    /// in (SAC on CartPole, DQN on Pendulum), naming both, before anything is built.
    /// </summary>
    public void EnsureSupports(string envId, Space actionSpace)
    {
        var kind = actionSpace switch { Discrete => ActionKinds.Discrete, Box => ActionKinds.Continuous, _ => (ActionKinds)0 };
        if ((Actions & kind) != 0) return;
        string wants = Actions switch
        {
            ActionKinds.Discrete => "discrete actions (a Discrete action space)",
            ActionKinds.Continuous => "continuous actions (a Box action space)",
            _ => "Discrete or Box action spaces",
        };
        throw new ArgumentException($"algorithm '{Name}' needs {wants}, but env '{envId}' has the action space {actionSpace}");
    }

    /// <summary>The config record with its defaults.</summary>
    public object DefaultConfig() => Activator.CreateInstance(ConfigType)!;
}

/// <summary>Thrown for an algorithm name that is not registered.</summary>
public sealed class UnknownAlgorithmException(string message) : ArgumentException(message);

/// <summary>The registered algorithms, by name.</summary>
public static class Algorithms
{
    private static readonly List<AlgorithmInfo> _all = new()
    {
        new("dqn", "DQN with switchable double Q, dueling head, n-step returns, prioritized replay, value rescaling",
            typeof(DqnConfig), (cfg, obs, act, seed) => new DqnAgent((DqnConfig)cfg, obs, act, seed)),
        new("a2c", "A2C: synchronous advantage actor-critic on vectorized envs (n-step/GAE returns, RMSProp)",
            typeof(A2cConfig), (cfg, obs, act, seed) => new A2cAgent((A2cConfig)cfg, obs, act, seed), ActionKinds.Both),
        new("ppo", "PPO: clipped surrogate, GAE, minibatch epochs, advantage normalization, optional value clipping, lr annealing",
            typeof(PpoConfig), (cfg, obs, act, seed) => new PpoAgent((PpoConfig)cfg, obs, act, seed), ActionKinds.Both),
        new("a3c", "A3C: asynchronous worker threads with their own env and network copies, locked updates to shared parameters",
            typeof(A3cConfig), (cfg, obs, act, seed) => new A3cAgent((A3cConfig)cfg, obs, act, seed), ActionKinds.Both),
        new("impala", "IMPALA: actor threads feed unrolls through a bounded queue to one learner; V-trace corrects the policy lag",
            typeof(ImpalaConfig), (cfg, obs, act, seed) => new ImpalaAgent((ImpalaConfig)cfg, obs, act, seed), ActionKinds.Both),
        new("sac", "SAC: soft actor-critic with twin Q, tanh-squashed Gaussian policy, learned entropy temperature, optional action noise",
            typeof(SacConfig), (cfg, obs, act, seed) => new SacAgent((SacConfig)cfg, obs, act, seed), ActionKinds.Continuous),
        new("r2d2", "R2D2: LSTM Q-network, actor threads feed overlapping sequences into prioritized sequence replay; burn-in, n-step double Q, value rescaling",
            typeof(R2d2Config), (cfg, obs, act, seed) => new R2d2Agent((R2d2Config)cfg, obs, act, seed)),
        new("apex", "Ape-X DQN: actor threads with per-actor ε send n-step transitions with their own TD-error priorities to a prioritized replay; one double-Q dueling learner publishes versioned parameters",
            typeof(ApexConfig), (cfg, obs, act, seed) => new ApexAgent((ApexConfig)cfg, obs, act, seed)),
    };

    public static IReadOnlyList<AlgorithmInfo> All => _all;

    public static void Register(AlgorithmInfo info)
    {
        if (_all.Any(a => a.Name == info.Name)) throw new ArgumentException($"algorithm '{info.Name}' is already registered");
        _all.Add(info);
    }

    public static AlgorithmInfo Get(string name)
    {
        var hit = _all.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
        if (hit is not null) return hit;
        var names = _all.Select(a => a.Name).ToList();
        var near = names.OrderBy(n => Astromech.Envs.Names.EditDistance(n, name.ToLowerInvariant())).First();
        string hint = Astromech.Envs.Names.EditDistance(near, name.ToLowerInvariant()) <= 2 ? $" (did you mean '{near}'?)" : "";
        throw new UnknownAlgorithmException($"unknown algorithm '{name}'{hint}; known: {string.Join(", ", names)}");
    }
}

