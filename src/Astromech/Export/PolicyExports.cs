using Astromech.Agents.ActorCritic;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Export;

/// <summary>
/// The same acting policy computed by the TorchSharp modules: named float inputs (rows × size, int64 inputs as floats) →
/// named float outputs, the names and shapes of the ONNX graph's. Tests compare the two; <c>bench onnx</c> times both.
/// </summary>
public delegate IReadOnlyDictionary<string, float[]> PolicyReference(IReadOnlyDictionary<string, float[]> inputs, int rows);

/// <summary>An agent's acting policy as an ONNX graph, with the TorchSharp modules it was read from and their own forward.</summary>
public sealed record ExportedPolicy(OnnxGraph Graph, IReadOnlyList<nn.Module> Modules, PolicyReference Reference)
{
    /// <summary>Floats per row of each graph input, by name (from the declared shapes; the batch dimension is dropped).</summary>
    public IReadOnlyDictionary<string, int> InputSizes => Graph.Inputs.ToDictionary(i => i.Name, i => (int)i.Dims.Skip(1).Aggregate(1L, (a, d) => a * d.Value));

    /// <summary>The recurrent state inputs and the outputs that feed them back at the next step ("state" ← "state_out").</summary>
    public IReadOnlyList<(string Input, string Output)> StateLoops =>
        Graph.Inputs.Where(i => Graph.Outputs.Any(o => o.Name == i.Name + "_out")).Select(i => (i.Name, i.Name + "_out")).ToList();
}

/// <summary>
/// The acting policies of the library's networks, as the algorithms' descriptors declare them
/// (<see cref="Agents.AlgorithmInfo.Export"/>). Every graph takes "obs" [batch, obs] float32 (flat, as the env gives it) and
/// returns "action": the deterministic action the agent's evaluation takes (an int64 index, or float32 Box values).
/// </summary>
public static class PolicyExports
{
    private const string Batch = "batch";

    /// <summary>The acting policy of an <see cref="IActorCriticAgent"/> (A2C, PPO, A3C, IMPALA, RL²).</summary>
    public static ExportedPolicy ActorCriticAgent(IAgent agent)
    {
        var ac = (IActorCriticAgent)agent;
        return ActorCritic(agent.Algo, ac.Network, agent.ActionSpace, ac.ObservationStatistics);
    }

