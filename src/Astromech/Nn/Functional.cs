using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Nn;

/// <summary>
/// A set of parameter tensors keyed by the dotted names a module's <c>named_parameters()</c> gives them (child names joined
/// by dots, then the parameter's own name such as "weight"), seen from one submodule down (a prefix). The tensors may be the module's own parameters
/// or anything of the same shapes, adapted parameters from an inner update (<see cref="Functional.SgdStep(IReadOnlyDictionary{string, Tensor}, Tensor, double, bool)"/>)
/// included: a functional forward reads its weights from here instead of from the module.
/// </summary>
public sealed class FunctionalParameters
{
    private readonly IReadOnlyDictionary<string, Tensor> _all;

    /// <summary>The dotted path of the submodule this view starts at ("" for the root, else ending in '.').</summary>
    public string Prefix { get; }

    public FunctionalParameters(IReadOnlyDictionary<string, Tensor> all, string prefix = "")
    {
        _all = all ?? throw new ArgumentNullException(nameof(all));
        Prefix = prefix;
    }

    /// <summary>The parameter <paramref name="name"/> of this submodule; throws naming the full key when it is missing.</summary>
    public Tensor this[string name] => _all.TryGetValue(Prefix + name, out var t)
        ? t
        : throw new KeyNotFoundException($"functional forward needs parameter '{Prefix + name}', which the parameter set does not hold (it holds {Describe(_all.Keys)})");

    /// <summary>The parameter <paramref name="name"/>, or null when this submodule has none by that name (a Linear without bias).</summary>
    public Tensor? Optional(string name) => _all.TryGetValue(Prefix + name, out var t) ? t : null;

    /// <summary>The view of the direct child registered under <paramref name="childName"/>.</summary>
    public FunctionalParameters Child(string childName) => new(_all, Prefix + childName + ".");

    /// <summary>The view of <paramref name="child"/>, a direct child of <paramref name="parent"/>, found by reference, so callers
    /// need not know the name <c>RegisterComponents</c> gave the field.</summary>
    public FunctionalParameters Child(nn.Module parent, nn.Module child)
    {
        foreach (var (name, m) in parent.named_children())
            if (ReferenceEquals(m, child)) return Child(name);
        throw new ArgumentException($"module '{child.GetName()}' is not a registered child of '{parent.GetName()}'");
    }

    internal static string Describe(IEnumerable<string> keys)
    {
        var list = keys.Take(8).ToList();
        return list.Count == 0 ? "no parameters" : string.Join(", ", list.Select(k => $"'{k}'")) + (keys.Skip(8).Any() ? ", …" : "");
    }
}

/// <summary>
/// A module that can run with parameters passed in (<see cref="FunctionalParameters"/>) instead of its own, computing the
/// same function: with its own parameters the output equals <c>forward</c>'s bit for bit.
/// </summary>
public interface IFunctionalModule
{
    Tensor FunctionalForward(Tensor input, FunctionalParameters parameters);
}

