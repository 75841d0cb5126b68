using Astromech.Agents;
using Astromech.Agents.A2c;
using Astromech.Agents.ActorCritic;
using Astromech.Agents.Dqn;
using Astromech.Agents.Ppo;
using Astromech.Agents.R2d2;
using Astromech.Envs;
using Astromech.Export;
using Astromech.Nn;
using Astromech.Tests.Datasets;
using Astromech.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Export;

/// <summary>
/// Every registered algorithm's acting policy (one case per smoke run of its descriptor, so a new algorithm is covered by
/// registering it), plus layer variants the smoke runs do not reach (conv torsos, a plain Q head, LSTM/GRU cores with
/// shared and separate torsos, observation normalization): exported, run in ONNX Runtime, and compared on random
/// observations with the TorchSharp modules' forward and with the agent's own deterministic Act, over several steps
/// feeding recurrent state back; each file also passes onnx.checker (Debian's python3-onnx, full_check).
/// </summary>
public class OnnxExportTests
{
    private const int Rows = 5;
    private const double Tolerance = 1e-5;

    public static IEnumerable<object[]> Cases()
    {
        foreach (var a in Algorithms.All)
            for (int i = 0; i < a.Smoke.Count; i++) yield return new object[] { $"{a.Name}#{i}" };
        foreach (var v in Variants.Keys) yield return new object[] { v };
    }

    private static readonly Dictionary<string, (string Algo, Func<object> Config, string Env)> Variants = new()
    {
        ["dqn-conv-plain-head"] = ("dqn", () => new DqnConfig { Dueling = false, Hidden = new[] { 32 } }, "MinAtar/Breakout-v1"),
        ["dqn-dueling-two-layers"] = ("dqn", () => new DqnConfig { Dueling = true, Hidden = new[] { 16, 16 } }, "Acrobot-v1"),
        ["ppo-conv"] = ("ppo", () => new PpoConfig { Hidden = new[] { 16 } }, "MinAtar/Breakout-v1"),
        ["ppo-lstm-separate-normalized"] = ("ppo", () => new PpoConfig { Recurrent = CoreKind.Lstm, CoreSize = 8, ShareTorso = false, NormalizeObservations = true }, "CartPole-v1"),
        ["a2c-gru-shared-continuous"] = ("a2c", () => new A2cConfig { Recurrent = CoreKind.Gru, CoreSize = 8, ShareTorso = true }, "Pendulum-v1"),
        ["a2c-lstm-shared-relu"] = ("a2c", () => new A2cConfig { Recurrent = CoreKind.Lstm, CoreSize = 6, ShareTorso = true, Activation = Activation.ReLU }, "Acrobot-v1"),
        ["ppo-gru-separate-continuous-normalized"] = ("ppo", () => new PpoConfig { Recurrent = CoreKind.Gru, CoreSize = 8, NormalizeObservations = true }, "Pendulum-v1"),
        ["ppo-normalized-continuous"] = ("ppo", () => new PpoConfig { NormalizeObservations = true }, "Pendulum-v1"),
        ["r2d2-conv"] = ("r2d2", () => new R2d2Config { Hidden = new[] { 16 }, LstmSize = 8 }, "MinAtar/Breakout-v1"),
    };

