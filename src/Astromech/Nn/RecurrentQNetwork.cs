using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>
/// The recurrent Q-network of R2D2 (Kapturowski et al. 2019): torso → LSTM → dueling head. As in the paper,
/// the LSTM sees the torso's features together with the previous action (one-hot) and the previous reward,
/// so the core can tell what it did and what came of it. Shapes: observations [T, B, obs] (or [B, obs] for
/// one step), previous actions [T, B] as int64 with −1 meaning "none" (the first step of an episode: an
/// all-zero one-hot), previous rewards [T, B], recurrent state (h, c) each [B, lstm]. Sequences handed to
/// <see cref="Unroll"/> must not cross episode boundaries: the state is carried through every step.
/// <para>The torso is any <c>Module&lt;Tensor, Tensor&gt;</c> mapping [N, obs] to [N, features] (an MLP by
/// default; pass a conv torso through the second constructor). Step and Unroll go through the same
/// <c>nn.LSTM</c>, so stepping T times and unrolling T steps give the same numbers.</para>
/// </summary>
public sealed class RecurrentQNetwork : nn.Module
{
    private readonly Module<Tensor, Tensor> _torso;
    private readonly TorchSharp.Modules.LSTM _lstm;
    private readonly DuelingHead _head;

    public int NumActions { get; }
    public int LstmSize { get; }
    public int FeatureSize { get; }
    /// <summary>The layers, for the ONNX exporter.</summary>
    public Module<Tensor, Tensor> Torso => _torso;
    public TorchSharp.Modules.LSTM Lstm => _lstm;
    public DuelingHead Head => _head;

    /// <summary>MLP torso with the given hidden sizes.</summary>
    /// <param name="forgetBias">Added to the LSTM's forget-gate bias at initialisation (see <see cref="ForgetBias"/>).</param>
    public RecurrentQNetwork(int obsSize, int numActions, IReadOnlyList<int> hidden, int lstmSize, double forgetBias = 0)
        : this(new Mlp(obsSize, hidden, "torso"), hidden[^1], numActions, lstmSize, forgetBias) { }

    /// <summary>
    /// The torso <paramref name="torso"/> resolves to for observations of shape <paramref name="obsShape"/> (see
    /// <see cref="Torsos"/>): an MLP for flat observations, MinAtar's conv torso for C×H×W ones.
    /// </summary>
    public static RecurrentQNetwork Create(IReadOnlyList<int> obsShape, int numActions, IReadOnlyList<int> hidden, int lstmSize,
        double forgetBias = 0, TorsoKind torso = TorsoKind.Auto, int convFilters = 16)
    {
        var (t, features) = Torsos.Create(torso, obsShape, hidden, convFilters);
        return new RecurrentQNetwork(t, features, numActions, lstmSize, forgetBias);
    }

    /// <summary>A custom torso (e.g. convolutional) producing <paramref name="featureSize"/> features per row.</summary>
    public RecurrentQNetwork(Module<Tensor, Tensor> torso, int featureSize, int numActions, int lstmSize, double forgetBias = 0) : base("recurrent_q_network")
    {
        if (numActions < 1) throw new ArgumentOutOfRangeException(nameof(numActions), numActions, "need at least one action");
        if (lstmSize < 1) throw new ArgumentOutOfRangeException(nameof(lstmSize), lstmSize, "LSTM size must be positive");
        NumActions = numActions;
        LstmSize = lstmSize;
        FeatureSize = featureSize;
        _torso = torso;
        _lstm = LSTM(featureSize + numActions + 1, lstmSize);
        _head = new DuelingHead(lstmSize, numActions);
        RegisterComponents();
        ForgetBias = forgetBias;
        RecurrentCore.AddForgetBias(_lstm, lstmSize, forgetBias);
    }

    /// <summary>
    /// What was added to the forget-gate bias at initialisation: 0 is PyTorch's LSTM init (forget gate ≈ ½ at
    /// the start, so a cue fades as 0.5^t); 1 is the init of Sonnet's LSTM, which the R2D2 paper's agents used,
    /// and of Jozefowicz et al. (2015), keeping early memories alive long enough for the gradient to find them.
    /// </summary>
    public double ForgetBias { get; }

