using Astromech.Envs;
using Astromech.Envs.Spaces;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>
/// A policy π(·|s) and a state value V(s) for A2C, A3C, PPO and IMPALA: an MLP torso (shared by both heads,
/// or one per head as Stable-Baselines3 builds them for A2C/PPO), a policy head producing categorical
/// logits (Discrete actions) or Gaussian means with a state-independent log σ parameter (Box actions),
/// and a linear value head. With orthogonal initialization the torso layers get gain √2, the policy head
/// 0.01 and the value head 1, biases 0 (the scheme of the PPO implementation-details literature).
/// </summary>
public sealed class ActorCriticNetwork : Module<Tensor, (Tensor PolicyOut, Tensor Value)>
{
    private readonly Module<Tensor, Tensor> _policyTorso;
    private readonly Module<Tensor, Tensor>? _valueTorso;
    private readonly TorchSharp.Modules.Linear _policyHead;
    private readonly TorchSharp.Modules.Linear _valueHead;
    private readonly TorchSharp.Modules.Parameter? _logStd;

    public int ObsSize { get; }
    /// <summary>True for a Box action space (Gaussian policy), false for Discrete (categorical).</summary>
    public bool Continuous { get; }
    /// <summary>Flat size of one action (1 for a discrete index).</summary>
    public int ActionSize { get; }
    /// <summary>Number of discrete actions (0 when continuous).</summary>
    public int NumActions { get; }

    public ActorCriticNetwork(int obsSize, Space actionSpace, IReadOnlyList<int> hidden, Activation activation,
        bool shareTorso, bool orthogonalInit = true, double logStdInit = 0.0)
        : this(new[] { obsSize }, actionSpace, hidden, activation, shareTorso, orthogonalInit, logStdInit, TorsoKind.Mlp) { }

    /// <summary>
    /// Torsos as <paramref name="torso"/> resolves for observations of shape <paramref name="obsShape"/>: MLPs with
    /// <paramref name="activation"/>, or MinAtar's conv torso (16 filters 3×3 → <paramref name="hidden"/>, ReLU) for
    /// C×H×W observations. Orthogonal init covers the torsos' linear layers; convolutions keep PyTorch's init.
    /// </summary>
    public ActorCriticNetwork(IReadOnlyList<int> obsShape, Space actionSpace, IReadOnlyList<int> hidden, Activation activation,
        bool shareTorso, bool orthogonalInit, double logStdInit, TorsoKind torso, int convFilters = 16) : base("actor_critic")
    {
        int obsSize = obsShape.Aggregate(1, (a, b) => a * b);
        ObsSize = obsSize;
        int outSize;
        switch (actionSpace)
        {
            case Discrete d: NumActions = d.N; ActionSize = 1; outSize = d.N; break;
            case Box b: Continuous = true; ActionSize = b.FlatSize; outSize = b.FlatSize; break;
            default: throw new ArgumentException($"actor-critic policies handle Discrete or Box action spaces, not {actionSpace}");
        }
        var kind = Torsos.Resolve(torso, obsShape);
        (Module<Tensor, Tensor> Torso, int Size, IReadOnlyList<TorchSharp.Modules.Linear> Linears) Build(string name)
        {
            if (kind == TorsoKind.Conv)
            {
                var (t, size) = Torsos.Create(TorsoKind.Conv, obsShape, hidden, convFilters, name);
                return (t, size, ((ConvTorso)t).Linears);
            }
            var mlp = new Mlp(obsSize, hidden, name, activation);
            return (mlp, mlp.OutputSize, mlp.Linears);
        }
        var policy = Build(shareTorso ? "torso" : "policy_torso");
        var value = shareTorso ? default : Build("value_torso");
        _policyTorso = policy.Torso;
        _valueTorso = value.Torso;
        _policyHead = Linear(policy.Size, outSize);
        _valueHead = Linear(policy.Size, 1);
        if (Continuous) _logStd = Parameter(torch.full(outSize, Scalars.Of(logStdInit), dtype: ScalarType.Float32));
        RegisterComponents();
        if (orthogonalInit)
        {
            using var _ = no_grad();
            foreach (var fc in policy.Linears.Concat(value.Linears ?? Array.Empty<TorchSharp.Modules.Linear>()))
                Orthogonal(fc, Math.Sqrt(2));
            Orthogonal(_policyHead, 0.01);
            Orthogonal(_valueHead, 1.0);
        }
    }

    private static void Orthogonal(TorchSharp.Modules.Linear fc, double gain)
    {
        init.orthogonal_(fc.weight!, gain);
        if (fc.bias is not null) init.zeros_(fc.bias);
    }

    /// <summary>Policy head output (logits or means), [B, out], and V(s), [B].</summary>
    public override (Tensor PolicyOut, Tensor Value) forward(Tensor obs)
    {
        var hp = _policyTorso.forward(obs);
        var hv = _valueTorso is null ? hp : _valueTorso.forward(obs);
        return (_policyHead.forward(hp), _valueHead.forward(hv).squeeze(1));
    }

    /// <summary>V(s) only, [B] (bootstrap values).</summary>
    public Tensor Value(Tensor obs) => _valueHead.forward((_valueTorso ?? _policyTorso).forward(obs)).squeeze(1);

    /// <summary>Policy-head output and V(s) with the weights in <paramref name="parameters"/> (MLP torsos; see <see cref="Functional"/>).</summary>
    internal (Tensor PolicyOut, Tensor Value) FunctionalForward(Tensor obs, FunctionalParameters parameters)
    {
        var hp = Functional.Apply(_policyTorso, obs, parameters.Child(this, _policyTorso));
        var hv = _valueTorso is null ? hp : Functional.Apply(_valueTorso, obs, parameters.Child(this, _valueTorso));
        return (Functional.Apply(_policyHead, hp, parameters.Child(this, _policyHead)),
            Functional.Apply(_valueHead, hv, parameters.Child(this, _valueHead)).squeeze(1));
    }

