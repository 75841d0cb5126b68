using System.Text.Json.Nodes;
using Astromech.Agents.A2c;
using Astromech.Agents.A3c;
using Astromech.Agents.Awac;
using Astromech.Agents.Bc;
using Astromech.Agents.ApeX;
using Astromech.Agents.Impala;
using Astromech.Agents.Dqn;
using Astromech.Agents.Ppo;
using Astromech.Agents.Sac;
using Astromech.Agents.R2d2;
using Astromech.Agents.Rl2;
using Astromech.Envs.Spaces;
using Astromech.Training;
using Astromech.Training.Config;

namespace Astromech.Agents;

/// <summary>The kinds of action space an algorithm can act in.</summary>
[Flags]
public enum ActionKinds { Discrete = 1, Continuous = 2, Both = Discrete | Continuous }

/// <summary>
/// Builds a frozen teacher's policy π(·|s) from a loaded agent of this algorithm, for kickstarting (see
/// <see cref="Kickstarting.Teacher"/>). <paramref name="temperature"/> is the softmax temperature of value-based
/// teachers (softmax(Q/τ)); policy-based teachers ignore it.
/// </summary>
public delegate Func<TorchSharp.torch.Tensor, Nn.IActionDistribution> TeacherPolicyFactory(IAgent agent, double temperature);

/// <summary>
/// Builds the acting policy of a loaded agent of this algorithm as an ONNX graph (see <see cref="Export.PolicyExports"/>):
/// the deterministic action its evaluation takes, the values beside it, and any recurrent state as inputs and outputs.
/// </summary>
public delegate Export.ExportedPolicy PolicyExportFactory(IAgent agent);

/// <summary>
/// One short run the conformance suite (and the GC-hammer test) trains this algorithm for: a small config on an env.
/// <paramref name="Steps"/> is the length of the GC-hammer run; the other conformance cases take shorter slices, and the
/// checkpoint-continuation case checkpoints stream agents at Steps / 2, which must end a rollout (no experience in flight).
/// </summary>
public sealed record SmokeRun(Func<object> Config, string Env, long Steps);

