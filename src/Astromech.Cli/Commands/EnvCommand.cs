using System.Globalization;
using System.Text;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech env rollout ENV_ID --seed S --actions a1,a2,...</c>: one JSON object per line, first
/// <c>{"t":0,"obs":[...]}</c> after reset, then <c>{"t":k,"obs":[...],"reward":r,"terminated":b,"truncated":b}</c>
/// per step. Actions are comma-separated; a Discrete action is its integer, a one-dimensional Box action is
/// one number, and a multi-dimensional action lists its components joined by ':' (e.g. 0.5:-1). Without
/// --actions the env is stepped with random actions (from the seed) until the episode ends or --steps run out.
/// </summary>
internal static class EnvCommand
{
    public static int Run(string[] argv)
    {
        if (argv.Length > 0 && argv[0] == "serve") return EnvServeCommand.Run(argv.Skip(1).ToArray());
        if (argv.Length == 0 || argv[0] != "rollout")
            throw new CliException("env: the subcommands are 'rollout' (astromech env rollout ENV_ID --seed S --actions 0,1,1) and 'serve' (astromech env serve --env ENV_ID --port P)");
        var a = CliArgs.Parse(argv.Skip(1).ToArray(), "env rollout", new[] { "seed", "actions", "env-arg", "steps" });
        if (a.Positional.Count != 1) throw new CliException("env rollout: give exactly one env id");
        using var env = EnvRegistry.Make(a.Positional[0], a.Pairs("env-arg"));
        int seed = a.GetInt("seed") ?? 0;
        var space = env.ActionSpace;
        int actSize = space.FlatSize;

        List<float[]>? actions = null;
        if (a.Get("actions") is string list)
        {
            actions = new List<float[]>();
            foreach (var tok in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = tok.Split(':');
                if (parts.Length != actSize)
                    throw new CliException($"env rollout: action '{tok}' has {parts.Length} component(s) but the action space {space} needs {actSize}");
                var act = new float[actSize];
                for (int i = 0; i < actSize; i++)
                    if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out act[i]))
                        throw new CliException($"env rollout: '{parts[i]}' is not a number");
                actions.Add(act);
            }
        }
        long maxSteps = a.GetLong("steps", 0) ?? (actions?.Count ?? long.MaxValue);

        var obs = new float[env.ObservationSpace.FlatSize];
        env.Reset(obs, seed);
        var sb = new StringBuilder();
        var outw = Console.Out;
        outw.WriteLine(Line(sb, 0, obs, null));
        var rng = new Rng(seed);
        var action = new float[actSize];
        for (long t = 1; t <= maxSteps; t++)
        {
            if (actions is not null)
            {
                if (t > actions.Count) break;
                actions[(int)t - 1].CopyTo(action, 0);
            }
            else space.Sample(rng, action);
            var r = env.Step(action, obs); // an action outside the space throws, naming it
            outw.WriteLine(Line(sb, t, obs, r));
            if (r.Terminated || r.Truncated)
            {
                if (actions is not null && t < actions.Count)
                    Console.Error.WriteLine($"env rollout: the episode ended at t={t}; the remaining {actions.Count - t} action(s) were not applied");
                break;
            }
        }
        return 0;
    }

    private static string Line(StringBuilder sb, long t, float[] obs, StepResult? r)
    {
        sb.Clear();
        sb.Append("{\"t\":").Append(t).Append(",\"obs\":[");
        for (int i = 0; i < obs.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(Num(obs[i]));
        }
        sb.Append(']');
        if (r is StepResult s)
        {
            sb.Append(",\"reward\":").Append(Num(s.Reward))
              .Append(",\"terminated\":").Append(s.Terminated ? "true" : "false")
              .Append(",\"truncated\":").Append(s.Truncated ? "true" : "false");
        }
        return sb.Append('}').ToString();
    }

    // Shortest text that reads back to the same float32 / float64; non-finite values as JSON null.
    private static string Num(float v) => float.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";
    private static string Num(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";
}
