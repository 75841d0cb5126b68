using Astromech.Envs.Tests.TestEnvs;
using Astromech.Envs.Vector;

namespace Astromech.Envs.Tests;

public class VectorEnvTests
{
    private static IVectorEnv Make(bool threaded, Func<IEnv> factory, int n, int workers = 3) =>
        threaded ? new ThreadedVectorEnv(factory, n, workers) : new SyncVectorEnv(factory, n);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Autoreset_writes_final_observation_reward_flags_and_new_first_observation(bool threaded, bool truncate)
    {
        // Copy i ends its episodes after i + 2 steps.
        var envs = new IEnv[] { new CounterEnv(2, truncate: truncate), new CounterEnv(3, truncate: truncate), new CounterEnv(4, truncate: truncate) };
        using IVectorEnv vec = threaded ? new ThreadedVectorEnv(envs, 3) : new SyncVectorEnv(envs);
        vec.Reset(seed: 7);
        double start0 = ((CounterEnv)envs[0]).Start;
        var actions = new float[] { 1, 2, 0 };

        vec.Step(actions);
        Assert.All(vec.Terminated, Assert.False);
        Assert.All(vec.Truncated, Assert.False);
        Assert.Equal((float)(1 + start0 + 1), vec.Rewards[0]);
        Assert.Equal((float)(1 + start0), vec.Observations[0]);

        vec.Step(actions);
        // Copy 0 finished on this step (t = 2); the others did not.
        Assert.Equal(!truncate, vec.Terminated[0]);
        Assert.Equal(truncate, vec.Truncated[0]);
        Assert.False(vec.Terminated[1] || vec.Truncated[1] || vec.Terminated[2] || vec.Truncated[2]);
        Assert.Equal((float)(2 + start0 + 1), vec.Rewards[0]);
        Assert.Equal(new[] { (float)(2 + start0), (float)start0, 1f }, vec.FinalObservations[..3]);
        double newStart = ((CounterEnv)envs[0]).Start;
        Assert.NotEqual(start0, newStart);
        Assert.Equal(new[] { (float)newStart, (float)newStart, 0f }, vec.Observations[..3]);
        Assert.Equal(2, ((CounterEnv)envs[0]).Resets);

        vec.Step(actions);
        Assert.False(vec.Terminated[0] || vec.Truncated[0]);
        Assert.Equal((float)(1 + newStart), vec.Observations[0]);
        Assert.True(vec.Terminated[1] || vec.Truncated[1]);
        Assert.Equal(3f + (float)((CounterEnv)envs[1]).Start, vec.Observations[3] + 3f, 5); // copy 1 restarted at t = 0
    }

