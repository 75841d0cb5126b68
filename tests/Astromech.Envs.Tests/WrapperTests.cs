using Astromech.Envs.Spaces;
using Astromech.Envs.Tests.TestEnvs;
using Astromech.Envs.Vector;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Tests;

public class WrapperTests
{
    // ---------- EpisodeStatistics ----------

    [Fact]
    public void EpisodeStatistics_reports_return_length_time_and_keeps_a_bounded_queue()
    {
        using var env = new EpisodeStatistics(new ScriptedRewardEnv(1.5, -0.5, 2), bufferLength: 2);
        var obs = new float[1];
        Assert.Equal(true, env.Reset(obs, seed: 0)!["reset"]);
        var r1 = env.Step(new float[1], obs);
        Assert.False(r1.Info!.ContainsKey(EpisodeStatistics.InfoKey));
        env.Step(new float[1], obs);
        var r3 = env.Step(new float[1], obs);
        Assert.True(r3.Terminated);
        var ep = Assert.IsType<EpisodeInfo>(r3.Info![EpisodeStatistics.InfoKey]);
        Assert.Equal(3.0, ep.Return);
        Assert.Equal(3, ep.Length);
        Assert.InRange(ep.Time, 0, 60);
        Assert.Equal(3, r3.Info["step"]); // the inner info is kept
        Assert.Equal(3.0, env.LastEpisodeReturn);
        Assert.Equal(3, env.LastEpisodeLength);

        for (int e = 0; e < 2; e++)
        {
            env.Reset(obs);
            while (!env.Step(new float[1], obs).Done) { }
        }
        Assert.Equal(3, env.EpisodeCount);
        Assert.Equal(new[] { 3.0, 3.0 }, env.RecentReturns);
        Assert.Equal(new[] { 3, 3 }, env.RecentLengths);
    }

    [Fact]
    public void EpisodeStatistics_inside_a_vector_env_shows_up_in_FinalInfos()
    {
        using var vec = new SyncVectorEnv(() => new EpisodeStatistics(new CounterEnv(4)), 2);
        vec.Reset(seed: 0);
        for (int s = 0; s < 3; s++) vec.Step(new float[2]);
        var before = ((EpisodeStatistics)vec.Envs[0]).CurrentReturn;
        vec.Step(new float[2]);
        Assert.True(vec.Terminated[0]);
        var ep = (EpisodeInfo)vec.FinalInfos[0]![EpisodeStatistics.InfoKey];
        Assert.Equal(4, ep.Length);
        Assert.Equal(before + vec.Rewards[0], ep.Return, 5);
    }

    // ---------- NormalizeObservation ----------

    [Fact]
    public void NormalizeObservation_matches_running_statistics_and_freezes_when_not_training()
    {
        using var env = new NormalizeObservation(new CounterEnv(50, obsSize: 3), clip: 5);
        Assert.Equal(new[] { 3 }, env.ObservationSpace.Shape);
        Assert.True(env.ObservationSpace.Contains(new float[] { 5, -5, 0 }));
        var reference = new RunningMeanStd(3);
        var raw = new CounterEnv(50, obsSize: 3);
        var obs = new float[3];
        var rawObs = raw.Reset(seed: 9);
        env.Reset(obs, seed: 9);
        reference.Update(rawObs);
        var expected = new float[3];
        reference.Normalize(rawObs, expected, 1e-8, 5);
        Assert.Equal(expected, obs);
        for (int s = 0; s < 20; s++)
        {
            rawObs = raw.Step(new float[] { s % 3 }).Obs;
            env.Step(new float[] { s % 3 }, obs);
            reference.Update(rawObs);
            reference.Normalize(rawObs, expected, 1e-8, 5);
            Assert.Equal(expected, obs);
        }
        env.Training = false;
        double count = env.Statistics.Count;
        env.Step(new float[] { 0 }, obs);
        Assert.Equal(count, env.Statistics.Count);
    }