/// <summary>
/// An algorithm's descriptor: everything the CLI, the cluster nodes, the kickstarting teacher and the conformance
/// suite need to know about it, so none of them names an algorithm. Each algorithm declares its own in its folder
/// (<c>Agents/Dqn/DqnAlgorithm.cs</c>) and the registry lists them. The positional part is required; the rest
/// are optional capabilities.
/// </summary>
public sealed record AlgorithmInfo(
    string Name,
    string Description,
    Type ConfigType,
    Func<object, Space, Space, int, IAgent> Create,
    ActionKinds Actions = ActionKinds.Discrete)
{
    /// <summary>The config key <c>--actors</c> sets (<c>actors</c>, <c>workers</c>); null for algorithms that collect on the trainer's thread.</summary>
    public string? ActorCountKey { get; init; }

    /// <summary>How a loaded checkpoint of this algorithm teaches a kickstarted student; null when it cannot.</summary>
    public TeacherPolicyFactory? TeacherPolicy { get; init; }

    /// <summary>Why this algorithm's checkpoints cannot teach (shown when one is given as a teacher); used when <see cref="TeacherPolicy"/> is null.</summary>
    public string? NotATeacherBecause { get; init; }

    /// <summary>How a loaded agent of this algorithm exports its acting policy to ONNX (<c>astromech export</c>); null when it cannot.</summary>
    public PolicyExportFactory? Export { get; init; }

    /// <summary>Why this algorithm's policy cannot be exported (shown by <c>astromech export</c>); used when <see cref="Export"/> is null.</summary>
    public string? NotExportableBecause { get; init; }

    /// <summary>The agent's acting policy as an ONNX graph, or a clear refusal naming why this algorithm has none.</summary>
    public Export.ExportedPolicy ExportPolicy(IAgent agent)
    {
        if (Export is null)
            throw new NotSupportedException($"algorithm '{Name}' cannot export its policy to ONNX: {NotExportableBecause ?? "its descriptor declares no exportable acting policy"}");
        var policy = Export(agent);
        policy.Graph.Metadata["algo"] = Name;
        return policy;
    }

    /// <summary>Named diagnostics the CLI can run on this algorithm's checkpoints (e.g. <c>staleness</c>).</summary>
    public IReadOnlyList<string> Diagnostics { get; init; } = Array.Empty<string>();

    /// <summary>The agent is an <see cref="IOfflineAgent"/>: it takes <c>--dataset FILE --offline-steps N</c> (BC, AWAC, SAC from data).</summary>
    public bool LearnsOffline { get; init; }

    /// <summary>Its loss reads no rewards (behaviour cloning), so a NaN reward cannot reach a loss term; the conformance
    /// suite's NaN-reward case does not apply to it.</summary>
    public bool LossIgnoresRewards { get; init; }

    /// <summary>Small runs for the conformance suite: one per env kind the algorithm acts in.</summary>
    public IReadOnlyList<SmokeRun> Smoke { get; init; } = Array.Empty<SmokeRun>();

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

    /// <summary>
    /// Wraps every env a run of this algorithm makes (training, evaluation, the CLI's probes, the conformance suite), given
    /// the run's config: RL²'s trial wrapper, whose length is the config key trial_episodes. Null for plain envs.
    /// </summary>
    public Func<object, Astromech.Envs.IEnv, Astromech.Envs.IEnv>? WrapEnv { get; init; }

    /// <summary>Makes the registered env <paramref name="envId"/> as a run of this algorithm with <paramref name="config"/> sees it (<see cref="WrapEnv"/> applied).</summary>
    public Astromech.Envs.IEnv MakeEnv(object config, string envId, IReadOnlyDictionary<string, string>? envArgs = null)
    {
        var env = Astromech.Envs.Registry.EnvRegistry.Make(envId, envArgs);
        if (WrapEnv is null) return env;
        try { return WrapEnv(config, env); }
        catch
        {
            env.Dispose();
            throw;
        }
    }

    /// <summary>The config record with its defaults.</summary>
    public object DefaultConfig() => Activator.CreateInstance(ConfigType)!;
}

/// <summary>Thrown for an algorithm name that is not registered.</summary>
public sealed class UnknownAlgorithmException(string message) : ArgumentException(message);

/// <summary>The registered algorithms, by name.</summary>
public static class Algorithms
{
    // One line per algorithm; each descriptor lives in the algorithm's own folder.
    private static readonly List<AlgorithmInfo> _all = new()
    {
        DqnAlgorithm.Info,
        A2cAlgorithm.Info,
        PpoAlgorithm.Info,
        A3cAlgorithm.Info,
        ImpalaAlgorithm.Info,
        SacAlgorithm.Info,
        R2d2Algorithm.Info,
        ApexAlgorithm.Info,
        Rl2Algorithm.Info,
        BcAlgorithm.Info,
        AwacAlgorithm.Info,
    };

    public static IReadOnlyList<AlgorithmInfo> All => _all;

    public static void Register(AlgorithmInfo info)
    {
        if (_all.Any(a => a.Name == info.Name)) throw new ArgumentException($"algorithm '{info.Name}' is already registered");
        _all.Add(info);
    }

    /// <summary>The algorithm called <paramref name="name"/> (any case), or null.</summary>
    public static AlgorithmInfo? Find(string name) => _all.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The names of the registered algorithms that pass <paramref name="has"/>, comma separated (for error messages).</summary>
    public static string NamesWith(Func<AlgorithmInfo, bool> has) => string.Join(", ", _all.Where(has).Select(a => a.Name));

    public static AlgorithmInfo Get(string name)
    {
        var hit = Find(name);
        if (hit is not null) return hit;
        var names = _all.Select(a => a.Name).ToList();
        var near = names.OrderBy(n => Astromech.Envs.Names.EditDistance(n, name.ToLowerInvariant())).First();
        string hint = Astromech.Envs.Names.EditDistance(near, name.ToLowerInvariant()) <= 2 ? $" (did you mean '{near}'?)" : "";
        throw new UnknownAlgorithmException($"unknown algorithm '{name}'{hint}; known: {string.Join(", ", names)}");
    }
}

