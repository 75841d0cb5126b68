using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Astromech.Nn;

/// <summary>
/// Q(s, a) for continuous actions: an MLP on the concatenation [s, a] with a linear head to one value
/// (the critic of DDPG, TD3 and SAC). <see cref="forward"/> takes s [B, obs] and a [B, act] and returns [B].
/// </summary>
public sealed class ContinuousQNetwork : Module<Tensor, Tensor, Tensor>
{
    private readonly Mlp _torso;
    private readonly TorchSharp.Modules.Linear _head;

    public int ObsSize { get; }
    public int ActionSize { get; }

    public ContinuousQNetwork(int obsSize, int actionSize, IReadOnlyList<int> hidden, string name = "q") : base(name)
    {
        ObsSize = obsSize;
        ActionSize = actionSize;
        _torso = new Mlp(obsSize + actionSize, hidden, "torso");
        _head = Linear(_torso.OutputSize, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor obs, Tensor actions) =>
        _head.forward(_torso.forward(cat(new[] { obs, actions }, 1))).squeeze(1);

    /// <summary>Q(s, a) with the weights in <paramref name="parameters"/> (see <see cref="Functional"/>).</summary>
    public Tensor FunctionalForward(Tensor obs, Tensor actions, FunctionalParameters parameters) =>
        Functional.Apply(_head, _torso.FunctionalForward(cat(new[] { obs, actions }, 1), parameters.Child(this, _torso)),
            parameters.Child(this, _head)).squeeze(1);
}

/// <summary>
/// Two independent <see cref="ContinuousQNetwork"/>s (clipped double Q, Fujimoto et al. 2018, as SAC uses it)
/// held as one module, so one optimizer, one checkpoint section and one Polyak update cover both.
/// </summary>
public sealed class TwinQNetwork : Module<Tensor, Tensor, (Tensor Q1, Tensor Q2)>
{
    private readonly ContinuousQNetwork _q1, _q2;

    public TwinQNetwork(int obsSize, int actionSize, IReadOnlyList<int> hidden) : base("twin_q")
    {
        _q1 = new ContinuousQNetwork(obsSize, actionSize, hidden, "q1");
        _q2 = new ContinuousQNetwork(obsSize, actionSize, hidden, "q2");
        RegisterComponents();
    }

    public ContinuousQNetwork Q1 => _q1;
    public ContinuousQNetwork Q2 => _q2;

    /// <summary>Both critics' values, [B] each.</summary>
    public override (Tensor Q1, Tensor Q2) forward(Tensor obs, Tensor actions) => (_q1.forward(obs, actions), _q2.forward(obs, actions));

    /// <summary>min(Q1, Q2), [B]: the pessimistic estimate both the target and the actor loss use.</summary>
    public Tensor MinQ(Tensor obs, Tensor actions)
    {
        var (q1, q2) = forward(obs, actions);
        return minimum(q1, q2);
    }
}