    [Fact]
    public void NormalizeObservation_save_load_round_trip_gives_identical_observations()
    {
        using var a = new NormalizeObservation(new CounterEnv(7, obsSize: 4));
        var obs = new float[4];
        a.Reset(obs, seed: 1);
        for (int s = 0; s < 40; s++) if (a.Step(new float[] { 1 }, obs).Done) a.Reset(obs);
        var ms = new MemoryStream();
        a.SaveState(ms);
        ms.Position = 0;
        using var b = new NormalizeObservation(new CounterEnv(7, obsSize: 4));
        b.LoadState(ms);
        Assert.Equal(a.Statistics.Mean, b.Statistics.Mean);
        Assert.Equal(a.Statistics.Var, b.Statistics.Var);
        Assert.Equal(a.Statistics.Count, b.Statistics.Count);
        a.Training = b.Training = false;
        var oa = new float[4];
        var ob = new float[4];
        a.Reset(oa, seed: 5);
        b.Reset(ob, seed: 5);
        Assert.Equal(oa, ob);
        for (int s = 0; s < 5; s++)
        {
            a.Step(new float[] { 2 }, oa);
            b.Step(new float[] { 2 }, ob);
            Assert.Equal(oa, ob);
        }
        ms.Position = 0;
        using var c = new NormalizeObservation(new CounterEnv(7, obsSize: 3));
        Assert.Throws<InvalidDataException>(() => c.LoadState(ms));
    }

    [Fact]
    public void VectorNormalizeObservation_updates_from_whole_batches_and_normalizes_final_rows()
    {
        using var vec = new VectorNormalizeObservation(new SyncVectorEnv(() => new CounterEnv(3, 6), 4));
        var reference = new RunningMeanStd(3);
        vec.Reset(seed: 2);
        reference.UpdateBatch(vec.RawObservations);
        var expected = new float[12];
        bool sawFinal = false;
        for (int s = 0; s < 30; s++)
        {
            vec.Step(new float[4]);
            reference.UpdateBatch(vec.RawObservations);
            reference.Normalize(vec.RawObservations, expected);
            Assert.Equal(expected, vec.Observations);
            var inner = vec.Inner;
            for (int i = 0; i < 4; i++)
                if (vec.Terminated[i] || vec.Truncated[i])
                {
                    sawFinal = true;
                    var f = new float[3];
                    reference.Normalize(inner.FinalObservations.AsSpan(i * 3, 3), f);
                    Assert.Equal(f, vec.FinalObservations.AsSpan(i * 3, 3).ToArray());
                }
        }
        Assert.True(sawFinal);
        Assert.Equal(reference.Mean, vec.Statistics.Mean);
        Assert.Equal(4 * 31 + 1e-4, vec.Statistics.Count, 9);
    }

    // ---------- ScaleReward ----------

    [Fact]
    public void ScaleReward_divides_by_std_of_discounted_return_computed_by_hand()
    {
        // γ = 0.5, rewards 1, 2, 3 → G = 1, 2.5, 4.25; then a new episode 1, 2, 3 → G restarts at 1.
        using var env = new ScaleReward(new ScriptedRewardEnv(1, 2, 3), gamma: 0.5, epsilon: 1e-8);
        var obs = new float[1];
        var gs = new[] { 1.0, 2.5, 4.25, 1.0, 2.5, 4.25 };
        var rewards = new[] { 1.0, 2.0, 3.0, 1.0, 2.0, 3.0 };
        // The RMS starts as ε = 1e-4 pseudo-samples of mean 0 and variance 1 (second moment 1).
        const double prior = 1e-4;
        double s = 0, s2 = 0;
        var got = new double[6];
        env.Reset(obs, seed: 0);
        for (int t = 0; t < 6; t++)
        {
            if (t == 3) env.Reset(obs);
            var r = env.Step(new float[1], obs);
            got[t] = r.Reward;
            s += gs[t];
            s2 += gs[t] * gs[t];
            double c = prior + t + 1, mean = s / c, var = (prior + s2) / c - mean * mean;
            Assert.Equal(gs[t], env.DiscountedReturn, 12);
            Assert.Equal(rewards[t] / Math.Sqrt(var + 1e-8), r.Reward, 9);
        }
        // Literally: after G = 1, mean = 1/1.0001 and second moment (1e-4 + 1)/1.0001 = 1, so
        // var = 1 - (1/1.0001)² = 1.99970004e-4 and the first reward is 1/sqrt(1.99970004e-4 + 1e-8) ≈ 70.7144.
        Assert.Equal(70.7144, got[0], 3);
        Assert.Equal(1 / Math.Sqrt(1.99970004e-4 + 1e-8), got[0], 4);
    }

