using System.Text.Json.Nodes;
using Astromech.Agents.Dqn;
using Astromech.Training.Config;

namespace Astromech.Cli.Tests;

/// <summary>
/// Random bad input, from a fixed seed and a bounded number of cases: a bad value (of the wrong type, out of range,
/// unparsable, empty), a missing value, an unknown flag, on the command line (options and --set KEY=VALUE) and in a
/// config file. Every case must end with exit code 2, one line on stderr, nothing on stdout and no --out folder.
/// </summary>
public class BadInputFuzzTests
{
    private const int Cases = 120;

    // Values no count option accepts, and those no option at all accepts as a count.
    private static readonly string[] BadCounts = { "abc", "1.5", "", "1e400", "NaN", "99999999999999999999", "0x10", "--", "5 steps", "∞" };
    private static readonly string[] CountOptions = { "steps", "eval-episodes", "eval-interval", "checkpoint-interval", "torch-threads", "seed" };
    // Values below each option's minimum or above its maximum (seed takes any 32-bit integer).
    private static readonly (string Option, string Value)[] OutOfRange =
    {
        ("steps", "0"), ("steps", "-5"), ("eval-episodes", "0"), ("eval-interval", "-1"), ("checkpoint-interval", "-1"),
        ("torch-threads", "0"), ("torch-threads", "100000"), ("seed", "3000000000"), ("steps", "1e19"),
    };

    /// <summary>A value of the wrong kind for a config key, chosen from the kind of its default.</summary>
    private static string BadValueFor(JsonNode? defaultValue, Random r)
    {
        string[] pool = defaultValue switch
        {
            JsonArray => new[] { "abc", "[\"x\"]", "{\"a\":1}", "[-1]", "[" },
            JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => new[] { "maybe", "2", "[true]", "{}" },
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => new[] { "abc", "true", "[1]", "1e400", "-1e400", "{}", "\"1\"x" },
            _ => new[] { "no-such-choice-zz", "[1]", "{}", "12" },
        };
        return pool[r.Next(pool.Length)];
    }

    private static IEnumerable<(string Name, string[] Args, string? ConfigFile)> Generate(string scratch)
    {
        var r = new Random(2020);
        var defaults = ConfigBinder.ToJson(new DqnConfig());
        var keys = ConfigBinder.KeysOf(typeof(DqnConfig)).Where(k => defaults[k] is not null && !k.StartsWith("kickstart")).ToArray();
        for (int i = 0; i < Cases; i++)
        {
            string outDir = Path.Combine(scratch, $"out-{i}");
            var args = new List<string> { "train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "300", "--out", outDir, "--no-progress" };
            string? file = null;
            string name;
            switch (r.Next(7))
            {
                case 0:
                {
                    string opt = CountOptions[r.Next(CountOptions.Length)], v = BadCounts[r.Next(BadCounts.Length)];
                    args.AddRange(new[] { "--" + opt, v });
                    name = $"--{opt} '{v}'";
                    break;
                }
                case 1:
                {
                    var (opt, v) = OutOfRange[r.Next(OutOfRange.Length)];
                    args.AddRange(new[] { "--" + opt, v });
                    name = $"--{opt} {v}";
                    break;
                }
                case 2:
                {
                    string opt = CountOptions.Concat(new[] { "set", "env-arg", "config", "resume" }).ElementAt(r.Next(CountOptions.Length + 4));
                    args.Add("--" + opt); // the value is missing
                    name = $"--{opt} without a value";
                    break;
                }
                case 3:
                {
                    string flag = "--" + new string(Enumerable.Range(0, 3 + r.Next(8)).Select(_ => (char)('a' + r.Next(26))).ToArray());
                    args.Insert(1 + r.Next(args.Count), flag);
                    name = $"unknown flag {flag}";
                    break;
                }
                case 4:
                {
                    string key = keys[r.Next(keys.Length)], v = BadValueFor(defaults[key], r);
                    args.AddRange(new[] { "--set", $"{key}={v}" });
                    name = $"--set {key}={v}";
                    break;
                }
                case 5:
                {
                    string key = keys[r.Next(keys.Length)], v = BadValueFor(defaults[key], r);
                    file = Path.Combine(scratch, $"config-{i}.json");
                    var cfg = new JsonObject { ["algo"] = "dqn", ["env"] = "CartPole-v1" };
                    // In a file the value is JSON when it parses as JSON, else a string.
                    try { cfg[key] = JsonNode.Parse(v); } catch (System.Text.Json.JsonException) { cfg[key] = v; }
                    File.WriteAllText(file, cfg.ToJsonString());
                    args.AddRange(new[] { "--config", file });
                    name = $"config file {key}: {v}";
                    break;
                }
                default:
                {
                    // A misspelt key, on the command line or in a file, or a --set without '='.
                    string key = keys[r.Next(keys.Length)];
                    string typo = key.Length > 3 ? key.Remove(r.Next(key.Length), 1) + "x" : key + "x";
                    if (r.Next(3) == 0) { args.AddRange(new[] { "--set", key }); name = $"--set {key} without ="; }
                    else if (r.Next(2) == 0) { args.AddRange(new[] { "--set", $"{typo}=1" }); name = $"--set {typo}=1"; }
                    else
                    {
                        file = Path.Combine(scratch, $"config-{i}.json");
                        File.WriteAllText(file, new JsonObject { ["algo"] = "dqn", ["env"] = "CartPole-v1", [typo] = 1 }.ToJsonString());
                        args.AddRange(new[] { "--config", file });
                        name = $"config file key {typo}";
                    }
                    break;
                }
            }
            yield return (name, args.ToArray(), file);
        }
    }

    [Fact]
    public void EveryBadInputGetsOneLineExitTwoAndWritesNothing()
    {
        string scratch = Directory.CreateTempSubdirectory("astromech-fuzz-").FullName;
        var failures = new List<string>();
        foreach (var (name, args, _) in Generate(scratch))
        {
            var (code, stdout, stderr) = CliRunner.Run(args);
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string outDir = args[Array.IndexOf(args, "--out") + 1];
            if (code != 2 || lines.Length != 1 || !lines[0].StartsWith("error: ") || stdout.Length > 0 || Directory.Exists(outDir))
                failures.Add($"{name}: exit {code}, stderr {lines.Length} line(s) [{string.Join(" | ", lines.Take(3))}], stdout '{stdout.Trim()}', out folder {(Directory.Exists(outDir) ? "written" : "absent")}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases} cases:\n" + string.Join("\n", failures));

        // The control: the command every case mutates runs and writes its folder, so the checks above can fail.
        string control = Path.Combine(scratch, "control");
        var ok = CliRunner.Run("train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", "300", "--out", control, "--no-progress", "--eval-episodes", "1");
        Assert.True(ok.Code == 0 && File.Exists(Path.Combine(control, "summary.json")), ok.Err);
    }
}