    /// <summary>The action distribution for a policy-head output, with log σ taken from <paramref name="parameters"/>.</summary>
    public IActionDistribution FunctionalDistribution(Tensor policyOut, IReadOnlyDictionary<string, Tensor> parameters)
    {
        if (!Continuous) return new Categorical(policyOut);
        string key = named_parameters().Single(np => ReferenceEquals(np.parameter, _logStd)).name;
        return parameters.TryGetValue(key, out var logStd) ? new DiagGaussian(policyOut, logStd)
            : throw new ArgumentException($"the parameter set lacks '{key}' (log σ of the Gaussian policy)", nameof(parameters));
    }

    /// <summary>The action distribution for a policy-head output.</summary>
    public IActionDistribution Distribution(Tensor policyOut) =>
        Continuous ? new DiagGaussian(policyOut, _logStd!) : new Categorical(policyOut);

    /// <summary>The distribution and value of a batch of observations, for a loss.</summary>
    public (IActionDistribution Policy, Tensor Value) Evaluate(Tensor obs)
    {
        var (p, v) = forward(obs);
        return (Distribution(p), v);
    }

    /// <summary>log σ (continuous policies), for logging.</summary>
    public Tensor? LogStd => _logStd;
}

/// <summary>
/// Acting with an <see cref="ActorCriticNetwork"/> on a batch of observations, outside autograd: samples with
/// the agent's own <see cref="Rng"/> (so a seeded run is repeatable and threads do not share torch's
/// generator), and returns what on-policy learners store: the raw action, its log-probability under the
/// behaviour policy, and V(s). Continuous actions go to the env clipped to the Box bounds while the raw
/// sample is kept for the loss (as Stable-Baselines3 does).
/// </summary>
public sealed class PolicySampler
{
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);
    private readonly ActorCriticNetwork _net;
    private readonly Box? _box;
    private float[] _out = Array.Empty<float>();
    private float[] _values = Array.Empty<float>();

    public PolicySampler(ActorCriticNetwork net, Space actionSpace)
    {
        _net = net;
        _box = actionSpace as Box;
    }

    /// <summary>
    /// Fills <paramref name="envActions"/> (what the env gets) and, when given, <paramref name="rawActions"/>,
    /// <paramref name="logProbs"/> and <paramref name="values"/> for <paramref name="rows"/> observations.
    /// </summary>
    public void Act(ReadOnlySpan<float> observations, int rows, bool deterministic, Rng rng, Span<float> envActions,
        Span<float> rawActions = default, Span<float> logProbs = default, Span<float> values = default)
    {
        int obsSize = _net.ObsSize, a = _net.ActionSize;
        if (observations.Length != rows * obsSize)
            throw new ArgumentException($"{observations.Length} observation floats do not make {rows} rows of {obsSize}");
        if (envActions.Length != rows * a)
            throw new ArgumentException($"{rows} rows need {rows * a} action floats, got {envActions.Length}");
        int outSize = _net.Continuous ? a : _net.NumActions;
        if (_out.Length < rows * outSize) _out = new float[rows * outSize];
        if (_values.Length < rows) _values = new float[rows];
        float[] logStd;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var obs = torch.tensor(observations.ToArray(), new long[] { rows, obsSize });
            var (p, v) = _net.forward(obs);
            var outT = _net.Continuous ? p : nn.functional.log_softmax(p, 1);
            outT.contiguous().data<float>().CopyTo(_out.AsSpan(0, rows * outSize));
            v.data<float>().CopyTo(_values.AsSpan(0, rows));
            logStd = _net.Continuous ? _net.LogStd!.data<float>().ToArray() : Array.Empty<float>();
        }
        for (int i = 0; i < rows; i++)
        {
            if (!values.IsEmpty) values[i] = _values[i];
            if (!_net.Continuous)
            {
                var lp = _out.AsSpan(i * outSize, outSize);
                int act = deterministic ? ArgMax(lp) : SampleIndex(lp, rng);
                envActions[i] = act;
                if (!rawActions.IsEmpty) rawActions[i] = act;
                if (!logProbs.IsEmpty) logProbs[i] = lp[act];
                continue;
            }
            double logp = 0;
            for (int j = 0; j < a; j++)
            {
                float mean = _out[i * a + j];
                double z = deterministic ? 0 : rng.NextGaussian();
                float x = (float)(mean + Math.Exp(logStd[j]) * z);
                logp += -0.5 * z * z - logStd[j] - HalfLog2Pi;
                if (!rawActions.IsEmpty) rawActions[i * a + j] = x;
                envActions[i * a + j] = _box is { } b ? Math.Clamp(x, b.Low[j], b.High[j]) : x;
            }
            if (!logProbs.IsEmpty) logProbs[i] = (float)logp;
        }
    }

    /// <summary>V(s) of observation rows, outside autograd.</summary>
    public static float[] Values(ActorCriticNetwork net, float[] observations, int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return net.Value(torch.tensor(observations, new long[] { rows, net.ObsSize })).data<float>().ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        int best = 0;
        for (int k = 1; k < x.Length; k++) if (x[k] > x[best]) best = k;
        return best;
    }

    /// <summary>Inverse-CDF sampling from log-probabilities.</summary>
    private static int SampleIndex(ReadOnlySpan<float> logProbs, Rng rng)
    {
        double u = rng.NextDouble(), c = 0;
        for (int k = 0; k < logProbs.Length; k++)
        {
            c += Math.Exp(logProbs[k]);
            if (u < c) return k;
        }
        return logProbs.Length - 1;
    }
}
