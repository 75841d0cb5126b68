using Astromech.Nn;
using Astromech.Replay;
using static TorchSharp.torch;

namespace Astromech.Agents.R2d2;

/// <summary>ΔQ of one start-state strategy, averaged over the measured sequences.</summary>
/// <param name="FirstStep">Mean ΔQ at the first trained step (step burn_in for the burn-in strategies, step 0 otherwise).</param>
/// <param name="LastStep">Mean ΔQ at the last real step of each sequence.</param>
/// <param name="Sequences">Sequences measured (the means' count).</param>
/// <param name="Eligible">Sequences that could have been measured (not starting an episode, with their whole episode prefix in
/// the given sequences and more than burn-in real steps); at most maxSequences of them, spread evenly, are measured.</param>
public sealed record StalenessResult(StartState Strategy, double FirstStep, double LastStep, int Sequences, int Eligible = 0);

/// <summary>
/// The representational-drift diagnostic of Kapturowski et al. (2019, §3, Fig. 1b): for replayed sequences,
/// ΔQ = ‖q(ŝ_t; θ) − q(s_t; θ)‖₂ / |max_{a,j} q(s_j; θ)_a|, where s_t is the "true" recurrent state (the current
/// network θ unrolled from the start of the episode) and ŝ_t the state a start-state strategy gives (zero or
/// stored at the sequence's first step, then optionally a burn-in), measured at the first trained step and at
/// the last step; the max in the normaliser runs over actions and the sequence's real steps.
/// <para>The true state needs the episode's steps before the sequence. They are taken from the other stored
/// sequences of the same episode: sequences start every period = L − overlap steps, so the sequences at
/// 0, period, …, k·period − period hold every step before one at k·period. Sequences whose chain is incomplete
/// (evicted from replay, or dropped as too short) are skipped, as are sequences that start an episode (their
/// true state is the zero state, which every strategy gets right).</para>
/// </summary>
public static class QStaleness
{
    /// <param name="net">The current network θ (not modified; run without gradient).</param>
    /// <param name="sequences">Replayed sequences (e.g. <see cref="SequenceReplay.Snapshot"/>), all of one shape.</param>
    /// <param name="period">sequence_length − overlap, the spacing of sequence starts within an episode.</param>
    /// <param name="burnIn">The burn-in of the zero_burnin and stored_burnin strategies.</param>
    /// <param name="maxSequences">At most this many sequences are measured: all eligible ones when there are no more, else
    /// this many spread evenly over the eligible ones in the given order (for a replay snapshot: over the sequences' ages,
    /// oldest to newest, so the mean is not only that of the stalest sequences).</param>
    public static IReadOnlyList<StalenessResult> Measure(RecurrentQNetwork net, IReadOnlyList<SequenceItem> sequences, int period, int burnIn, int maxSequences = 256)
    {
        if (period < 1) throw new ArgumentOutOfRangeException(nameof(period), period, "period (sequence_length − overlap) must be ≥ 1");
        if (burnIn < 0) throw new ArgumentOutOfRangeException(nameof(burnIn), burnIn, "burn-in must be ≥ 0");
        if (maxSequences < 1) throw new ArgumentOutOfRangeException(nameof(maxSequences), maxSequences, "maxSequences must be ≥ 1");
        var byStart = new Dictionary<(long, int), SequenceItem>();
        foreach (var s in sequences) byStart[(s.EpisodeId, s.EpisodeStep)] = s;
        var strategies = new[] { StartState.Zero, StartState.ZeroBurnin, StartState.Stored, StartState.StoredBurnin };
        var first = new double[4];
        var last = new double[4];
        var eligible = sequences.Where(s => s.EpisodeStep != 0 && s.EpisodeStep % period == 0 && s.ValidSteps > burnIn
            && Chain(byStart, s, period) is not null).ToList();
        var picked = eligible.Count <= maxSequences ? eligible
            : Enumerable.Range(0, maxSequences).Select(i => eligible[(int)((long)i * eligible.Count / maxSequences)]).ToList();
        int measured = 0;
        using var _ = no_grad();
        foreach (var s in picked)
        {
            var (hTrue, cTrue) = TrueState(net, Chain(byStart, s, period)!, s.EpisodeStep, period);
            using var scope = NewDisposeScope();
            var (obs, pa, pr) = Inputs(s);
            var qTrue = net.Unroll(obs, pa, pr, tensor(hTrue, new long[] { 1, net.LstmSize }), tensor(cTrue, new long[] { 1, net.LstmSize })).Q.squeeze(1);
            double norm = qTrue.max().item<float>();
            norm = Math.Abs(norm) > 1e-8 ? Math.Abs(norm) : 1e-8;
            for (int k = 0; k < 4; k++)
            {
                bool stored = strategies[k] is StartState.Stored or StartState.StoredBurnin;
                int from = strategies[k] is StartState.ZeroBurnin or StartState.StoredBurnin ? burnIn : 0;
                var h0 = stored ? tensor(s.H, new long[] { 1, net.LstmSize }) : zeros(1, net.LstmSize);
                var c0 = stored ? tensor(s.C, new long[] { 1, net.LstmSize }) : zeros(1, net.LstmSize);
                var q = net.Unroll(obs, pa, pr, h0, c0).Q.squeeze(1);
                first[k] += Delta(q, qTrue, from) / norm;
                last[k] += Delta(q, qTrue, s.ValidSteps - 1) / norm;
            }
            measured++;
        }
        return strategies.Select((st, k) => new StalenessResult(st,
            measured == 0 ? double.NaN : first[k] / measured, measured == 0 ? double.NaN : last[k] / measured, measured, eligible.Count)).ToArray();
    }

