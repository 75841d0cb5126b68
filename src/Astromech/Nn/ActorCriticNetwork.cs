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
/// <para>With a recurrent core (<see cref="CoreKind.Lstm"/> or <see cref="CoreKind.Gru"/>) each torso feeds a core of
/// its own before its head (torso → core → head; one core when the torso is shared), and the network is driven
/// through <see cref="Step"/> and <see cref="Unroll"/> with a flat state [B, <see cref="StateSize"/>] (the policy
/// core's state, then the value core's). The cores keep PyTorch's initialization.</para>
/// </summary>
public sealed class ActorCriticNetwork : Module<Tensor, (Tensor PolicyOut, Tensor Value)>
{
    private readonly Module<Tensor, Tensor> _policyTorso;
    private readonly Module<Tensor, Tensor>? _valueTorso;
    private readonly TorchSharp.Modules.Linear _policyHead;
    private readonly TorchSharp.Modules.Linear _valueHead;
    private readonly TorchSharp.Modules.Parameter? _logStd;
    private readonly RecurrentCore? _policyCore;
    private readonly RecurrentCore? _valueCore;

    public int ObsSize { get; }
    /// <summary>True for a Box action space (Gaussian policy), false for Discrete (categorical).</summary>
    public bool Continuous { get; }
    /// <summary>Flat size of one action (1 for a discrete index).</summary>
    public int ActionSize { get; }
    /// <summary>Number of discrete actions (0 when continuous).</summary>
    public int NumActions { get; }
    /// <summary>The recurrent core's kind (<see cref="CoreKind.None"/>: feedforward).</summary>
    public CoreKind Core { get; }
    public bool Recurrent => Core != CoreKind.None;
    /// <summary>Floats of recurrent state per row (0 when feedforward).</summary>
    public int StateSize => (_policyCore?.StateSize ?? 0) + (_valueCore?.StateSize ?? 0);

    // The layers, for the ONNX exporter: the value torso and core are null when shared with the policy's.
    public Module<Tensor, Tensor> PolicyTorso => _policyTorso;
    public Module<Tensor, Tensor>? ValueTorso => _valueTorso;
    public TorchSharp.Modules.Linear PolicyHead => _policyHead;
    public TorchSharp.Modules.Linear ValueHead => _valueHead;
    public RecurrentCore? PolicyCore => _policyCore;
    public RecurrentCore? ValueCore => _valueCore;

    public ActorCriticNetwork(int obsSize, Space actionSpace, IReadOnlyList<int> hidden, Activation activation,
        bool shareTorso, bool orthogonalInit = true, double logStdInit = 0.0)
        : this(new[] { obsSize }, actionSpace, hidden, activation, shareTorso, orthogonalInit, logStdInit, TorsoKind.Mlp) { }

    /// <summary>
    /// Torsos as <paramref name="torso"/> resolves for observations of shape <paramref name="obsShape"/>: MLPs with
    /// <paramref name="activation"/>, or MinAtar's conv torso (16 filters 3×3 → <paramref name="hidden"/>, ReLU) for
    /// C×H×W observations. Orthogonal init covers the torsos' linear layers; convolutions keep PyTorch's init.
    /// </summary>
    public ActorCriticNetwork(IReadOnlyList<int> obsShape, Space actionSpace, IReadOnlyList<int> hidden, Activation activation,
        bool shareTorso, bool orthogonalInit, double logStdInit, TorsoKind torso, int convFilters = 16,
        CoreKind core = CoreKind.None, int coreSize = 64) : base("actor_critic")
    {
        Core = core;
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
        // Feedforward networks build exactly the layers, in the order, they always did (same init draws, same checkpoint names).
        int headIn = core == CoreKind.None ? policy.Size : coreSize;
        _policyHead = Linear(headIn, outSize);
        _valueHead = Linear(headIn, 1);
        if (Continuous) _logStd = Parameter(torch.full(outSize, Scalars.Of(logStdInit), dtype: ScalarType.Float32));
        if (core != CoreKind.None)
        {
            _policyCore = new RecurrentCore(core, policy.Size, coreSize, shareTorso ? "core" : "policy_core");
            if (!shareTorso) _valueCore = new RecurrentCore(core, value.Size, coreSize, "value_core");
        }
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
        EnsureFeedforward();
        var hp = _policyTorso.forward(obs);
        var hv = _valueTorso is null ? hp : _valueTorso.forward(obs);
        return (_policyHead.forward(hp), _valueHead.forward(hv).squeeze(1));
    }

    /// <summary>V(s) only, [B] (bootstrap values).</summary>
    public Tensor Value(Tensor obs)
    {
        EnsureFeedforward();
        return _valueHead.forward((_valueTorso ?? _policyTorso).forward(obs)).squeeze(1);
    }

    private void EnsureFeedforward()
    {
        if (Recurrent)
            throw new InvalidOperationException($"this actor-critic network has a recurrent core ({Core.ToString().ToLowerInvariant()}): it needs a state, so call Step or Unroll instead of the feedforward forward/Value/Evaluate");
    }

    /// <summary>A zero recurrent state for <paramref name="batch"/> rows, [B, <see cref="StateSize"/>].</summary>
    public Tensor ZeroState(int batch) => zeros(batch, StateSize);

