using Astromech.Adders;
using Astromech.Replay;

namespace Astromech.Tests.Adders;

public class SequenceAdderTests
{
    // Observations encode (episode, step) so every stored row can be traced back: obs = [episode, step].
    private static float[] Obs(int episode, int step) => new[] { (float)episode, (float)step };
    // The "state" before step t is [episode·1000 + t], so the stored state names the step it belongs to.
    private static float[] State(int episode, int step) => new[] { episode * 1000f + step };

    /// <summary>Feeds episodes of the given lengths (ending by termination unless listed as truncated) into one adder.</summary>
    private static SequenceReplay Run(int length, int overlap, int[] episodeLengths, int minSteps = 1, bool[]? truncated = null)
    {
        var replay = new SequenceReplay(1000, length, obsSize: 2, stateSize: 1);
        var adder = new SequenceAdder(replay, length, overlap, minSteps);
        for (int e = 0; e < episodeLengths.Length; e++)
            for (int t = 0; t < episodeLengths[e]; t++)
            {
                bool last = t == episodeLengths[e] - 1;
                bool trunc = last && truncated is not null && truncated[e];
                adder.Observe(Obs(e, t), State(e, t), State(e, t), action: (t + e) % 3, reward: 10 * e + t,
                    terminated: last && !trunc, truncated: trunc, nextObs: Obs(e, t + 1));
            }
        return replay;
    }

    private static List<SequenceItem> All(SequenceReplay r) => r.Snapshot();

    [Fact]
    public void CutsOverlappingSequencesThatStartEveryPeriodAndNeverCrossEpisodes()
    {
        // L = 6, overlap 2 → a new sequence every 4 steps. Episode 0 has 13 steps: sequences at 0, 4, 8, 12.
        // Episode 1 has 5 steps: sequences at 0 and 4.
        var seqs = All(Run(6, 2, new[] { 13, 5 }));
        var starts = seqs.Select(s => (s.EpisodeId, s.EpisodeStep, s.ValidSteps)).OrderBy(x => x).ToList();
        Assert.Equal(new[] { (0L, 0, 6), (0L, 4, 6), (0L, 8, 5), (0L, 12, 1), (1L, 0, 5), (1L, 4, 1) }, starts);
        foreach (var s in seqs)
            for (int t = 0; t < s.ValidSteps; t++)
            {
                // Every real step belongs to the sequence's own episode, at consecutive steps.
                Assert.Equal(s.EpisodeId, (long)s.Obs[t * 2]);
                Assert.Equal(s.EpisodeStep + t, (int)s.Obs[t * 2 + 1]);
                Assert.Equal(10 * s.EpisodeId + s.EpisodeStep + t, s.Rewards[t]);
            }
        // Consecutive sequences of an episode share exactly the overlap: steps 4, 5 are in both 0 and 4.
        var first = seqs.Single(s => s.EpisodeId == 0 && s.EpisodeStep == 0);
        var second = seqs.Single(s => s.EpisodeId == 0 && s.EpisodeStep == 4);
        Assert.Equal(first.Obs.AsSpan(4 * 2, 2 * 2).ToArray(), second.Obs.AsSpan(0, 2 * 2).ToArray());
    }

    [Fact]
    public void StoresTheStateAndPreviousInputsOfTheSequencesFirstStep()
    {
        var seqs = All(Run(6, 2, new[] { 13, 5 }));
        foreach (var s in seqs)
        {
            Assert.Equal(s.EpisodeId * 1000f + s.EpisodeStep, s.H[0]);
            Assert.Equal(s.EpisodeId * 1000f + s.EpisodeStep, s.C[0]);
            if (s.EpisodeStep == 0)
            {
                Assert.Equal(-1, s.PrevAction);
                Assert.Equal(0f, s.PrevReward);
            }
            else
            {
                int prev = s.EpisodeStep - 1;
                Assert.Equal((int)((prev + s.EpisodeId) % 3), s.PrevAction);
                Assert.Equal(10f * s.EpisodeId + prev, s.PrevReward);
            }
        }
    }