    /// <summary>
    /// Greedy Q: "action" = argmax_a Q(s, a) (int64 [batch]) and the Q-values (<paramref name="valuesName"/>, [batch, A]).
    /// BC's categorical policy is the same network, its values named "logits".
    /// </summary>
    public static ExportedPolicy QPolicy(string algo, QNetwork q, int obsSize, string valuesName = "q_values")
    {
        var g = new OnnxGraph($"{algo}_policy");
        var obs = g.Input("obs", OnnxType.Float, Batch, obsSize);
        var values = OnnxLayers.QHead(g, OnnxLayers.Torso(g, obs, q.Torso), q.Head);
        var action = g.Node("ArgMax", new[] { values }, OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("keepdims", 0L));
        g.Output(action, "action", OnnxType.Int64, Batch);
        g.Output(values, valuesName, OnnxType.Float, Batch, q.NumActions);
        Describe(g, algo, $"action = argmax {valuesName}");
        return new ExportedPolicy(g, new nn.Module[] { q }, (inputs, rows) =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var v = q.forward(tensor(inputs["obs"], new long[] { rows, obsSize }));
            return new Dictionary<string, float[]>
            {
                ["action"] = v.argmax(1).to_type(ScalarType.Float32).data<float>().ToArray(),
                [valuesName] = v.data<float>().ToArray(),
            };
        });
    }

    /// <summary>
    /// An actor-critic network: "action" (argmax of the logits, or the Gaussian mean clipped to the Box, as the agents'
    /// deterministic act does), "logits" or "mean", and "value" V(s) [batch]; a recurrent core adds "state" [batch, S] →
    /// "state_out" (the flat state the agents keep per row: the policy core's [h | c] or h, then the value core's).
    /// With <paramref name="stats"/> the observations are normalized first, as the agent does.
    /// </summary>
    public static ExportedPolicy ActorCritic(string algo, ActorCriticNetwork net, Space actionSpace, RunningMeanStd? stats)
    {
        var g = new OnnxGraph($"{algo}_policy");
        int obsSize = net.ObsSize;
        var obs = g.Input("obs", OnnxType.Float, Batch, obsSize);
        string? state = net.Recurrent ? g.Input("state", OnnxType.Float, Batch, net.StateSize) : null;
        var x = stats is null ? obs : OnnxLayers.Normalize(g, obs, stats);
        var hp = OnnxLayers.Torso(g, x, net.PolicyTorso, net.ValueTorso is null ? "torso" : "policy_torso");
        var hv = net.ValueTorso is null ? hp : OnnxLayers.Torso(g, x, net.ValueTorso, "value_torso");
        if (state is not null)
        {
            var pc = net.PolicyCore!;
            var (op, ps) = OnnxLayers.CoreStep(g, hp, OnnxLayers.Columns(g, state, 0, pc.StateSize), pc, "policy_core");
            string stateOut = ps;
            if (net.ValueCore is { } vc)
            {
                var (ov, vs) = OnnxLayers.CoreStep(g, hv, OnnxLayers.Columns(g, state, pc.StateSize, vc.StateSize), vc, "value_core");
                hv = ov;
                stateOut = g.Node("Concat", new[] { ps, vs }, OnnxAttribute.Of("axis", 1L));
            }
            else hv = op;
            hp = op;
            g.Output(stateOut, "state_out", OnnxType.Float, Batch, net.StateSize);
        }
        var p = OnnxLayers.Linear(g, hp, net.PolicyHead, "policy_head");
        var v = g.Node("Squeeze", new[] { OnnxLayers.Linear(g, hv, net.ValueHead, "value_head"), g.Ints("axis1", 1) });
        Box? box = net.Continuous ? (Box)actionSpace : null;
        if (box is null)
        {
            g.Output(g.Node("ArgMax", new[] { p }, OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("keepdims", 0L)), "action", OnnxType.Int64, Batch);
            g.Output(p, "logits", OnnxType.Float, Batch, net.NumActions);
        }
        else
        {
            var clipped = g.Node("Min", new[] { g.Node("Max", new[] { p, g.Constant("action_low", box.Low, box.FlatSize) }), g.Constant("action_high", box.High, box.FlatSize) });
            g.Output(clipped, "action", OnnxType.Float, Batch, net.ActionSize);
            g.Output(p, "mean", OnnxType.Float, Batch, net.ActionSize);
        }
        g.Output(v, "value", OnnxType.Float, Batch);
        Describe(g, algo, (box is null ? "action = argmax logits" : "action = clip(mean, low, high)")
            + (stats is null ? "" : "; obs normalized with the run's statistics")
            + (state is null ? "" : $"; state [batch, {net.StateSize}] starts at zero each episode, feed state_out back"));
        if (stats is not null)
        {
            g.Metadata["obs_mean"] = string.Join(",", stats.Mean.Select(m => m.ToString("R")));
            g.Metadata["obs_var"] = string.Join(",", stats.Var.Select(m => m.ToString("R")));
        }
        return new ExportedPolicy(g, new nn.Module[] { net }, (inputs, rows) =>
        {
            var o = inputs["obs"];
            if (stats is not null)
            {
                var n = new float[o.Length];
                stats.Normalize(o, n);
                o = n;
            }
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var ot = tensor(o, new long[] { rows, obsSize });
            Tensor pt, vt;
            var result = new Dictionary<string, float[]>();
            if (net.Recurrent)
            {
                var (p2, v2, s2) = net.Step(ot, tensor(inputs["state"], new long[] { rows, net.StateSize }));
                (pt, vt) = (p2, v2);
                result["state_out"] = s2.contiguous().data<float>().ToArray();
            }
            else (pt, vt) = net.forward(ot);
            var pv = pt.contiguous().data<float>().ToArray();
            result["value"] = vt.contiguous().data<float>().ToArray();
            if (box is null)
            {
                result["logits"] = pv;
                result["action"] = pt.argmax(1).to_type(ScalarType.Float32).data<float>().ToArray();
            }
            else
            {
                result["mean"] = pv;
                result["action"] = pv.Select((m, k) => Math.Clamp(m, box.Low[k % box.FlatSize], box.High[k % box.FlatSize])).ToArray();
            }
            return result;
        });
    }

    /// <summary>
    /// SAC's, AWAC's and BC's tanh policy: "action" = tanh(μ(s)) mapped affinely onto the Box bounds and clipped to them
    /// (<see cref="Agents.Sac.BoxActionScale.ToEnv"/>), and "mean" μ(s) before the tanh.
    /// </summary>
    public static ExportedPolicy SquashedGaussian(string algo, SquashedGaussianActor actor, Box box)
    {
        var g = new OnnxGraph($"{algo}_policy");
        var obs = g.Input("obs", OnnxType.Float, Batch, actor.ObsSize);
        var mean = OnnxLayers.Linear(g, OnnxLayers.Torso(g, obs, actor.Torso), actor.MeanHead, "mean_head");
        var unit = g.Node("Tanh", new[] { mean });
        // low + 0.5·(a + 1)·(high − low), then clipped to [low, high]: BoxActionScale.ToEnv's float arithmetic, in its order.
        var range = box.High.ToArray().Select((h, j) => h - box.Low[j]).ToArray();
        var scaled = g.Node("Mul", new[] { g.Node("Mul", new[] { g.Node("Add", new[] { unit, g.Scalar("one", 1f) }), g.Scalar("half", 0.5f) }), g.Constant("action_range", range, range.Length) });
        var low = g.Constant("action_low", box.Low, box.FlatSize);
        var high = g.Constant("action_high", box.High, box.FlatSize);
        var action = g.Node("Min", new[] { g.Node("Max", new[] { g.Node("Add", new[] { low, scaled }), low }), high });
        g.Output(action, "action", OnnxType.Float, Batch, actor.ActionSize);
        g.Output(mean, "mean", OnnxType.Float, Batch, actor.ActionSize);
        Describe(g, algo, "action = low + (tanh(mean) + 1)/2 · (high − low)");
        var scale = new Agents.Sac.BoxActionScale(algo, box);
        return new ExportedPolicy(g, new nn.Module[] { actor }, (inputs, rows) =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var mu = actor.forward(tensor(inputs["obs"], new long[] { rows, actor.ObsSize })).Mean.data<float>().ToArray();
            var act = mu.Select(m => (float)Math.Tanh(m)).ToArray();
            scale.ToEnv(act);
            return new Dictionary<string, float[]> { ["action"] = act, ["mean"] = mu };
        });
    }

    /// <summary>
    /// R2D2's recurrent Q-network: inputs "obs", "prev_action" (int64 [batch], −1 at an episode's first step),
    /// "prev_reward" [batch] (0 at the first step) and the LSTM state "h", "c" [batch, lstm] (zero at the first step);
    /// outputs "action" (greedy), "q_values" and the next state "h_out", "c_out".
    /// </summary>
    public static ExportedPolicy RecurrentQ(string algo, RecurrentQNetwork net, int obsSize)
    {
        var g = new OnnxGraph($"{algo}_policy");
        int H = net.LstmSize, A = net.NumActions;
        var obs = g.Input("obs", OnnxType.Float, Batch, obsSize);
        var prevA = g.Input("prev_action", OnnxType.Int64, Batch);
        var prevR = g.Input("prev_reward", OnnxType.Float, Batch);
        var h = g.Input("h", OnnxType.Float, Batch, H);
        var c = g.Input("c", OnnxType.Float, Batch, H);
        var features = OnnxLayers.Torso(g, obs, net.Torso);
        // One-hot of the previous action by comparison with 0..A−1, so −1 (no previous action) is all zeros
        // (ONNX's OneHot would read −1 as the last action).
        var indices = g.Constant("action_indices", Enumerable.Range(0, A).Select(i => (long)i).ToArray(), A);
        var oneHot = g.Node("Cast", new[] { g.Node("Equal", new[] { g.Node("Unsqueeze", new[] { prevA, g.Ints("axis1", 1) }), indices }) },
            OnnxAttribute.Of("to", (long)OnnxType.Float));
        var reward = g.Node("Unsqueeze", new[] { prevR, g.Ints("axis1", 1) });
        var core = g.Node("Concat", new[] { features, oneHot, reward }, OnnxAttribute.Of("axis", 1L));
        var (h2, c2) = OnnxLayers.LstmStep(g, core, h, c, net.Lstm, H, "core");
        var q = OnnxLayers.Dueling(g, h2, net.Head);
        g.Output(g.Node("ArgMax", new[] { q }, OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("keepdims", 0L)), "action", OnnxType.Int64, Batch);
        g.Output(q, "q_values", OnnxType.Float, Batch, A);
        g.Output(h2, "h_out", OnnxType.Float, Batch, H);
        g.Output(c2, "c_out", OnnxType.Float, Batch, H);
        Describe(g, algo, "action = argmax q_values; at an episode's start prev_action = -1, prev_reward = 0, h = c = 0; then feed back the action taken, the reward got, h_out and c_out");
        return new ExportedPolicy(g, new nn.Module[] { net }, (inputs, rows) =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var (qt, ht, ct) = net.Step(tensor(inputs["obs"], new long[] { rows, obsSize }),
                tensor(inputs["prev_action"].Select(a => (long)a).ToArray(), new long[] { rows }), tensor(inputs["prev_reward"], new long[] { rows }),
                tensor(inputs["h"], new long[] { rows, H }), tensor(inputs["c"], new long[] { rows, H }));
            return new Dictionary<string, float[]>
            {
                ["action"] = qt.argmax(1).to_type(ScalarType.Float32).data<float>().ToArray(),
                ["q_values"] = qt.data<float>().ToArray(),
                ["h_out"] = ht.contiguous().data<float>().ToArray(),
                ["c_out"] = ct.contiguous().data<float>().ToArray(),
            };
        });
    }

    private static void Describe(OnnxGraph g, string algo, string how)
    {
        g.Metadata["algo"] = algo;
        g.Metadata["acting"] = how;
        g.Metadata["inputs"] = string.Join("; ", g.Inputs.Select(i => $"{i.Name} {i.Type.ToString().ToLowerInvariant()} [{string.Join(", ", i.Dims)}]"));
        g.Metadata["outputs"] = string.Join("; ", g.Outputs.Select(o => $"{o.Name} {o.Type.ToString().ToLowerInvariant()} [{string.Join(", ", o.Dims)}]"));
        g.DocString = $"{algo} acting policy exported by astromech: {how}";
    }
}