    /// <summary>
    /// Runs a recurrent network over observations [T, B, obs…] (flattened per row) from <paramref name="state"/> [B, state],
    /// zeroing a row's state before the steps flagged in <paramref name="resets"/> (T·B time-major flags; empty: none).
    /// Returns the policy head output [T·B, out] and V [T·B], both time-major (row t·B + b), and the state after the last step.
    /// </summary>
    public (Tensor PolicyOut, Tensor Value, Tensor State) Unroll(Tensor obs, Tensor state, ReadOnlySpan<bool> resets = default)
    {
        if (!Recurrent) throw new InvalidOperationException("Unroll needs a recurrent core; this actor-critic network is feedforward (recurrent = none)");
        long T = obs.shape[0], B = obs.shape[1];
        using var scope = NewDisposeScope();
        var flat = obs.reshape(T * B, ObsSize);
        int sp = _policyCore!.StateSize;
        var hp = _policyTorso.forward(flat).reshape(T, B, -1);
        var (op, sp2) = _policyCore.Unroll(hp, state.narrow(1, 0, sp), resets);
        Tensor ov, stateOut;
        if (_valueCore is null) { ov = op; stateOut = sp2; }
        else
        {
            var hv = _valueTorso!.forward(flat).reshape(T, B, -1);
            var (o, sv2) = _valueCore.Unroll(hv, state.narrow(1, sp, _valueCore.StateSize), resets);
            ov = o;
            stateOut = cat(new[] { sp2, sv2 }, 1);
        }
        var p = _policyHead.forward(op.reshape(T * B, -1));
        var v = _valueHead.forward(ov.reshape(T * B, -1)).squeeze(1);
        return (p.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope(), stateOut.MoveToOuterDisposeScope());
    }

    /// <summary>One step of a recurrent network: observations [B, obs], state [B, state] → policy output, V and the next state.</summary>
    public (Tensor PolicyOut, Tensor Value, Tensor State) Step(Tensor obs, Tensor state) =>
        Unroll(obs.reshape(1, obs.shape[0], ObsSize), state);

    /// <summary>The distribution and value of a [T, B] stretch of observations, for a recurrent loss (see <see cref="Unroll"/>).</summary>
    public (IActionDistribution Policy, Tensor Value) EvaluateSequence(Tensor obs, Tensor state, ReadOnlySpan<bool> resets)
    {
        var (p, v, _) = Unroll(obs, state, resets);
        return (Distribution(p), v);
    }

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
        int outSize = Check(observations, rows, envActions);
        float[] logStd;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var obs = torch.tensor(observations.ToArray(), new long[] { rows, _net.ObsSize });
            var (p, v) = _net.forward(obs);
            logStd = ReadOutputs(p, v, rows, outSize);
        }
        Sample(rows, outSize, logStd, deterministic, rng, envActions, rawActions, logProbs, values);
    }

    /// <summary>
    /// <see cref="Act"/> for a recurrent network: <paramref name="state"/> holds each row's core state
    /// ([rows, state] floats) and is advanced in place by this step.
    /// </summary>
    public void ActRecurrent(ReadOnlySpan<float> observations, int rows, Span<float> state, bool deterministic, Rng rng, Span<float> envActions,
        Span<float> rawActions = default, Span<float> logProbs = default, Span<float> values = default)
    {
        int outSize = Check(observations, rows, envActions);
        if (state.Length != rows * _net.StateSize)
            throw new ArgumentException($"{rows} rows need {rows * _net.StateSize} recurrent state floats, got {state.Length}");
        float[] logStd;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var obs = torch.tensor(observations.ToArray(), new long[] { rows, _net.ObsSize });
            var (p, v, next) = _net.Step(obs, torch.tensor(state.ToArray(), new long[] { rows, _net.StateSize }));
            logStd = ReadOutputs(p, v, rows, outSize);
            next.contiguous().data<float>().CopyTo(state);
        }
        Sample(rows, outSize, logStd, deterministic, rng, envActions, rawActions, logProbs, values);
    }

    private int Check(ReadOnlySpan<float> observations, int rows, Span<float> envActions)
    {
        int obsSize = _net.ObsSize, a = _net.ActionSize;
        if (observations.Length != rows * obsSize)
            throw new ArgumentException($"{observations.Length} observation floats do not make {rows} rows of {obsSize}");
        if (envActions.Length != rows * a)
            throw new ArgumentException($"{rows} rows need {rows * a} action floats, got {envActions.Length}");
        int outSize = _net.Continuous ? a : _net.NumActions;
        if (_out.Length < rows * outSize) _out = new float[rows * outSize];
        if (_values.Length < rows) _values = new float[rows];
        return outSize;
    }

    /// <summary>Copies the head outputs (log-probabilities or means) and values out; returns log σ for Gaussian policies.</summary>
    private float[] ReadOutputs(Tensor p, Tensor v, int rows, int outSize)
    {
        var outT = _net.Continuous ? p : nn.functional.log_softmax(p, 1);
        outT.contiguous().data<float>().CopyTo(_out.AsSpan(0, rows * outSize));
        v.data<float>().CopyTo(_values.AsSpan(0, rows));
        return _net.Continuous ? _net.LogStd!.data<float>().ToArray() : Array.Empty<float>();
    }

    private void Sample(int rows, int outSize, float[] logStd, bool deterministic, Rng rng, Span<float> envActions,
        Span<float> rawActions, Span<float> logProbs, Span<float> values)
    {
        int a = _net.ActionSize;
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

    /// <summary>V(s) of observation rows seen with the recurrent states <paramref name="states"/> ([rows, state]); the states are not advanced.</summary>
    public static float[] Values(ActorCriticNetwork net, float[] observations, int rows, float[] states)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (_, v, _) = net.Step(torch.tensor(observations, new long[] { rows, net.ObsSize }), torch.tensor(states, new long[] { rows, net.StateSize }));
        return v.data<float>().ToArray();
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