    [Fact]
    public void PadsTheTailAfterTheBootstrapObservationAndFlagsTermination()
    {
        var seqs = All(Run(6, 2, new[] { 13 }));
        var tail = seqs.Single(s => s.EpisodeStep == 8); // steps 8..12, then the final observation
        Assert.Equal(5, tail.ValidSteps);
        Assert.Equal(new float[] { 0, 13 }, tail.Obs.AsSpan(5 * 2, 2).ToArray()); // final observation after step 12
        Assert.All(tail.Obs.AsSpan(6 * 2).ToArray(), v => Assert.Equal(0f, v)); // padding row
        Assert.Equal(0f, tail.Rewards[5]);
        Assert.Equal(new[] { false, false, false, false, true, false }, tail.Terminal);
        Assert.False(tail.EndsNonTerminal);
        var full = seqs.Single(s => s.EpisodeStep == 0);
        Assert.Equal(new float[] { 0, 6 }, full.Obs.AsSpan(6 * 2, 2).ToArray()); // next observation after step 5
        Assert.DoesNotContain(true, full.Terminal);

        var batch = new SequenceBatch(1, 6, 2, 1);
        batch.SetRow(0, tail);
        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 0 }, batch.Mask);
        Assert.Equal(new long[] { 1, 2, 0, 1, 2, 0, -1 }.Take(6), batch.PrevActions.Take(6)); // step 8 follows action of step 7 = 7 % 3
    }

    [Fact]
    public void TruncationIsNotTerminalSoTheLastStepBootstraps()
    {
        var seqs = All(Run(6, 2, new[] { 3 }, truncated: new[] { true }));
        var s = Assert.Single(seqs);
        Assert.Equal(3, s.ValidSteps);
        Assert.DoesNotContain(true, s.Terminal);
        Assert.True(s.EndsNonTerminal);
        Assert.Equal(new float[] { 0, 3 }, s.Obs.AsSpan(3 * 2, 2).ToArray());
    }

    [Fact]
    public void DropsShortTailsThatWouldBeAllBurnInButKeepsEpisodeStarts()
    {
        // With minSteps 3 (burn-in 2), the 1-step tails at steps 12 and 4 go; the 2-step episode's only sequence stays.
        var replay = Run(6, 2, new[] { 13, 5, 2 }, minSteps: 3);
        var seqs = All(replay);
        Assert.DoesNotContain(seqs, s => s.ValidSteps < 3 && s.EpisodeStep != 0);
        Assert.Contains(seqs, s => s.EpisodeId == 2 && s.EpisodeStep == 0 && s.ValidSteps == 2);
        Assert.Equal(5, seqs.Count);
    }

    [Fact]
    public void VectorAdderTakesEachCopysNextObservationFromTheRightBuffer()
    {
        var replay = new SequenceReplay(100, 4, 2, 1);
        var adder = new VectorSequenceAdder(2, replay, 4, 0);
        var obs = new float[] { 0, 0, 1, 0 };
        var h = new float[] { 5, 6 };
        var observations = new float[] { 9, 9, 1, 1 };      // copy 0 was reset: this is its new episode's first obs
        var final = new float[] { 7, 7, -1, -1 };           // copy 0's final observation
        adder.Add(obs, h, h, new float[] { 1, 0 }, new float[] { 1, 2 }, new[] { false, false }, new[] { true, false }, observations, final);
        var s = Assert.Single(replay.Snapshot());
        Assert.Equal(new float[] { 7, 7 }, s.Obs.AsSpan(2, 2).ToArray());
        Assert.Equal(5f, s.H[0]);
        Assert.Equal(1, adder[1].EpisodeStep);
        Assert.Equal(0, adder[0].EpisodeStep);
        Assert.NotEqual(adder[0].EpisodeId, adder[1].EpisodeId);
    }

    [Fact]
    public void RejectsAnOverlapAsLongAsTheSequence()
    {
        var replay = new SequenceReplay(10, 4, 2, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceAdder(replay, 4, 4));
        Assert.Contains("overlap", e.Message);
    }
}