    [Fact]
    public void ScaleReward_state_round_trips_and_training_false_freezes()
    {
        using var a = new ScaleReward(new ScriptedRewardEnv(1, -2, 3, 0.5));
        var obs = new float[1];
        a.Reset(obs, seed: 0);
        a.Step(new float[1], obs);
        a.Step(new float[1], obs);
        var ms = new MemoryStream();
        a.SaveState(ms);
        ms.Position = 0;
        using var b = new ScaleReward(new ScriptedRewardEnv(1, -2, 3, 0.5));
        b.LoadState(ms);
        Assert.Equal(a.DiscountedReturn, b.DiscountedReturn);
        Assert.Equal(a.ReturnStatistics.Var, b.ReturnStatistics.Var);
        b.Training = false;
        b.Reset(obs);
        double count = b.ReturnStatistics.Count;
        double r = b.Step(new float[1], obs).Reward;
        Assert.Equal(count, b.ReturnStatistics.Count);
        Assert.Equal(1 / Math.Sqrt(a.ReturnStatistics.Var[0] + 1e-8), r, 12);
    }

    // ---------- FrameStack ----------

    [Fact]
    public void FrameStack_orders_oldest_first_and_pads_with_the_reset_observation()
    {
        var inner = new CounterEnv(10);
        using var env = new FrameStack(inner, 3);
        var space = Assert.IsType<Box>(env.ObservationSpace);
        Assert.Equal(new[] { 3, 3 }, space.Shape);
        Assert.Equal(new float[] { 1000, 1001, 1002, 1000, 1001, 1002, 1000, 1001, 1002 }, space.High);
        var obs = new float[9];
        env.Reset(obs, seed: 4);
        float s = (float)inner.Start;
        var o0 = new[] { s, s, 0f };
        Assert.Equal(o0.Concat(o0).Concat(o0), obs);
        env.Step(new float[] { 1 }, obs);
        var o1 = new[] { 1 + s, s, 1f };
        Assert.Equal(o0.Concat(o0).Concat(o1), obs);
        Array.Fill(obs, -7f); // the caller may scribble on its buffer
        env.Step(new float[] { 2 }, obs);
        var o2 = new[] { 2 + s, s, 2f };
        Assert.Equal(o0.Concat(o1).Concat(o2), obs);
        env.Step(new float[] { 0 }, obs);
        var o3 = new[] { 3 + s, s, 0f };
        Assert.Equal(o1.Concat(o2).Concat(o3), obs);
        Assert.True(space.Contains(obs));
        env.Reset(obs);
        float s2 = (float)inner.Start;
        var n0 = new[] { s2, s2, 0f };
        Assert.Equal(n0.Concat(n0).Concat(n0), obs);
    }

    // ---------- MaskObservation / FlickerObservation ----------

