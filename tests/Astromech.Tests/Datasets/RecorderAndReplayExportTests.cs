using Astromech.Datasets;
using Astromech.Envs.Registry;
using Astromech.Envs.Spaces;
using Astromech.Replay;

namespace Astromech.Tests.Datasets;

public class RecorderAndReplayExportTests
{
    [Fact]
    public void RecordingKeepsEnvFlagsAndTrueNextObservations()
    {
        using var env = EnvRegistry.Make("CartPole-v1");
        var d = DatasetRecorder.Record(env, null, new RecordOptions(Episodes: 4, Seed: 5));
        Assert.True(d.IntegerActions);
        var eps = d.Episodes();
        Assert.Equal(4, eps.Count);
        foreach (var (start, end) in eps)
        {
            Assert.True(d.EndsEpisode(end - 1));
            for (int i = start; i < end - 1; i++)
            {
                Assert.False(d.EndsEpisode(i));
                Assert.Equal(d.NextObservation(i).ToArray(), d.Observation(i + 1).ToArray());
            }
        }
        Assert.All(d.Actions, a => Assert.True(a is 0f or 1f));
        // CartPole's random episodes end by falling over (terminal), not by the 500-step limit.
        Assert.True(d.Terminals.Count(t => t) == 4);
        Assert.Equal("CartPole-v1", d.EnvId);
        Assert.Contains("\"Discrete\"", d.Metadata["action_space"]);

        using var env2 = EnvRegistry.Make("CartPole-v1");
        var again = DatasetRecorder.Record(env2, null, new RecordOptions(Episodes: 4, Seed: 5));
        Assert.Equal(d.Observations, again.Observations); // one seed, one recording
        Assert.Equal(d.Actions, again.Actions);
    }

    [Fact]
    public void NoiseIsClippedToTheBoxAndEpsilonReplacesActions()
    {
        using var env = EnvRegistry.Make("Pendulum-v1");
        // A policy at the upper bound: Gaussian noise must never push it past 2.
        var noisy = DatasetRecorder.Record(env, (_, a) => a[0] = 2f, new RecordOptions(Episodes: 1, Seed: 0, NoiseStd: 0.5));
        Assert.All(noisy.Actions, a => Assert.InRange(a, -2f, 2f));
        Assert.Contains(noisy.Actions, a => a < 2f);
        Assert.Equal(200, noisy.Count);
        Assert.True(noisy.Timeouts[199]);
        var clean = DatasetRecorder.Record(env, (_, a) => a[0] = 1.25f, new RecordOptions(Episodes: 1, Seed: 0));
        Assert.All(clean.Actions, a => Assert.Equal(1.25f, a));
        var eps = DatasetRecorder.Record(env, (_, a) => a[0] = 1.25f, new RecordOptions(Episodes: 1, Seed: 0, Epsilon: 0.5));
        int replaced = eps.Actions.Count(a => a != 1.25f);
        Assert.InRange(replaced, 60, 140); // ≈ 100 of 200 steps
        Assert.Throws<ArgumentException>(() => DatasetRecorder.Record(EnvRegistry.Make("CartPole-v1"), (_, a) => a[0] = 0, new RecordOptions(1, NoiseStd: 0.1)));
    }

    [Fact]
    public void MuJoCoRowsCarryTheStateOfTheirObservation()
    {
        using var env = EnvRegistry.Make("InvertedPendulum-v5");
        var d = DatasetRecorder.Record(env, null, new RecordOptions(Episodes: 2, Seed: 1));
        var qpos = d.Infos["qpos"];
        var qvel = d.Infos["qvel"];
        // InvertedPendulum's observation is (qpos, qvel): the info of row i must be the state observation i shows.
        for (int i = 0; i < d.Count; i++)
        {
            Assert.Equal(d.Observation(i)[..2].ToArray(), qpos.AsSpan(2 * i, 2).ToArray());
            Assert.Equal(d.Observation(i)[2..].ToArray(), qvel.AsSpan(2 * i, 2).ToArray());
        }
    }

    private sealed class FakeExport(TransitionReplay replay, int copies) : IReplayExport
    {
        public TransitionReplay ExportedReplay => replay;
        public int ReplayCopies => copies;
        public void ToEnvAction(ReadOnlySpan<float> stored, Span<float> envAction) => envAction[0] = 2f * stored[0];
    }

    [Fact]
    public void ExportedReplayRecoversEpisodesPerCopy()
    {
        // Two copies adding in turn. Copy 0: a terminal episode of 3 steps, then 2 steps cut by a time limit (the
        // following reset does not continue from the cut's next observation), then 2 more. Copy 1: one run of 7 steps.
        var replay = new UniformReplay(100, 1, 1);
        float[] o0 = { 0, 1, 2, 10, 11, 20, 21 }, n0 = { 1, 2, 3, 11, 12, 21, 22 };
        float[] d0 = { 0.99f, 0.99f, 0f, 0.99f, 0.99f, 0.99f, 0.99f };
        for (int t = 0; t < 7; t++)
        {
            replay.Add(new[] { o0[t] }, new[] { 0.25f }, t, d0[t], new[] { n0[t] });
            replay.Add(new[] { 100f + t }, new[] { -0.5f }, 100 + t, 0.99f, new[] { 101f + t });
        }
        var d = ReplayDataset.From(new FakeExport(replay, 2));
        Assert.Equal(14, d.Count);
        Assert.Equal(o0.Concat(Enumerable.Range(0, 7).Select(t => 100f + t)), d.Observations);
        Assert.Equal(new[] { false, false, true, false, false, false, false, false, false, false, false, false, false, false }, d.Terminals);
        // Row 4 (next 12) is followed by 20: a cut. Each copy's last row closes as a timeout.
        Assert.Equal(new[] { false, false, false, false, true, false, true, false, false, false, false, false, false, true }, d.Timeouts);
        Assert.Equal(0.5f, d.Actions[0]); // mapped back to the env's action
        Assert.Equal(-1f, d.Actions[7]);
        Assert.Equal(4, d.Episodes().Count);
    }

    [Fact]
    public void D4rlNormalisedScoreUsesTheReferenceReturns()
    {
        Assert.Equal(0.0, D4rlReference.NormalizedScore("HalfCheetah-v5", -280.178953)!.Value, 9);
        Assert.Equal(100.0, D4rlReference.NormalizedScore("HalfCheetah-v5", 12135.0)!.Value, 9);
        Assert.Equal(100.0 * (1000 + 20.272305) / (3234.3 + 20.272305), D4rlReference.NormalizedScore("Hopper-v5", 1000)!.Value, 9);
        Assert.Null(D4rlReference.NormalizedScore("Pendulum-v1", -150));
        Assert.Null(D4rlReference.NormalizedScore(null, 0));
    }
}
