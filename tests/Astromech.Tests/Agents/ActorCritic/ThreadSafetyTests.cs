using Astromech.Agents.A3c;
using Astromech.Agents.Impala;
using Astromech.Agents.R2d2;
using Astromech.Envs.Registry;
using Astromech.Tests.Training;
using Astromech.Training;

namespace Astromech.Tests.Agents.ActorCritic;

/// <summary>
/// The concurrent agents survive garbage collections landing while their threads are inside libtorch. A
/// thread forces collections and runs finalizers back to back during a short A3C and IMPALA run on
/// continuous (Pendulum, whose Gaussian policy adds more scalar arithmetic) and discrete actions; before the
/// fix in Nn/Scalars.cs such collections freed TorchSharp's implicit scalars under running ops and the
/// runs died with libtorch errors ("Unknown scalar type") or wrong numbers.
/// </summary>
public class ThreadSafetyTests
{
    [Theory]
    [InlineData("a3c", "CartPole-v1")]
    [InlineData("impala", "CartPole-v1")]
    [InlineData("a3c", "Pendulum-v1")]
    [InlineData("impala", "Pendulum-v1")]
    [InlineData("r2d2", "CartPole-v1")]
    public void ConcurrentAgentsSurviveCollectionsDuringTorchCalls(string algo, string envId)
    {
        using var dir = new TempDir();
        using var env = EnvRegistry.Make(envId);
        using IAgent agent = algo switch
        {
            "a3c" => new A3cAgent(new A3cConfig { Workers = 2, NumEnvs = 2, NSteps = 5 }, env.ObservationSpace, env.ActionSpace, 1),
            "impala" => new ImpalaAgent(new ImpalaConfig { Actors = 2, NumEnvs = 2, NSteps = 5, BatchSize = 1, QueueCapacity = 2 }, env.ObservationSpace, env.ActionSpace, 1),
            _ => new R2d2Agent(new R2d2Config { Actors = 2, NumEnvs = 2, SequenceLength = 10, Overlap = 5, BurnIn = 4, NStep = 3, BatchSize = 8, MinReplaySize = 8, ParamSyncInterval = 20 },
                env.ObservationSpace, env.ActionSpace, 1),
        };
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
                EnvId = envId, Seed = 1, TotalSteps = 20_000, EvalEpisodes = 2, ShowProgress = false, OutDir = dir.Path,
                CheckpointInterval = 0,
            });
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.True(summary.EnvSteps >= 20_000);
        Assert.True(collections > 100, $"only {collections} forced collections ran during the run");
        Assert.True(double.IsFinite(summary.EvalMeanReturn));
    }
}
