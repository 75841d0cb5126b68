using System.Text.Json.Nodes;
using Astromech.Agents.Dqn;
using Astromech.Agents.Ppo;
using Astromech.Envs;
using Astromech.Envs.Spaces;
using Astromech.Training;

namespace Astromech.Tests.Api;

/// <summary>
/// A corridor written the way a user writes an env in their own project: cells 0..4, start at 0, actions left/right,
/// −0.1 per step and +1 on reaching cell 4 (which ends the episode), cut at 20 steps. The best return is
/// 1 − 0.1·4 = 0.6 (four steps right); a policy that never reaches the goal scores −2. The continuous variant takes
/// one float in [−1, 1] and moves right when it is positive.
/// </summary>
public sealed class Corridor(bool continuous = false) : Env
{
    private int _pos, _t;
    public override Space ObservationSpace { get; } = new Box(0f, 1f, new[] { 5 });
    public override Space ActionSpace { get; } = continuous ? new Box(-1f, 1f, new[] { 1 }) : new Discrete(2);

    protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        _pos = 0; _t = 0;
        Render(obs);
        return null;
    }

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        _t++;
        bool right = continuous ? action[0] > 0 : (int)action[0] == 1;
        _pos = Math.Clamp(_pos + (right ? 1 : -1), 0, 4);
        Render(obs);
        bool goal = _pos == 4;
        return new StepResult(goal ? 0.9 : -0.1, goal, !goal && _t >= 20);
    }

    private void Render(Span<float> obs) { obs.Clear(); obs[_pos] = 1; }
}