    [Fact]
    public void MaskObservation_removes_hidden_dims_with_their_bounds()
    {
        var inner = new CounterEnv(10, obsSize: 4);
        using var env = new MaskObservation(inner, new[] { 3, 1 });
        var space = Assert.IsType<Box>(env.ObservationSpace);
        Assert.Equal(new[] { 2 }, space.Shape);
        Assert.Equal(new float[] { 1000, 1002 }, space.High);
        Assert.Equal(new float[] { -1000, -1000 }, space.Low);
        Assert.Equal(new[] { 0, 2 }, env.KeptIndices);
        var obs = new float[2];
        env.Reset(obs, seed: 3);
        float s = (float)inner.Start;
        Assert.Equal(new[] { s, 0f }, obs);
        env.Step(new float[] { 2 }, obs);
        Assert.Equal(new[] { 1 + s, 2f }, obs);
    }

    [Fact]
    public void MaskObservation_zero_mode_keeps_the_shape_and_zeroes_hidden_dims()
    {
        var inner = new CounterEnv(10, obsSize: 4);
        using var env = new MaskObservation(inner, new[] { 0 }, zero: true);
        var space = Assert.IsType<Box>(env.ObservationSpace);
        Assert.Equal(new[] { 4 }, space.Shape);
        Assert.Equal(new float[] { 0, 1001, 1002, 1003 }, space.High);
        Assert.Equal(new float[] { 0, -1000, -1000, -1000 }, space.Low);
        var obs = new float[4];
        env.Reset(obs, seed: 3);
        env.Step(new float[] { 2 }, obs);
        float s = (float)inner.Start;
        Assert.Equal(new[] { 0f, s, 2f, 0f }, obs);
        Assert.True(space.Contains(obs));
    }

