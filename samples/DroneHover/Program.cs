// A user's own env, trained with the packed Astromech packages: a drone on a vertical rail must hold itself at 1 m.
// Run: samples/run.sh (packs the repository, builds this project against the packages, trains for a few thousand steps).
using Astromech;
using Astromech.Agents.Ppo;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Training;

long steps = args.Length > 1 && args[0] == "--steps" ? long.Parse(args[1]) : 30_000;
string outDir = Path.Combine(Path.GetTempPath(), $"drone-hover-{Environment.ProcessId}");

// The quick start: create, learn, save, load, predict.
using (var model = Model.Create(() => new DroneHover(), new PpoConfig { NSteps = 512, BatchSize = 64, LearningRate = 1e-3 }, seed: 1))
{
    var before = model.Evaluate(episodes: 5);
    var run = model.Learn(steps, new LearnOptions
    {
        OutDir = outDir,
        EvalInterval = steps / 2,
        Callbacks = new TrainingCallbacks { Evaluation = e => Console.WriteLine($"step {e.EnvSteps}: evaluation return {e.Result.MeanReturn:F1}") },
    });
    model.Save(Path.Combine(outDir, "drone.ckpt"));
    Console.WriteLine($"trained {run.EnvSteps} steps in {run.WallSeconds:F1} s: evaluation return {before.MeanReturn:F1} before, {run.EvalMeanReturn:F1} after");
}

using var loaded = Model.Load(Path.Combine(outDir, "drone.ckpt"), () => new DroneHover());
using var env = new DroneHover();
var obs = new float[env.ObservationSpace.FlatSize];
var action = new float[env.ActionSpace.FlatSize];
env.Reset(obs, seed: 7);
double total = 0;
for (bool done = false; !done;)
{
    loaded.Predict(obs, action);
    var r = env.Step(action, obs);
    total += r.Reward;
    done = r.Done;
}
Console.WriteLine($"one episode of the loaded policy: return {total:F1}, final height {env.Height:F2} m");
Directory.Delete(outDir, recursive: true);

/// <summary>
/// Height z and vertical speed v of a drone on a rail; the action is the thrust in [−1, 1] around hover thrust
/// (acceleration 5·a m/s²), at 20 Hz; the reward is −(z − 1)² − 0.1·v² − 0.01·a² per step; the episode ends when the
/// drone touches the ground or leaves the 3 m rail, and is cut at 200 steps. Starts at rest at a random height in [0.2, 2].
/// </summary>
public sealed class DroneHover : Env
{
    private const double Dt = 0.05, Target = 1.0;
    private double _z, _v;
    private int _t;

    public override Space ObservationSpace { get; } = new Box(new[] { 0f, -10f }, new[] { 3f, 10f });
    public override Space ActionSpace { get; } = new Box(-1f, 1f, new[] { 1 });
    public double Height => _z;

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _z = 0.2 + 1.8 * Rng.NextDouble();
        _v = 0;
        _t = 0;
        Write(obs);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        double a = action[0];
        _v += 5 * a * Dt;
        _z += _v * Dt;
        _t++;
        bool crashed = _z <= 0 || _z >= 3;
        _z = Math.Clamp(_z, 0, 3);
        _v = Math.Clamp(_v, -10, 10);
        Write(obs);
        double reward = -(_z - Target) * (_z - Target) - 0.1 * _v * _v - 0.01 * a * a - (crashed ? 10 : 0);
        return new StepResult(reward, crashed, !crashed && _t >= 200);
    }

    private void Write(Span<float> obs)
    {
        obs[0] = (float)_z;
        obs[1] = (float)_v;
    }
}
