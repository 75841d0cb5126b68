using Astromech.Agents;
using Astromech.Agents.A2c;
using Astromech.Agents.A3c;
using Astromech.Agents.ApeX;
using Astromech.Agents.Dqn;
using Astromech.Agents.Impala;
using Astromech.Agents.Ppo;
using Astromech.Agents.R2d2;
using Astromech.Agents.Sac;
using Astromech.Envs.Registry;
using Astromech.Training;

namespace Astromech.Tests.Training;

/// <summary>
/// Every agent survives garbage collections landing while a thread is inside libtorch. A background thread
/// forces collections and runs finalizers back to back during a short run. TorchSharp frees the scalars it
/// creates implicitly (x * 0.5, a + b's α, square()'s exponent, optimizer constants) in finalizers while the
/// native op may still read them; before Nn/Scalars.cs such runs died with libtorch errors ("Unknown scalar
/// type", "Expected false to be true" in Scalar::toFloat). Threaded agents (A3C, IMPALA, R2D2, Ape-X) trigger this
/// themselves; single-threaded ones whenever anything else in the process allocates (here: the collector
/// thread; in the test suite: other tests running in parallel).
/// <para>Unscoped tensor temporaries fail the same way: A2C on Pendulum crashed the process (no libtorch message;
/// the dump showed <c>log σ.exp().mean()</c> for a metric, outside any dispose scope) in about 1 of 3 runs here
/// until that line got a scope.</para>
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class ThreadSafetyTests
{
    public static IEnumerable<object[]> Runs() => new[]
    {
        new object[] { "a3c", "CartPole-v1", 20_000L },
        new object[] { "impala", "CartPole-v1", 20_000L },
        new object[] { "a3c", "Pendulum-v1", 20_000L },
        new object[] { "impala", "Pendulum-v1", 20_000L },
        new object[] { "r2d2", "CartPole-v1", 20_000L },
        new object[] { "apex", "CartPole-v1", 20_000L },
        new object[] { "a2c", "Pendulum-v1", 10_000L },
        new object[] { "ppo", "Pendulum-v1", 4_096L },
        new object[] { "sac", "Pendulum-v1", 1_000L },
        new object[] { "dqn", "CartPole-v1", 1_500L },
    };

    private static object Config(string algo) => algo switch
    {
        "a3c" => new A3cConfig { Workers = 2, NumEnvs = 2, NSteps = 5 },
        "impala" => new ImpalaConfig { Actors = 2, NumEnvs = 2, NSteps = 5, BatchSize = 1, QueueCapacity = 2 },
        "r2d2" => new R2d2Config { Actors = 2, NumEnvs = 2, SequenceLength = 10, Overlap = 5, BurnIn = 4, NStep = 3, BatchSize = 8, MinReplaySize = 8, ParamSyncInterval = 20 },
        "apex" => new ApexConfig { Actors = 2, NumEnvs = 2, BatchSize = 16, Hidden = new[] { 32 }, ReplayCapacity = 5000, MinReplaySize = 100, FlushSize = 10, ParamSyncInterval = 10, PublishInterval = 2, TargetUpdateInterval = 50, ValueRescaling = true },
        "dqn" => new DqnConfig { LearningStarts = 100, TrainFreq = 1, TargetUpdateInterval = 50, DoubleQ = true, Dueling = true, NStep = 3, Prioritized = true, ValueRescaling = true },
        "a2c" => new A2cConfig { NumEnvs = 2, NSteps = 5, EntCoef = 0.01 },
        "ppo" => new PpoConfig { NumEnvs = 2, NSteps = 256, BatchSize = 64, NEpochs = 2, ClipRangeVf = 0.2, ClipRangeAnneal = true, TargetKl = 0.5 },
        "sac" => new SacConfig { LearningStarts = 100, BatchSize = 64, NetArch = new[] { 32, 32 } },
        _ => throw new ArgumentException(algo),
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void AgentsSurviveCollectionsDuringTorchCalls(string algo, string envId, long steps)
    {
        using var dir = new TempDir();
        using var env = EnvRegistry.Make(envId);
        using var agent = Algorithms.Get(algo).Create(Config(algo), env.ObservationSpace, env.ActionSpace, 1);
        using var stop = new CancellationTokenSource();
        long collections = 0;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        }) { IsBackground = true };
        collector.Start();
        RunSummary summary;
        try
        {
            summary = Trainer.Run(agent, () => EnvRegistry.Make(envId), new TrainerOptions
            {
                EnvId = envId, Seed = 1, TotalSteps = steps, EvalEpisodes = 2, ShowProgress = false, OutDir = dir.Path,
                CheckpointInterval = 0,
            });
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.True(summary.EnvSteps >= steps);
        Assert.True(collections > 50, $"only {collections} forced collections ran during the run");
        Assert.True(double.IsFinite(summary.EvalMeanReturn));
    }
}