    /// <summary>A zero state for <paramref name="batch"/> rows (the state at an episode's start).</summary>
    public (Tensor H, Tensor C) ZeroState(int batch) => (zeros(batch, LstmSize), zeros(batch, LstmSize));

    /// <summary>
    /// Q over a [T, B] stretch of steps from the state (h, c) at its first step. Returns Q [T, B, A] and the state
    /// after the last step.
    /// </summary>
    public (Tensor Q, Tensor H, Tensor C) Unroll(Tensor obs, Tensor prevActions, Tensor prevRewards, Tensor h, Tensor c)
    {
        if (obs.dim() != 3) throw new ArgumentException($"Unroll takes observations [T, B, obs]; got shape [{string.Join(", ", obs.shape)}]");
        long T = obs.shape[0], B = obs.shape[1];
        CheckState(h, c, B);
        if (!prevActions.shape.SequenceEqual(new[] { T, B }) || !prevRewards.shape.SequenceEqual(new[] { T, B }))
            throw new ArgumentException($"previous actions and rewards must be [T, B] = [{T}, {B}]; got [{string.Join(", ", prevActions.shape)}] and [{string.Join(", ", prevRewards.shape)}]");
        using var scope = NewDisposeScope();
        var features = _torso.forward(obs.reshape(T * B, obs.shape[2])).reshape(T, B, FeatureSize);
        var core = cat(new[] { features, OneHot(prevActions), prevRewards.unsqueeze(-1) }, -1);
        var (output, hn, cn) = _lstm.forward(core, (h.unsqueeze(0), c.unsqueeze(0)));
        var q = _head.forward(output);
        return (q.MoveToOuterDisposeScope(), hn.squeeze(0).MoveToOuterDisposeScope(), cn.squeeze(0).MoveToOuterDisposeScope());
    }

    /// <summary>One step for a batch: observations [B, obs], previous actions and rewards [B], state [B, lstm] each.
    /// Returns Q [B, A] and the next state.</summary>
    public (Tensor Q, Tensor H, Tensor C) Step(Tensor obs, Tensor prevActions, Tensor prevRewards, Tensor h, Tensor c)
    {
        if (obs.dim() != 2) throw new ArgumentException($"Step takes observations [B, obs]; got shape [{string.Join(", ", obs.shape)}]");
        using var scope = NewDisposeScope();
        var (q, hn, cn) = Unroll(obs.unsqueeze(0), prevActions.reshape(1, -1), prevRewards.reshape(1, -1), h, c);
        return (q.squeeze(0).MoveToOuterDisposeScope(), hn.MoveToOuterDisposeScope(), cn.MoveToOuterDisposeScope());
    }

    private void CheckState(Tensor h, Tensor c, long batch)
    {
        var want = new[] { batch, (long)LstmSize };
        if (!h.shape.SequenceEqual(want) || !c.shape.SequenceEqual(want))
            throw new ArgumentException(
                $"recurrent state must be [batch, lstm] = [{batch}, {LstmSize}] for {batch} rows; got h [{string.Join(", ", h.shape)}] and c [{string.Join(", ", c.shape)}]");
    }

    /// <summary>One-hot of int64 actions, all zeros where the action is −1 (no previous action).</summary>
    private Tensor OneHot(Tensor actions)
    {
        using var scope = NewDisposeScope();
        var a = actions.to_type(ScalarType.Int64);
        var valid = a.ge(Scalars.Of(0));
        // −1 · 0 = 0: a valid index for one_hot, whose row the mask then zeroes (clamp with a double scalar would leave int64).
        var oh = nn.functional.one_hot(a.mul(valid.to_type(ScalarType.Int64)), NumActions).to_type(ScalarType.Float32);
        return oh.mul(valid.unsqueeze(-1).to_type(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    /// <summary>Copies every parameter of <paramref name="source"/> (same architecture) into this network.</summary>
    public void CopyFrom(RecurrentQNetwork source)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (dst, src) in parameters().Zip(source.parameters())) dst.copy_(src);
    }
}
