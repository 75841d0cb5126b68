using System.Globalization;
using System.Text;
using Astromech.Envs;
using Astromech.Envs.MuJoCo;
using Astromech.Envs.Spaces;
using Astromech.Envs.Wrappers;

namespace Astromech.Datasets;

/// <summary>Writes the action for one observation (a trained policy, deterministic).</summary>
public delegate void DatasetPolicy(ReadOnlySpan<float> observation, Span<float> action);

/// <summary>
/// How to record: whole episodes, each reset with seed <c>Seed + episode</c>; the policy's action is perturbed by
/// Gaussian noise of standard deviation <see cref="NoiseStd"/> (in units of half the Box's range, so 0.1 is 10% of
/// the way from the centre to a bound, then clipped to the bounds), and with probability <see cref="Epsilon"/>
/// replaced by a uniform random action.
/// </summary>
public sealed record RecordOptions(int Episodes, int Seed = 0, double NoiseStd = 0, double Epsilon = 0);

/// <summary>
/// Rolls a policy (or uniform random actions) out on an env and keeps every step as a dataset row, with the
/// terminated/truncated flags the env reported and the true next observation. On MuJoCo envs every row also gets
/// <c>qpos</c> and <c>qvel</c> infos: the simulator state the row's observation was made from, as D4RL stores them.
/// Nothing is written here; callers write the finished dataset in one atomic step, so an interrupted or failed
/// recording leaves no file.
/// </summary>
public static class DatasetRecorder
{
    public static OfflineDataset Record(IEnv env, DatasetPolicy? policy, RecordOptions options)
    {
        if (options.Episodes <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.Episodes, "record at least one episode");
        if (options.NoiseStd < 0 || !double.IsFinite(options.NoiseStd)) throw new ArgumentOutOfRangeException(nameof(options), options.NoiseStd, "noise must be a finite σ ≥ 0");
        if (options.Epsilon is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epsilon, "ε must be in [0, 1]");
        var space = env.ActionSpace;
        if (options.NoiseStd > 0 && space is not Box)
            throw new ArgumentException($"Gaussian action noise needs a Box action space; this env's is {space} (use ε-random instead)");
        int os = env.ObservationSpace.FlatSize, asz = space.FlatSize;
        var mujoco = (env is Wrapper w ? w.Unwrapped : env) as MuJoCoEnv;
        var b = new OfflineDatasetBuilder(os, asz) { IntegerActions = space is Discrete or MultiDiscrete };
        var rng = new Random(options.Seed);
        var obs = new float[os];
        var next = new float[os];
        var action = new float[asz];
        float[] qpos = mujoco is null ? Array.Empty<float>() : new float[mujoco.Data.Qpos.Length];
        float[] qvel = mujoco is null ? Array.Empty<float>() : new float[mujoco.Data.Qvel.Length];
        for (int e = 0; e < options.Episodes; e++)
        {
            env.Reset(obs, options.Seed + e);
            while (true)
            {
                if (mujoco is not null)
                {
                    for (int k = 0; k < qpos.Length; k++) qpos[k] = (float)mujoco.Data.Qpos[k];
                    for (int k = 0; k < qvel.Length; k++) qvel[k] = (float)mujoco.Data.Qvel[k];
                }
                if (policy is null || (options.Epsilon > 0 && rng.NextDouble() < options.Epsilon)) space.Sample(rng, action);
                else
                {
                    policy(obs, action);
                    if (options.NoiseStd > 0) AddNoise((Box)space, action, options.NoiseStd, rng);
                }
                var r = env.Step(action, next);
                b.Add(obs, action, (float)r.Reward, r.Terminated, r.Truncated, next);
                if (mujoco is not null) { b.AddInfo("qpos", qpos); b.AddInfo("qvel", qvel); }
                if (r.Terminated || r.Truncated) break;
                (obs, next) = (next, obs);
            }
        }
        var d = b.Build();
        d.Metadata["observation_space"] = SpaceJson(env.ObservationSpace);
        d.Metadata["action_space"] = SpaceJson(space);
        d.Metadata["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture);
        d.Metadata["noise_std"] = options.NoiseStd.ToString("R", CultureInfo.InvariantCulture);
        d.Metadata["epsilon"] = options.Epsilon.ToString("R", CultureInfo.InvariantCulture);
        if (env.Spec?.Id is string id) d.EnvId = id;
        return d;
    }

    private static void AddNoise(Box box, Span<float> action, double sigma, Random rng)
    {
        for (int j = 0; j < action.Length; j++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            float half = (box.High[j] - box.Low[j]) / 2f;
            action[j] = Math.Clamp(action[j] + (float)(sigma * half * z), box.Low[j], box.High[j]);
        }
    }

    /// <summary>
    /// A space in the JSON form Minari's <c>serialize_space</c> writes into metadata.json (type, dtype, shape, low, high /
    /// n, start), so Minari can rebuild the spaces; infinite bounds are written as JSON's <c>Infinity</c>, as Python's json does.
    /// </summary>
    public static string SpaceJson(Space space)
    {
        static string Num(float x) => float.IsPositiveInfinity(x) ? "Infinity" : float.IsNegativeInfinity(x) ? "-Infinity" : x.ToString("R", CultureInfo.InvariantCulture);
        switch (space)
        {
            case Discrete d:
                return $"{{\"type\": \"Discrete\", \"dtype\": \"int64\", \"start\": {d.Start}, \"n\": {d.N}}}";
            case MultiDiscrete m:
                return $"{{\"type\": \"MultiDiscrete\", \"dtype\": \"int64\", \"nvec\": [{string.Join(", ", m.Nvec)}]}}";
            case Box box:
                var sb = new StringBuilder();
                string dtype = box.DType switch { DType.Float64 => "float64", DType.UInt8 => "uint8", DType.Int32 => "int32", DType.Bool => "bool", _ => "float32" };
                sb.Append($"{{\"type\": \"Box\", \"dtype\": \"{dtype}\", \"shape\": [{string.Join(", ", box.Shape)}], ");
                sb.Append($"\"low\": [{string.Join(", ", box.Low.Select(Num))}], \"high\": [{string.Join(", ", box.High.Select(Num))}]}}");
                return sb.ToString();
            default:
                return $"{{\"type\": \"{space.GetType().Name}\", \"repr\": \"{space}\"}}";
        }
    }
}