    private static double Delta(Tensor q, Tensor qTrue, int t) => q[t].sub(qTrue[t]).Squared().sum().sqrt().item<float>();

    /// <summary>The sequence's real steps as [V, 1] network inputs.</summary>
    private static (Tensor Obs, Tensor PrevActions, Tensor PrevRewards) Inputs(SequenceItem s, int? steps = null)
    {
        int v = steps ?? s.ValidSteps, O = s.ObsSize;
        var pa = new long[v];
        var pr = new float[v];
        for (int t = 0; t < v; t++)
        {
            pa[t] = t == 0 ? s.PrevAction : s.Actions[t - 1];
            pr[t] = t == 0 ? s.PrevReward : s.Rewards[t - 1];
        }
        return (tensor(s.Obs.AsSpan(0, v * O).ToArray(), new long[] { v, 1, O }), tensor(pa, new long[] { v, 1 }), tensor(pr, new long[] { v, 1 }));
    }

    /// <summary>The sequences at 0, period, … before <paramref name="s"/> in its episode, or null when one is missing or too short.</summary>
    private static List<SequenceItem>? Chain(Dictionary<(long, int), SequenceItem> byStart, SequenceItem s, int period)
    {
        var chain = new List<SequenceItem>();
        for (int start = 0; start < s.EpisodeStep; start += period)
        {
            if (!byStart.TryGetValue((s.EpisodeId, start), out var prev) || prev.ValidSteps < Math.Min(period, s.EpisodeStep - start)) return null;
            chain.Add(prev);
        }
        return chain;
    }

    /// <summary>The network's state before episode step <paramref name="episodeStep"/>, unrolled from the episode's start over <paramref name="chain"/>.</summary>
    private static (float[] H, float[] C) TrueState(RecurrentQNetwork net, List<SequenceItem> chain, int episodeStep, int period)
    {
        var h = new float[net.LstmSize];
        var c = new float[net.LstmSize];
        using var scope = NewDisposeScope();
        var (ht, ct) = net.ZeroState(1);
        for (int i = 0; i < chain.Count; i++)
        {
            int steps = Math.Min(period, episodeStep - i * period);
            var (obs, pa, pr) = Inputs(chain[i], steps);
            (_, ht, ct) = net.Unroll(obs, pa, pr, ht, ct);
        }
        ht.data<float>().CopyTo(h);
        ct.data<float>().CopyTo(c);
        return (h, c);
    }
}

/// <summary>The sequence layout a staleness measurement ran over: sequence length, overlap and burn-in, and the start state the agent trains from.</summary>
public sealed record SequenceLayout(int SequenceLength, int Overlap, int BurnIn, StartState TrainedStartState);

/// <summary>
/// An agent the <c>staleness</c> diagnostic can measure (its descriptor lists "staleness" in
/// <see cref="AlgorithmInfo.Diagnostics"/>): a recurrent Q-network trained from a sequence replay that stores the
/// actors' recurrent states. R2D2 is one; any recurrent replay agent can be.
/// </summary>
public interface IStalenessDiagnostic
{
    SequenceLayout Layout { get; }
    /// <summary>Sequences in replay now.</summary>
    int ReplayCount { get; }
    long Updates { get; }
    IReadOnlyList<StalenessResult> MeasureStaleness(int maxSequences = 256);
}
