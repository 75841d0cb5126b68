using System.Diagnostics;
using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Export;
using Astromech.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech bench onnx CHECKPOINT [--rows 1] [--iterations 20000]</c>: the checkpoint's acting policy, exported in memory,
/// timed per call in ONNX Runtime (one intra-op thread) and through the TorchSharp modules' own forward (the export's
/// reference, at --torch-threads, 1 by default), on the same random observations in the same run; prints one JSON line with
/// microseconds per action for each and their ratio. Recurrent policies feed their state back between calls.
/// </summary>
internal static class OnnxBenchCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "bench onnx", new[] { "rows", "iterations", "seed", "torch-threads", "env-arg" });
        if (a.Positional.Count != 1) throw new CliException("bench onnx: give exactly one checkpoint path (astromech bench onnx runs/.../checkpoint.ckpt)");
        int rows = a.GetInt("rows", 1, 65536) ?? 1;
        long iterations = a.GetLong("iterations", 1) ?? 20_000;
        int seed = a.GetInt("seed") ?? 0;
        TorchSetup.Configure(a.TorchThreads ?? 1);
        using var loaded = CheckpointAgent.Load(a.Positional[0], a.Pairs("env-arg"), seed);
        var policy = loaded.Algo.ExportPolicy(loaded.Agent);
        var sizes = policy.InputSizes;
        var rng = new Rng(seed);
        var inputs = sizes.ToDictionary(s => s.Key, s => new float[rows * s.Value]);
        for (int k = 0; k < inputs["obs"].Length; k++) inputs["obs"][k] = (float)rng.NextGaussian();
        if (inputs.ContainsKey("prev_action")) Array.Fill(inputs["prev_action"], -1f);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(policy.Graph.ToModelBytes(), options);
        var feeds = policy.Graph.Inputs.Select(i =>
        {
            int[] dims = i.Dims.Length == 1 ? new[] { rows } : new[] { rows, sizes[i.Name] };
            return i.Type == OnnxType.Int64
                ? NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<long>(inputs[i.Name].Select(v => (long)v).ToArray(), dims))
                : NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(inputs[i.Name], dims));
        }).ToList();
        var loops = policy.StateLoops;

        double OnnxSeconds(long n)
        {
            var sw = Stopwatch.StartNew();
            for (long i = 0; i < n; i++)
            {
                using var results = session.Run(feeds);
                foreach (var (input, output) in loops)
                {
                    var r = results.First(x => x.Name == output).AsTensor<float>();
                    var dst = (DenseTensor<float>)feeds.First(f => f.Name == input).Value;
                    for (int k = 0; k < dst.Length; k++) dst.SetValue(k, r.GetValue(k));
                }
            }
            return sw.Elapsed.TotalSeconds;
        }
        double TorchSeconds(long n)
        {
            var state = inputs.ToDictionary(p => p.Key, p => p.Value.ToArray());
            var sw = Stopwatch.StartNew();
            for (long i = 0; i < n; i++)
            {
                var outs = policy.Reference(state, rows);
                foreach (var (input, output) in loops) state[input] = outs[output].ToArray();
            }
            return sw.Elapsed.TotalSeconds;
        }

        long warm = Math.Max(1, Math.Min(iterations / 10, 1000));
        OnnxSeconds(warm);
        TorchSeconds(warm);
        double onnx = OnnxSeconds(iterations), torch = TorchSeconds(iterations);
        double perOnnx = onnx / iterations / rows * 1e6, perTorch = torch / iterations / rows * 1e6;
        Console.WriteLine(new JsonObject
        {
            ["algo"] = loaded.Algo.Name,
            ["env"] = loaded.EnvId,
            ["rows"] = rows,
            ["iterations"] = iterations,
            ["onnxruntime_us_per_action"] = Math.Round(perOnnx, 3),
            ["torchsharp_us_per_action"] = Math.Round(perTorch, 3),
            ["torchsharp_over_onnxruntime"] = Math.Round(perTorch / perOnnx, 3),
        }.ToJsonString());
        return 0;
    }
}