[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class ModelTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"astromech-model-{Guid.NewGuid():N}");

    public void Dispose() { if (Directory.Exists(_dir)) Directory.Delete(_dir, true); }

    private static DqnConfig SmallDqn => new()
    {
        LearningRate = 1e-3, BufferSize = 5_000, LearningStarts = 200, BatchSize = 32, TrainFreq = 1, GradientSteps = 1,
        TargetUpdateInterval = 100, ExplorationFraction = 0.3, ExplorationFinalEps = 0.05, Hidden = new[] { 32 },
    };

    [Fact]
    public void AUserEnvTrainsThroughTheTypedApiAndTheCallbacksSeeTheRun()
    {
        using var model = Model.Create(() => new Corridor(), SmallDqn, seed: 1);
        Assert.Equal("dqn", model.Algorithm.Name);
        Assert.Equal("Corridor", model.EnvId);
        int episodes = 0, evals = 0, progress = 0;
        var checkpoints = new List<string>();
        var summary = model.Learn(3_000, new LearnOptions
        {
            OutDir = Path.Combine(_dir, "run"),
            EvalInterval = 1_000,
            EvalEpisodes = 5,
            Callbacks = new TrainingCallbacks
            {
                Episode = e => { episodes++; Assert.Equal(episodes, e.Episode); },
                Evaluation = _ => evals++,
                Checkpoint = c => checkpoints.Add(c.Path),
                Progress = p => { progress++; Assert.True(p.Metrics.ContainsKey("train/loss")); },
            },
        });
        Assert.Equal(3_000, summary.EnvSteps);
        Assert.Equal(summary.Episodes, episodes);
        Assert.Equal(3, evals); // at 1k, 2k and 3k (the final evaluation is the 3k one)
        Assert.True(progress >= 2);
        Assert.Contains(summary.Checkpoint, checkpoints);
        Assert.True(File.Exists(Path.Combine(_dir, "run", "summary.json")));
        Assert.True(File.Exists(Path.Combine(_dir, "run", "metrics.csv")));
        // four steps right is the only way to 0.6; DQN finds it within 3k steps of this corridor
        Assert.Equal(0.6, summary.EvalMeanReturn, 6);
        Assert.Equal(1f, model.Predict(new float[] { 1, 0, 0, 0, 0 })[0]);
    }

    [Fact]
    public void StopWhenEndsTheRunAfterAnEvaluationAndThatEvaluationIsTheFinalOne()
    {
        using var model = Model.Create("dqn", () => new Corridor(), SmallDqn, seed: 2);
        double? stoppedOn = null;
        var summary = model.Learn(10_000, new LearnOptions
        {
            OutDir = Path.Combine(_dir, "early"),
            EvalInterval = 500,
            EvalEpisodes = 3,
            Callbacks = new TrainingCallbacks { StopWhen = e => { stoppedOn = e.Result.MeanReturn; return e.EnvSteps >= 1_000; } },
        });
        Assert.True(summary.EarlyStopped);
        Assert.False(summary.Stopped);
        Assert.Equal(1_000, summary.EnvSteps);
        Assert.Equal(stoppedOn, summary.EvalMeanReturn);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "early", "summary.json")))!;
        Assert.True((bool)json["early_stopped"]!);
    }

    [Fact]
    public void ASecondLearnContinuesTheRunAndSaveLoadActsTheSame()
    {
        string run = Path.Combine(_dir, "cont");
        using var model = Model.Create("dqn", () => new Corridor(), SmallDqn, seed: 3);
        model.Learn(600, new LearnOptions { OutDir = run });
        var second = model.Learn(400);
        Assert.Equal(1_000, second.EnvSteps);
        Assert.Equal(1_000, model.EnvSteps);
        Assert.Equal(run, model.RunFolder);

        string saved = Path.Combine(_dir, "corridor.ckpt");
        model.Save(saved);
        using var loaded = Model.Load(saved, () => new Corridor());
        Assert.Equal(1_000, loaded.EnvSteps);
        var rng = new Random(5);
        for (int i = 0; i < 20; i++)
        {
            var obs = Enumerable.Range(0, 5).Select(_ => (float)rng.NextDouble()).ToArray();
            Assert.Equal(model.Predict(obs), loaded.Predict(obs));
        }
        // a checkpoint of an env the registry does not know needs its factory
        var e = Assert.Throws<ArgumentException>(() => Model.Load(saved));
        Assert.Contains("Corridor", e.Message);
        Assert.Contains("not a registered env", e.Message);
        // and it continues training from where it was saved
        var more = loaded.Learn(200, new LearnOptions { OutDir = Path.Combine(_dir, "more") });
        Assert.Equal(1_200, more.EnvSteps);
    }

    [Fact]
    public void ARecurrentPolicyCarriesItsStateUntilANewEpisodeStarts()
    {
        var cfg = new PpoConfig { NSteps = 32, BatchSize = 32, NEpochs = 1, Recurrent = Astromech.Nn.CoreKind.Lstm, CoreSize = 8 };
        using var model = Model.Create(() => new Corridor(continuous: true), cfg, seed: 4);
        var rng = new Random(6);
        var observations = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 5).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        float[] Means(Model m) => observations.Select(o => m.Predict(o, deterministic: true)[0]).ToArray();

        string path = Path.Combine(_dir, "lstm.ckpt");
        model.Save(path);
        var first = Means(model);
        Assert.NotEqual(first, Means(model)); // the same observations again, from the state the first pass left
        model.StartEpisode();
        Assert.Equal(first, Means(model)); // a new episode starts from the zero state again
        using var loaded = Model.Load(path, () => new Corridor(continuous: true));
        Assert.Equal(first, Means(loaded));
    }

    [Fact]
    public void BadInputIsRefusedNamingTheProblem()
    {
        var wrongConfig = Assert.Throws<ArgumentException>(() => Model.Create("ppo", () => new Corridor(), SmallDqn));
        Assert.Contains("PpoConfig", wrongConfig.Message);
        Assert.Contains("DqnConfig", wrongConfig.Message);
        var continuous = Assert.ThrowsAny<Exception>(() => Model.Create("sac", () => new Corridor()));
        Assert.Contains("sac", continuous.Message);
        Assert.Throws<Astromech.Agents.UnknownAlgorithmException>(() => Model.Create("dqm", () => new Corridor()));
        using var model = Model.Create("dqn", () => new Corridor(), SmallDqn);
        var shape = Assert.Throws<ArgumentException>(() => model.Predict(new float[4]));
        Assert.Contains("4 floats", shape.Message);
        var nan = Assert.Throws<ArgumentException>(() => model.Predict(new float[] { 0, float.NaN, 0, 0, 0 }));
        Assert.Contains("element 1", nan.Message);
    }

    [Fact]
    public void ARegisteredEnvIsNamedByIdAndExportsToOnnx()
    {
        using var model = Model.Create("ppo", "CartPole-v1", seed: 1);
        string onnx = Path.Combine(_dir, "cartpole.onnx");
        Directory.CreateDirectory(_dir);
        model.ExportOnnx(onnx);
        Assert.True(new FileInfo(onnx).Length > 1000);
        string saved = Path.Combine(_dir, "cartpole.ckpt");
        model.Save(saved);
        using var loaded = Model.Load(saved); // a registered env needs no factory
        Assert.Equal("CartPole-v1", loaded.EnvId);
        var obs = new float[] { 0.01f, -0.02f, 0.03f, 0.04f };
        Assert.Equal(model.Predict(obs), loaded.Predict(obs));
    }
}