    private static (AlgorithmInfo Info, object Config, string Env) Resolve(string name)
    {
        if (Variants.TryGetValue(name, out var v)) return (Algorithms.Get(v.Algo), v.Config(), v.Env);
        var parts = name.Split('#');
        var info = Algorithms.Get(parts[0]);
        var smoke = info.Smoke[int.Parse(parts[1])];
        return (info, smoke.Config(), smoke.Env);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportedPolicyMatchesTorchSharpAndTheAgentsActAndPassesTheChecker(string name)
    {
        var (info, config, envId) = Resolve(name);
        using var env = info.MakeEnv(config, envId);
        using var agent = info.Create(config, env.ObservationSpace, env.ActionSpace, 1);
        Perturb(agent, info.ExportPolicy(agent));
        var policy = info.ExportPolicy(agent);
        var bytes = policy.Graph.ToModelBytes();

        using var session = new InferenceSession(bytes);
        var sizes = policy.InputSizes;
        var intInputs = policy.Graph.Inputs.Where(i => i.Type == OnnxType.Int64).Select(i => i.Name).ToHashSet();
        var loops = policy.StateLoops;
        bool recurrent = loops.Count > 0 || sizes.ContainsKey("prev_action");
        int steps = recurrent ? 4 : 1;

        var rng = new Rng(11);
        int obsSize = sizes["obs"];
        // Each side carries its own recurrent state (ONNX's outputs feed ONNX, TorchSharp's feed TorchSharp).
        var onnxIn = sizes.ToDictionary(s => s.Key, s => new float[Rows * s.Value]);
        var refIn = sizes.ToDictionary(s => s.Key, s => new float[Rows * s.Value]);
        if (onnxIn.ContainsKey("prev_action")) { Array.Fill(onnxIn["prev_action"], -1f); Array.Fill(refIn["prev_action"], -1f); }
        agent.OnEpisodeStart(Enumerable.Repeat(true, Rows).ToArray());
        var actAction = new float[Rows * env.ActionSpace.FlatSize];
        for (int t = 0; t < steps; t++)
        {
            var obs = new float[Rows * obsSize];
            for (int k = 0; k < obs.Length; k++) obs[k] = (float)(1.5 * rng.NextGaussian());
            obs.CopyTo(onnxIn["obs"], 0);
            obs.CopyTo(refIn["obs"], 0);

            var onnxOut = Run(session, onnxIn, intInputs, sizes);
            var refOut = policy.Reference(refIn, Rows);
            Assert.Equal(policy.Graph.Outputs.Select(o => o.Name).OrderBy(n => n), refOut.Keys.OrderBy(n => n));
            foreach (var (key, expected) in refOut) AssertClose(expected, onnxOut[key], $"{name} step {t} output '{key}'");

            // The agent's own deterministic act (its normalization, scaling and per-row state) takes the exported action.
            agent.Act(obs, actAction, new Progress(1_000_000, 1_000_000), deterministic: true);
            AssertClose(actAction, onnxOut["action"], $"{name} step {t}: the agent's Act against the exported 'action'");

            foreach (var (input, output) in loops)
            {
                onnxIn[input] = onnxOut[output];
                refIn[input] = refOut[output].ToArray();
            }
            if (onnxIn.ContainsKey("prev_action"))
            {
                var rewards = Enumerable.Range(0, Rows).Select(_ => (float)rng.NextGaussian()).ToArray();
                agent.OnRewards(rewards);
                onnxIn["prev_action"] = onnxOut["action"].ToArray();
                refIn["prev_action"] = refOut["action"].ToArray();
                onnxIn["prev_reward"] = rewards.ToArray();
                refIn["prev_reward"] = rewards.ToArray();
            }
        }

        var file = Path.Combine(Path.GetTempPath(), $"astromech-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            policy.Graph.Save(file);
            var (rc, output) = Python.Run("-c", "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", file);
            Assert.True(rc == 0, $"onnx.checker refused the {name} export (python3-onnx missing? run build/debian-packages.sh as root):\n{output}");
        }
        finally { File.Delete(file); }
    }

    /// <summary>Random weights of a larger scale than the initialization (zero biases, 0.01-gain heads would hide mistakes),
    /// and for normalizing agents, observation statistics away from (0, 1).</summary>
    private static void Perturb(IAgent agent, ExportedPolicy policy)
    {
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var gen = new torch.Generator(5);
            foreach (var m in policy.Modules)
                foreach (var p in m.parameters())
                    p.add_(torch.randn(p.shape, generator: gen).mul(0.3));
        }
        if (agent is IActorCriticAgent { ObservationStatistics: { } stats })
        {
            var rng = new Rng(3);
            var batch = new float[50 * stats.Size];
            for (int k = 0; k < batch.Length; k++) batch[k] = (float)(0.7 + (1 + k % stats.Size) * rng.NextGaussian());
            stats.UpdateBatch(batch);
        }
    }

    private static Dictionary<string, float[]> Run(InferenceSession session, Dictionary<string, float[]> inputs, HashSet<string> intInputs, IReadOnlyDictionary<string, int> sizes)
    {
        var feeds = new List<NamedOnnxValue>();
        foreach (var (name, values) in inputs)
        {
            int[] dims = sizes[name] == 1 && IsVector(session, name) ? new[] { Rows } : new[] { Rows, sizes[name] };
            feeds.Add(intInputs.Contains(name)
                ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values.Select(v => (long)v).ToArray(), dims))
                : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values.ToArray(), dims)));
        }
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r => r.Value is DenseTensor<long> l ? l.ToArray().Select(v => (float)v).ToArray() : r.AsTensor<float>().ToArray());
    }

    private static bool IsVector(InferenceSession session, string input) => session.InputMetadata[input].Dimensions.Length == 1;

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int k = 0; k < expected.Length; k++)
        {
            double tol = Tolerance * Math.Max(1, Math.Abs(expected[k]));
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tol, $"{what}[{k}]: ONNX {actual[k]:R}, expected {expected[k]:R} (tolerance {tol:G3})");
        }
    }

    [Fact]
    public void AnAlgorithmWithoutAnExportRefusesNamingWhy()
    {
        var info = DqnAlgorithm.Info with { Name = "noexport", Export = null, NotExportableBecause = "its policy lives in a lookup table" };
        using var env = info.MakeEnv(new DqnConfig(), "CartPole-v1");
        using var agent = info.Create(new DqnConfig(), env.ObservationSpace, env.ActionSpace, 1);
        var e = Assert.Throws<NotSupportedException>(() => info.ExportPolicy(agent));
        Assert.Contains("noexport", e.Message);
        Assert.Contains("lookup table", e.Message);
    }

    [Fact]
    public void SaveIntoAMissingFolderFailsNamingItAndLeavesNoFile()
    {
        var g = new OnnxGraph("tiny");
        g.Output(g.Input("x", OnnxType.Float, 1), "y", OnnxType.Float, 1);
        var dir = Path.Combine(Path.GetTempPath(), $"astromech-missing-{Guid.NewGuid():N}");
        var e = Assert.Throws<DirectoryNotFoundException>(() => g.Save(Path.Combine(dir, "p.onnx")));
        Assert.Contains(dir, e.Message);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndLeavesNoTempFileBeside()
    {
        var dir = Directory.CreateTempSubdirectory("astromech-onnx-").FullName;
        try
        {
            var path = Path.Combine(dir, "p.onnx");
            File.WriteAllText(path, "old");
            var g = new OnnxGraph("tiny");
            g.Output(g.Input("x", OnnxType.Float, "batch", 2), "y", OnnxType.Float, "batch", 2);
            g.Save(path);
            Assert.Equal(new[] { "p.onnx" }, Directory.GetFiles(dir).Select(Path.GetFileName));
            using var session = new InferenceSession(File.ReadAllBytes(path));
            using var r = session.Run(new[] { NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(new[] { 1f, -2f }, new[] { 1, 2 })) });
            Assert.Equal(new[] { 1f, -2f }, r.First().AsTensor<float>().ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }
}