/// <summary>
/// Functional forward passes (parameters as tensors) and a differentiable inner SGD step: what MAML-style meta-learning
/// needs to let the outer gradient flow through an inner update. Run <see cref="Forward(Module{Tensor, Tensor}, Tensor, IReadOnlyDictionary{string, Tensor})"/>
/// with <see cref="ParametersOf"/> (the module's own parameters: gradients reach them) or with the adapted tensors
/// <see cref="SgdStep(IReadOnlyDictionary{string, Tensor}, Tensor, double, bool)"/> returns (θ' = θ − α∇L(θ), still a
/// function of θ when the step keeps its graph).
/// <para>Covered: <c>Linear</c>, <c>ReLU</c>, <c>Tanh</c>, <c>Sequential</c> of those, every <see cref="IFunctionalModule"/>
/// (<see cref="Mlp"/>, <see cref="QNetwork"/> with an MLP torso, <see cref="DuelingHead"/>, <see cref="ContinuousQNetwork"/>),
/// and <see cref="ActorCriticNetwork"/> with MLP torsos. Any other module is refused naming its type.</para>
/// </summary>
public static class Functional
{
    /// <summary>The module's own parameters by dotted name (the live parameter tensors, not copies).</summary>
    public static Dictionary<string, Tensor> ParametersOf(nn.Module module)
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (name, p) in module.named_parameters()) d[name] = p;
        return d;
    }

    /// <summary>Detached copies of the module's parameters that require gradients: starting points for an inner loop that
    /// must not touch the module itself.</summary>
    public static Dictionary<string, Tensor> CloneParameters(nn.Module module)
    {
        var d = new Dictionary<string, Tensor>();
        using (no_grad())
            foreach (var (name, p) in module.named_parameters()) d[name] = p.detach().clone().requires_grad_(true);
        return d;
    }

    /// <summary><paramref name="module"/>'s function of <paramref name="input"/> with the weights in <paramref name="parameters"/>,
    /// which must hold exactly the module's parameter names with the module's shapes.</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> module, Tensor input, IReadOnlyDictionary<string, Tensor> parameters)
    {
        CheckMatches(module, parameters);
        return Apply(module, input, new FunctionalParameters(parameters));
    }

    /// <summary>Q(s, a) of a <see cref="ContinuousQNetwork"/> with the weights in <paramref name="parameters"/>.</summary>
    public static Tensor Forward(ContinuousQNetwork q, Tensor obs, Tensor actions, IReadOnlyDictionary<string, Tensor> parameters)
    {
        CheckMatches(q, parameters);
        return q.FunctionalForward(obs, actions, new FunctionalParameters(parameters));
    }

    /// <summary>The policy-head output and V(s) of an <see cref="ActorCriticNetwork"/> with the weights in
    /// <paramref name="parameters"/>; <see cref="ActorCriticNetwork.FunctionalDistribution"/> reads log σ of a Gaussian
    /// policy from the same set.</summary>
    public static (Tensor PolicyOut, Tensor Value) Forward(ActorCriticNetwork net, Tensor obs, IReadOnlyDictionary<string, Tensor> parameters)
    {
        CheckMatches(net, parameters);
        return net.FunctionalForward(obs, new FunctionalParameters(parameters));
    }

    /// <summary>Runs one (sub)module functionally; the parameter view must start at that module.</summary>
    public static Tensor Apply(nn.Module module, Tensor input, FunctionalParameters p) => module switch
    {
        IFunctionalModule f => f.FunctionalForward(input, p),
        TorchSharp.Modules.Linear => nn.functional.linear(input, p["weight"], p.Optional("bias")),
        TorchSharp.Modules.ReLU => nn.functional.relu(input),
        TorchSharp.Modules.Tanh => input.tanh(),
        TorchSharp.Modules.Sequential s => ApplySequential(s, input, p),
        _ => throw new NotSupportedException($"no functional forward for module '{module.GetName()}' of type {module.GetType().Name} " +
            "(supported: Linear, ReLU, Tanh, Sequential and IFunctionalModule implementations; a conv torso is not)"),
    };

    private static Tensor ApplySequential(TorchSharp.Modules.Sequential s, Tensor input, FunctionalParameters p)
    {
        var x = input;
        foreach (var (name, child) in s.named_children()) x = Apply(child, x, p.Child(name));
        return x;
    }

    /// <summary>
    /// One differentiable SGD step θ' = θ − α·∇_θ L for every tensor in <paramref name="parameters"/> (each must require
    /// gradients and <paramref name="loss"/> must be a scalar computed from them). With <paramref name="createGraph"/> the
    /// gradient keeps its own graph, so θ' is a function of θ through the gradient too and an outer loss on θ' has the full
    /// second-order MAML gradient; without it the gradient is treated as a constant (first-order MAML): θ' still depends
    /// on θ through the identity term only. A parameter the loss does not use keeps its value (zero gradient).
    /// </summary>
    public static Dictionary<string, Tensor> SgdStep(IReadOnlyDictionary<string, Tensor> parameters, Tensor loss, double learningRate, bool createGraph = true)
    {
        if (!double.IsFinite(learningRate) || learningRate < 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the inner learning rate must be finite and ≥ 0");
        using var lr = learningRate.ToScalar();
        return Step(parameters, loss, createGraph, (p, g) => p - g.mul(lr));
    }

    /// <summary>The step of <see cref="SgdStep(IReadOnlyDictionary{string, Tensor}, Tensor, double, bool)"/> with a tensor
    /// learning rate (a scalar, or one of each parameter's shape), so α itself can be meta-learned (Meta-SGD, Li et al. 2017).</summary>
    public static Dictionary<string, Tensor> SgdStep(IReadOnlyDictionary<string, Tensor> parameters, Tensor loss, Tensor learningRate, bool createGraph = true) =>
        Step(parameters, loss, createGraph, (p, g) => p - g * learningRate);

    private static Dictionary<string, Tensor> Step(IReadOnlyDictionary<string, Tensor> parameters, Tensor loss, bool createGraph,
        Func<Tensor, Tensor, Tensor> update)
    {
        if (loss.numel() != 1) throw new ArgumentException($"the inner loss must be a scalar, got shape [{string.Join(", ", loss.shape)}]", nameof(loss));
        if (parameters.Count == 0) throw new ArgumentException("the inner step needs at least one parameter", nameof(parameters));
        var names = parameters.Keys.ToList();
        var inputs = names.Select(n => parameters[n]).ToList();
        for (int i = 0; i < inputs.Count; i++)
            if (!inputs[i].requires_grad)
                throw new ArgumentException($"parameter '{names[i]}' does not require gradients, so the inner step cannot differentiate the loss by it", nameof(parameters));
        var grads = torch.autograd.grad(new[] { loss }, inputs, retain_graph: createGraph, create_graph: createGraph, allow_unused: true);
        var adapted = new Dictionary<string, Tensor>(names.Count);
        for (int i = 0; i < names.Count; i++)
        {
            var g = grads[i];
            adapted[names[i]] = g is null || g.IsInvalid ? inputs[i].view_as(inputs[i]) : update(inputs[i], g);
        }
        return adapted;
    }

    private static void CheckMatches(nn.Module module, IReadOnlyDictionary<string, Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int count = 0;
        foreach (var (name, p) in module.named_parameters())
        {
            count++;
            if (!parameters.TryGetValue(name, out var t))
                throw new ArgumentException($"the parameter set lacks '{name}' of module '{module.GetName()}' (it holds {FunctionalParameters.Describe(parameters.Keys)})", nameof(parameters));
            if (!t.shape.SequenceEqual(p.shape))
                throw new ArgumentException($"parameter '{name}' has shape [{string.Join(", ", t.shape)}], the module's is [{string.Join(", ", p.shape)}]", nameof(parameters));
        }
        if (parameters.Count != count)
        {
            var own = module.named_parameters().Select(np => np.name).ToHashSet();
            var extra = parameters.Keys.Where(k => !own.Contains(k));
            throw new ArgumentException($"the parameter set holds names module '{module.GetName()}' does not have: {FunctionalParameters.Describe(extra)}", nameof(parameters));
        }
    }
}
