using System.Text.Json.Nodes;

namespace Astromech.Cli.Tests;

/// <summary>
/// <c>astromech export CKPT --onnx FILE</c>: a trained checkpoint's policy is written (the file's numbers are checked
/// against TorchSharp and onnx.checker in Astromech.Tests' OnnxExportTests), and each bad input exits 2 naming the problem,
/// leaving no file behind.
/// </summary>
public class ExportCommandTests
{
    [Fact]
    public void ExportWritesTheCheckpointsPolicyAndRefusesBadInputWithExit2()
    {
        string root = Directory.CreateTempSubdirectory("astromech-export-").FullName;
        try
        {
            string run = Path.Combine(root, "run");
            var (code0, _, err0) = CliRunner.Run("train", "--algo", "ppo", "--env", "Pendulum-v1", "--steps", "256", "--seed", "2", "--out", run, "--no-progress",
                "--eval-episodes", "1", "--set", "n_steps=64", "--set", "batch_size=64", "--set", "normalize_observations=true");
            Assert.True(code0 == 0, err0);
            string ckpt = Path.Combine(run, "checkpoint.ckpt");
            string onnx = Path.Combine(root, "policy.onnx");

            var (code, stdout, err) = CliRunner.Run("export", ckpt, "--onnx", onnx);
            Assert.True(code == 0, err);
            var json = JsonNode.Parse(stdout.Trim())!;
            Assert.Equal("ppo", (string)json["algo"]!);
            Assert.Equal(17, (long)json["opset"]!);
            Assert.Contains("obs float [batch, 3]", json["inputs"]!.AsArray().Select(n => (string)n!));
            Assert.Contains("action float [batch, 1]", json["outputs"]!.AsArray().Select(n => (string)n!));
            Assert.Contains("Gemm", json["ops"]!.AsArray().Select(n => (string)n!));
            Assert.Equal(new FileInfo(onnx).Length, (long)json["bytes"]!);
            Assert.Equal(new[] { "policy.onnx", "run" }, Directory.GetFileSystemEntries(root).Select(Path.GetFileName).OrderBy(n => n));

            void Refused(string[] args, string mentions)
            {
                var (c, _, e) = CliRunner.Run(args);
                Assert.True(c == 2, $"{string.Join(' ', args)}: exit {c}: {e}");
                Assert.Contains(mentions, e);
            }
            Refused(new[] { "export", Path.Combine(root, "missing.ckpt"), "--onnx", Path.Combine(root, "a.onnx") }, "missing.ckpt");
            File.WriteAllText(Path.Combine(root, "bad.ckpt"), "not a checkpoint");
            Refused(new[] { "export", Path.Combine(root, "bad.ckpt"), "--onnx", Path.Combine(root, "b.onnx") }, "bad.ckpt");
            Refused(new[] { "export", ckpt }, "--onnx");
            Refused(new[] { "export", ckpt, "--onnx", Path.Combine(root, "no", "such", "dir", "p.onnx") }, Path.Combine(root, "no", "such", "dir"));
            Refused(new[] { "export", ckpt, "--onnx", run }, "is a directory");
            Assert.False(File.Exists(Path.Combine(root, "a.onnx")) || File.Exists(Path.Combine(root, "b.onnx")));
        }
        finally { Directory.Delete(root, true); }
    }
}
