using Akka.Actor;
using Astromech.Agents.Impala;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;
using Astromech.Envs.Registry;

namespace Astromech.Cluster.Tests;

/// <summary>IMPALA's unroll queue role, reached over loopback TCP from the actor system.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UnrollQueueTests(ThreeNodeCluster cluster)
{
    private static long _sequence;

    // Every call is a new unroll (its own sequence number) from one submitter.
    private static SubmitUnroll Unroll(int steps, int envs, int obs) => new(steps, envs, obs, 1, 3, 0, 42, Interlocked.Increment(ref _sequence),
        new float[steps * envs * obs], new float[steps * envs],
        new float[steps * envs], new float[steps * envs], Enumerable.Repeat(0.99f, steps * envs).ToArray(), new bool[steps * envs], new float[steps * envs * obs],
        new float[envs * obs]);

    [Fact]
    public void UnrollsAreRefusedUntilTheLearnerRunsAndMisshapenOnesAreNamed()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var cfg = new ImpalaConfig { NSteps = 8, NumEnvs = 2, QueueCapacity = 2 };
        using var agent = new ImpalaAgent(cfg, env.ObservationSpace, env.ActionSpace, 0);
        cluster.Learner.ActorOf(UnrollQueueActor.Props(agent), "unrolls-test");
        var queue = ThreeNodeCluster.Resolve(cluster.Actor, cluster.Learner, "unrolls-test");
        var timeout = TimeSpan.FromSeconds(20);

        // Not started: no queue yet, so the actor is told to send it again later.
        var r = queue.Ask<UnrollAccepted>(Unroll(8, 2, 4), timeout).GetAwaiter().GetResult();
        Assert.False(r.Accepted);

        var e = queue.Ask<RoleError>(Unroll(8, 3, 4), timeout).GetAwaiter().GetResult();
        Assert.Contains("unroll of 8 steps × 3 env copies (observation 4, action 1); this learner trains on 8 × 2 (4, 1)", e.Message);
        var e2 = queue.Ask<RoleError>(Unroll(8, 2, 4) with { Rewards = new float[5] }, timeout).GetAwaiter().GetResult();
        Assert.Contains("unroll field 'rewards' has 5 values", e2.Message);
    }

    /// <summary>
    /// An IMPALA learner (queue capacity 2, unrolls of 4 steps × 1 env) whose run is paused before it starts, with
    /// its unroll queue role at <paramref name="name"/> on the learner node, resolved from the actor node.
    /// </summary>
    private (ImpalaAgent Agent, IActorRef Queue, Astromech.Training.ConcurrentRun Run) PausedLearner(string name)
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var cfg = new ImpalaConfig { NSteps = 4, NumEnvs = 1, QueueCapacity = 2, BatchSize = 1 };
        var agent = new ImpalaAgent(cfg, env.ObservationSpace, env.ActionSpace, 0) { RunActorsLocally = false };
        cluster.Learner.ActorOf(UnrollQueueActor.Props(agent), name);
        var queue = ThreeNodeCluster.Resolve(cluster.Actor, cluster.Learner, name);
        var run = new Astromech.Training.ConcurrentRun(() => EnvRegistry.Make("CartPole-v1"), 0, 0, 1_000_000);
        run.Pause();
        agent.Start(run);
        return (agent, queue, run);
    }

    [Fact]
    public void AFullQueueRefusesAndAcceptsAgainOnceTheLearnerTakesUnrolls()
    {
        var (agent, queue, run) = PausedLearner("unrolls-full-test"); // the learner thread parks at its first safe point and takes nothing
        using var _ = agent;
        var timeout = TimeSpan.FromSeconds(20);
        try
        {
            var results = Enumerable.Range(0, 4).Select(_ => queue.Ask<UnrollAccepted>(Unroll(4, 1, 4), timeout).GetAwaiter().GetResult()).ToList();
            Assert.Equal(new[] { true, true, false, false }, results.Select(x => x.Accepted));
            Assert.Equal(2, results[^1].QueueSize);
            run.Resume(); // the learner trains on what is queued
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!queue.Ask<UnrollAccepted>(Unroll(4, 1, 4), timeout).GetAwaiter().GetResult().Accepted)
                Assert.True(DateTime.UtcNow < deadline, "the queue never had room again");
            while (agent.Updates == 0) // it took an unroll; its update follows
            {
                Assert.True(DateTime.UtcNow < deadline, "the learner took an unroll but never finished an update");
                Thread.Sleep(20);
            }
        }
        finally
        {
            run.RequestStop();
            run.StopAndJoin();
        }
    }

    [Fact]
    public void AnUnrollSentAgainAfterALostAnswerIsNotQueuedTwice()
    {
        var (agent, queue, run) = PausedLearner("unrolls-dup-test"); // the learner takes nothing, so the queue's length shows what went on it
        using var _ = agent;
        var timeout = TimeSpan.FromSeconds(20);
        try
        {
            UnrollAccepted Send(SubmitUnroll u) => queue.Ask<UnrollAccepted>(u, timeout).GetAwaiter().GetResult();
            var first = Unroll(4, 1, 4);
            Assert.Equal((true, 1), (Send(first).Accepted, agent.QueueSize));
            // The same unroll again (its answer was lost): "accepted", and still one on the queue.
            var again = Send(first);
            Assert.True(again.Accepted);
            Assert.Equal(1, again.QueueSize);
            // An older one from the same submitter is a resend too; the same sequence from a restarted actor (a new submitter) is new.
            Assert.Equal(1, Send(first with { Sequence = first.Sequence - 1 }).QueueSize);
            var restarted = Send(first with { Submitter = 43 });
            Assert.True(restarted.Accepted);
            Assert.Equal(2, restarted.QueueSize);
            // The queue is full now: a new unroll is refused, and refused ones are not remembered as taken.
            var next = Unroll(4, 1, 4);
            Assert.False(Send(next).Accepted);
            Assert.False(Send(next).Accepted);
        }
        finally
        {
            run.RequestStop();
            run.StopAndJoin();
        }
    }
}