    [Fact]
    public void MaskObservation_rejects_bad_indices()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskObservation(new CounterEnv(), new[] { 3 }));
        Assert.Throws<ArgumentException>(() => new MaskObservation(new CounterEnv(), new[] { 1, 1 }));
        Assert.Throws<ArgumentException>(() => new MaskObservation(new CounterEnv(), new[] { 0, 1, 2 }));
    }

    [Fact]
    public void FlickerObservation_blanks_at_the_requested_rate_and_is_reproducible()
    {
        const double p = 0.3;
        const int n = 20000;
        using var env = new FlickerObservation(new CounterEnv(100), p);
        var obs = new float[3];
        env.Reset(obs, seed: 11);
        var pattern = new bool[n];
        int blanks = 0;
        for (int t = 0; t < n; t++)
        {
            if (env.Step(new float[] { 1 }, obs).Done) env.Reset(obs);
            pattern[t] = obs.All(v => v == 0);
            Assert.Equal(env.LastFlickered, pattern[t]);
            if (pattern[t]) blanks++;
        }
        double sigma = Math.Sqrt(p * (1 - p) / n); // ≈ 0.0032
        Assert.InRange(blanks / (double)n, p - 5 * sigma, p + 5 * sigma);

        using var again = new FlickerObservation(new CounterEnv(100), p);
        again.Reset(obs, seed: 11);
        for (int t = 0; t < n; t++)
        {
            if (again.Step(new float[] { 1 }, obs).Done) again.Reset(obs);
            Assert.Equal(pattern[t], obs.All(v => v == 0));
        }
    }

    [Fact]
    public void FlickerObservation_extremes_and_space_contains_zero()
    {
        using var never = new FlickerObservation(new CounterEnv(100), 0);
        using var always = new FlickerObservation(new CounterEnv(100), 1);
        var obs = new float[3];
        never.Reset(obs, seed: 1);
        always.Reset(obs, seed: 1);
        Assert.All(obs, v => Assert.Equal(0f, v));
        for (int t = 0; t < 50; t++)
        {
            never.Step(new float[] { 1 }, obs);
            Assert.NotEqual(0f, obs[0]);
            always.Step(new float[] { 1 }, obs);
            Assert.All(obs, v => Assert.Equal(0f, v));
        }
        using var positive = new FlickerObservation(new BoundedObsEnv());
        Assert.Equal(0f, ((Box)positive.ObservationSpace).Low[0]);
    }

    private sealed class BoundedObsEnv : Env
    {
        public override Space ObservationSpace { get; } = new Box(1f, 2f, new[] { 1 });
        public override Space ActionSpace { get; } = new Discrete(1);
        protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs) { obs[0] = 1; return null; }
        protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs) { obs[0] = 1; return new(0, false, false); }
    }

    // ---------- ClipAction / RescaleAction ----------

    [Fact]
    public void ClipAction_clips_to_the_inner_bounds()
    {
        var inner = new CounterEnv(10, boxActionDim: 3);
        using var env = new ClipAction(inner);
        var space = Assert.IsType<Box>(env.ActionSpace);
        Assert.All(space.High, h => Assert.Equal(float.PositiveInfinity, h));
        var obs = new float[3];
        env.Reset(obs, seed: 0);
        env.Step(new float[] { -5, 1.5f, 100 }, obs);
        Assert.Equal(new float[] { -2, 1.5f, 2 }, inner.LastAction);
        Assert.Throws<ArgumentException>(() => env.Step(new float[] { 0, 0 }, obs));
    }

    [Fact]
    public void RescaleAction_maps_minus_one_one_onto_the_inner_bounds()
    {
        var inner = new AsymmetricBoxActionEnv();
        using var env = new RescaleAction(inner);
        var space = Assert.IsType<Box>(env.ActionSpace);
        Assert.Equal(new float[] { -1, -1 }, space.Low);
        Assert.Equal(new float[] { 1, 1 }, space.High);
        var obs = new float[1];
        env.Reset(obs, seed: 0);
        env.Step(new float[] { -1, 1 }, obs);
        Assert.Equal(new float[] { 0, 2 }, inner.LastAction);
        env.Step(new float[] { 1, -1 }, obs);
        Assert.Equal(new float[] { 10, -6 }, inner.LastAction);
        env.Step(new float[] { 0, 0.5f }, obs);
        Assert.Equal(new float[] { 5, 0 }, inner.LastAction);
        Assert.Throws<ArgumentException>(() => env.Step(new float[] { 1.01f, 0 }, obs));

        using var custom = new RescaleAction(new AsymmetricBoxActionEnv(), 0, 4);
        custom.Reset(obs, seed: 0);
        custom.Step(new float[] { 1, 1 }, obs);
        Assert.Equal(new float[] { 2.5f, -4 }, ((AsymmetricBoxActionEnv)custom.Inner).LastAction);
    }

    private sealed class AsymmetricBoxActionEnv : Env
    {
        public float[] LastAction { get; } = new float[2];
        public override Space ObservationSpace { get; } = new Box(-1f, 1f, new[] { 1 });
        public override Space ActionSpace { get; } = new Box(new float[] { 0, -6 }, new float[] { 10, 2 });
        protected override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs) { obs[0] = 0; return null; }
        protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
        {
            action.CopyTo(LastAction);
            obs[0] = 0;
            return new(0, false, false);
        }
    }

    // ---------- allocation ----------

    [Fact]
    public void Wrapped_copies_step_without_allocating()
    {
        Func<IEnv> discrete = () =>
            new FrameStack(new FlickerObservation(new MaskObservation(new ScaleReward(new NormalizeObservation(new CounterEnv(5, 30, obsSize: 4))), new[] { 1 })), 4);
        Func<IEnv> box = () => new ClipAction(new RescaleAction(new CounterEnv(5, 30, boxActionDim: 2)));
        using var v1 = new VectorNormalizeObservation(new SyncVectorEnv(discrete, 4));
        using var v2 = new SyncVectorEnv(box, 4);
        v1.Reset(seed: 0);
        v2.Reset(seed: 0);
        var a1 = new float[4];
        var a2 = new float[] { 0.5f, -0.5f, 1, -1, 0, 0, 0.25f, 0.75f };
        for (int s = 0; s < 2000; s++) { v1.Step(a1); v2.Step(a2); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 10000; s++) { v1.Step(a1); v2.Step(a2); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