    [Fact]
    public void Reset_seeds_copy_i_with_seed_plus_i_and_autoreset_continues_the_rng()
    {
        using var vec = new SyncVectorEnv(() => new CounterEnv(1), 3);
        vec.Reset(seed: 100);
        var firsts = (float[])vec.Observations.Clone();
        vec.Step(new float[3]); // every episode lasts one step: all copies autoreset
        for (int i = 0; i < 3; i++)
        {
            var solo = new CounterEnv(1);
            Assert.Equal(solo.Reset(seed: 100 + i), firsts.AsSpan(i * 3, 3).ToArray());
            solo.Step(0);
            Assert.Equal(solo.Reset(), vec.Observations.AsSpan(i * 3, 3).ToArray()); // no seed: the RNG continues
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrong_action_length_throws_ArgumentException_naming_the_sizes(bool threaded)
    {
        using var vec = Make(threaded, () => new CounterEnv(5, boxActionDim: 2), 4);
        vec.Reset(seed: 0);
        var ex = Assert.Throws<ArgumentException>(() => vec.Step(new float[7]));
        Assert.Contains("7", ex.Message);
        Assert.Contains("8", ex.Message);
        vec.Step(new float[8]); // still usable
    }

    [Fact]
    public void Step_before_reset_throws()
    {
        using var vec = new SyncVectorEnv(() => new CounterEnv(), 2);
        Assert.Throws<InvalidOperationException>(() => vec.Step(new float[2]));
    }

    [Theory]
    [InlineData(7, 3, false, 200)]
    [InlineData(7, 3, true, 200)]
    [InlineData(16, 4, false, 200)]
    [InlineData(5, 1, false, 200)]
    [InlineData(9, 3, false, 0)] // no spinning: every hand-off goes through the blocking path
    public void Threaded_matches_sync_buffers_exactly(int n, int workers, bool box, int spin)
    {
        Func<IEnv> factory = () => new CounterEnv(2, 9, truncate: false, obsSize: 4, boxActionDim: box ? 2 : null);
        using var sync = new SyncVectorEnv(factory, n);
        using var threaded = new ThreadedVectorEnv(factory, n, workers, spin);
        Assert.Equal(Math.Min(workers, n), threaded.NumWorkers);
        sync.Reset(seed: 42);
        threaded.Reset(seed: 42);
        var rng = new Rng(1);
        int asz = sync.SingleActionSpace.FlatSize;
        var actions = new float[n * asz];
        for (int step = 0; step < 2000; step++)
        {
            for (int i = 0; i < n; i++) sync.SingleActionSpace.Sample(rng, actions.AsSpan(i * asz, asz));
            sync.Step(actions);
            threaded.Step(actions);
            Assert.Equal(sync.Observations, threaded.Observations);
            Assert.Equal(sync.Rewards, threaded.Rewards);
            Assert.Equal(sync.Terminated, threaded.Terminated);
            Assert.Equal(sync.Truncated, threaded.Truncated);
            for (int i = 0; i < n; i++)
                if (sync.Terminated[i] || sync.Truncated[i])
                    Assert.Equal(sync.FinalObservations.AsSpan(i * 4, 4).ToArray(), threaded.FinalObservations.AsSpan(i * 4, 4).ToArray());
        }
    }

    [Fact]
    public void Worker_count_is_capped_at_the_number_of_copies()
    {
        using var vec = new ThreadedVectorEnv(() => new CounterEnv(), 2, numWorkers: 8);
        Assert.Equal(2, vec.NumWorkers);
        using var dflt = new ThreadedVectorEnv(() => new CounterEnv(), 1000);
        Assert.Equal(Math.Min(Environment.ProcessorCount, 1000), dflt.NumWorkers);
    }

    [Theory]
    [InlineData(3)] // thrown on a background worker (last block)
    [InlineData(0)] // thrown on the caller's block
    public void Exception_in_a_copy_propagates_to_the_caller_and_requires_reset(int throwingCopy)
    {
        var envs = Enumerable.Range(0, 4).Select(_ => new CounterEnv(3)).ToArray();
        envs[throwingCopy].ThrowAtTotalStep = 5;
        using var vec = new ThreadedVectorEnv(envs, numWorkers: 4);
        vec.Reset(seed: 1);
        var actions = new float[4];
        for (int s = 0; s < 4; s++) vec.Step(actions);
        var ex = Assert.Throws<InvalidOperationException>(() => vec.Step(actions));
        Assert.Contains("boom at step 5", ex.Message);
        Assert.Contains("Reset", Assert.Throws<InvalidOperationException>(() => vec.Step(actions)).Message);
        vec.Reset(seed: 2);
        for (int s = 0; s < 20; s++) vec.Step(actions);
    }

    [Fact]
    public void Invalid_action_in_a_worker_block_surfaces_as_ArgumentException()
    {
        using var vec = new ThreadedVectorEnv(() => new CounterEnv(3), 4, numWorkers: 2);
        vec.Reset(seed: 0);
        Assert.Throws<ArgumentException>(() => vec.Step(new float[] { 0, 0, 0, 99 }));
    }

    [Fact]
    public async Task Dispose_stops_workers_and_disposes_copies()
    {
        var envs = Enumerable.Range(0, 6).Select(_ => new CounterEnv(3)).ToArray();
        var vec = new ThreadedVectorEnv(envs, numWorkers: 3);
        vec.Reset(seed: 0);
        vec.Step(new float[6]);
        Thread.Sleep(50); // let the workers go to sleep on their semaphores
        await Task.Run(vec.Dispose).WaitAsync(TimeSpan.FromSeconds(10)); // throws TimeoutException if Dispose hangs
        Assert.All(envs, e => Assert.True(e.Disposed));
        Assert.Throws<ObjectDisposedException>(() => vec.Step(new float[6]));
    }

    [Fact]
    public void Threaded_survives_sleeping_workers_between_steps()
    {
        Func<IEnv> factory = () => new CounterEnv(2, 5);
        using var sync = new SyncVectorEnv(factory, 5);
        using var threaded = new ThreadedVectorEnv(factory, 5, numWorkers: 3, spinIterations: 0);
        sync.Reset(seed: 3);
        threaded.Reset(seed: 3);
        var actions = new float[5];
        for (int s = 0; s < 300; s++)
        {
            if (s % 50 == 0) Thread.Sleep(5);
            sync.Step(actions);
            threaded.Step(actions);
            Assert.Equal(sync.Observations, threaded.Observations);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Step_allocates_nothing_on_the_calling_thread(bool threaded)
    {
        using var vec = Make(threaded, () => new CounterEnv(3, 17, obsSize: 4, boxActionDim: 2), 8, workers: 2);
        vec.Reset(seed: 0);
        var actions = new float[16];
        for (int s = 0; s < 2000; s++) vec.Step(actions);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 20000; s++) vec.Step(actions);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }

    [Fact]
    public void EpisodeTracker_reports_returns_lengths_and_copies()
    {
        var envs = new IEnv[] { new CounterEnv(2), new CounterEnv(3, truncate: true) };
        using var vec = new SyncVectorEnv(envs);
        var tracker = new EpisodeTracker(2, windowSize: 2);
        vec.Reset(seed: 5);
        var starts = new List<double>[] { new() { ((CounterEnv)envs[0]).Start }, new() { ((CounterEnv)envs[1]).Start } };
        var actions = new float[] { 1, 0 };
        for (int s = 0; s < 6; s++)
        {
            vec.Step(actions);
            tracker.Record(vec);
            for (int i = 0; i < 2; i++)
                if (vec.Terminated[i] || vec.Truncated[i]) starts[i].Add(((CounterEnv)envs[i]).Start);
        }
        // Copy 0: episodes end at steps 2, 4, 6; copy 1 at steps 3, 6. Order: by step, then by copy.
        var done = tracker.Completed.ToArray();
        Assert.Equal(new[] { 0, 1, 0, 0, 1 }, done.Select(e => e.CopyIndex));
        Assert.Equal(new[] { 2, 3, 2, 2, 3 }, done.Select(e => e.Length));
        Assert.Equal(new[] { false, true, false, false, true }, done.Select(e => e.Truncated));
        // Copy 0, episode with start s: rewards (1 + s + 1) + (2 + s + 1) = 5 + 2s (as float32 rewards).
        Assert.Equal((double)(float)(2 + starts[0][0]) + (float)(3 + starts[0][0]), done[0].Return, 12);
        Assert.Equal((double)(float)(1 + starts[1][0]) + (float)(2 + starts[1][0]) + (float)(3 + starts[1][0]), done[1].Return, 12);
        Assert.Equal(5, tracker.TotalEpisodes);
        Assert.Equal(12, tracker.TotalSteps);
        Assert.Equal((done[3].Return + done[4].Return) / 2, tracker.MeanRecentReturn, 9);
        tracker.Clear();
        Assert.Equal(0, tracker.Completed.Length);
        Assert.Equal(0, tracker.CurrentLength(0));

        for (int s = 0; s < 2000; s++) { vec.Step(actions); tracker.Record(vec); tracker.Clear(); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 20000; s++)
        {
            vec.Step(actions);
            tracker.Record(vec);
            if (s % 7 == 0) tracker.Clear();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
