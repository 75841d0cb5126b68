using Astromech.Cluster.Serialization;

namespace Astromech.Cluster.Messages;

/// <summary>
/// A message between Astromech roles (actor, replay, learner, parameter source). Every one is bound to the
/// <see cref="AstromechSerializer"/>, which writes its fields with <see cref="WireWriter"/>: arrays as raw bytes.
/// </summary>
public interface IAstromechMessage
{
    /// <summary>Bytes <see cref="Write"/> will write.</summary>
    int WireSize { get; }
    void Write(ref WireWriter w);
}

// ---- replay shard ----

/// <summary>Actor → replay: a block of n-step transitions (row-major) with one initial priority |δ| per row (or none: max priority).</summary>
public sealed record InsertTransitions(int ObsSize, int ActSize, float[] Obs, float[] Actions, float[] Rewards, float[] Discounts, float[] NextObs, float[] Priorities) : IAstromechMessage
{
    public int Rows => Rewards.Length;
    public int WireSize => 8 + WireWriter.SizeOf(Obs) + WireWriter.SizeOf(Actions) + WireWriter.SizeOf(Rewards) + WireWriter.SizeOf(Discounts) + WireWriter.SizeOf(NextObs) + WireWriter.SizeOf(Priorities);
    public void Write(ref WireWriter w)
    {
        w.Int(ObsSize); w.Int(ActSize);
        w.Array<float>(Obs); w.Array<float>(Actions); w.Array<float>(Rewards); w.Array<float>(Discounts); w.Array<float>(NextObs); w.Array<float>(Priorities);
    }
    public static InsertTransitions Read(ref WireReader r) =>
        new(r.Int(), r.Int(), r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<float>());
}

/// <summary>Replay → actor: whether the block went in (false: the rate limiter said wait; nothing was inserted), and the shard's insert count.</summary>
public sealed record InsertResult(bool Accepted, long Inserted) : IAstromechMessage
{
    public int WireSize => 9;
    public void Write(ref WireWriter w) { w.Bool(Accepted); w.Long(Inserted); }
    public static InsertResult Read(ref WireReader r) => new(r.Bool(), r.Long());
}

/// <summary>Learner → replay: sample a batch with importance exponent β.</summary>
public sealed record SampleRequest(int BatchSize, double Beta) : IAstromechMessage
{
    public int WireSize => 12;
    public void Write(ref WireWriter w) { w.Int(BatchSize); w.Double(Beta); }
    public static SampleRequest Read(ref WireReader r) => new(r.Int(), r.Double());
}

/// <summary>Replay → learner: a sampled batch (rows with their slots and keys for the priority update), or <see cref="Refused"/> when not allowed yet.</summary>
public sealed record SampledBatch(bool Refused, int ObsSize, int ActSize, bool HasWeights, int[] Indices, long[] Keys, float[] Obs, float[] Actions,
    float[] Rewards, float[] Discounts, float[] NextObs, float[] Weights) : IAstromechMessage
{
    public static SampledBatch Refusal(int obsSize, int actSize) =>
        new(true, obsSize, actSize, false, System.Array.Empty<int>(), System.Array.Empty<long>(), System.Array.Empty<float>(), System.Array.Empty<float>(),
            System.Array.Empty<float>(), System.Array.Empty<float>(), System.Array.Empty<float>(), System.Array.Empty<float>());
    public int Rows => Indices.Length;
    public int WireSize => 10 + WireWriter.SizeOf(Indices) + WireWriter.SizeOf(Keys) + WireWriter.SizeOf(Obs) + WireWriter.SizeOf(Actions) + WireWriter.SizeOf(Rewards)
        + WireWriter.SizeOf(Discounts) + WireWriter.SizeOf(NextObs) + WireWriter.SizeOf(Weights);
    public void Write(ref WireWriter w)
    {
        w.Bool(Refused); w.Int(ObsSize); w.Int(ActSize); w.Bool(HasWeights);
        w.Array<int>(Indices); w.Array<long>(Keys); w.Array<float>(Obs); w.Array<float>(Actions); w.Array<float>(Rewards); w.Array<float>(Discounts);
        w.Array<float>(NextObs); w.Array<float>(Weights);
    }
    public static SampledBatch Read(ref WireReader r) => new(r.Bool(), r.Int(), r.Int(), r.Bool(), r.Array<int>(), r.Array<long>(), r.Array<float>(),
        r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<float>());
}

/// <summary>Learner → replay: new priorities |δ| for sampled rows (slots and keys from the batch).</summary>
public sealed record UpdatePriorities(int[] Indices, long[] Keys, float[] TdErrors) : IAstromechMessage
{
    public int WireSize => WireWriter.SizeOf(Indices) + WireWriter.SizeOf(Keys) + WireWriter.SizeOf(TdErrors);
    public void Write(ref WireWriter w) { w.Array<int>(Indices); w.Array<long>(Keys); w.Array<float>(TdErrors); }
    public static UpdatePriorities Read(ref WireReader r) => new(r.Array<int>(), r.Array<long>(), r.Array<float>());
}

/// <summary>Replay → learner: rows whose priority was applied (the others were overwritten since sampled).</summary>
public sealed record PrioritiesUpdated(int Applied) : IAstromechMessage
{
    public int WireSize => 4;
    public void Write(ref WireWriter w) => w.Int(Applied);
    public static PrioritiesUpdated Read(ref WireReader r) => new(r.Int());
}

/// <summary>Anyone → replay: its size and counters.</summary>
public sealed record GetReplayStats() : IAstromechMessage
{
    public int WireSize => 0;
    public void Write(ref WireWriter w) { }
    public static GetReplayStats Read(ref WireReader r) => new();
}

/// <summary>Replay → anyone: size and counters, and the shard's <see cref="Incarnation"/> (new for each process start: a change means the table was lost).</summary>
public sealed record ReplayStatsReply(int Size, int Capacity, long Inserted, long Sampled, long PriorityUpdates, long StalePriorityUpdates, long Incarnation = 0) : IAstromechMessage
{
    public int WireSize => 48;
    public void Write(ref WireWriter w) { w.Int(Size); w.Int(Capacity); w.Long(Inserted); w.Long(Sampled); w.Long(PriorityUpdates); w.Long(StalePriorityUpdates); w.Long(Incarnation); }
    public static ReplayStatsReply Read(ref WireReader r) => new(r.Int(), r.Int(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long());
}

// ---- parameter source ----

/// <summary>Learner → parameter source: a new version of the parameters as one flat vector (<see cref="Restart"/>: a restarted learner replaces any version).</summary>
public sealed record PublishParameters(long Version, float[] Values, bool Restart = false) : IAstromechMessage
{
    public int WireSize => 9 + WireWriter.SizeOf(Values);
    public void Write(ref WireWriter w) { w.Long(Version); w.Bool(Restart); w.Array<float>(Values); }
    public static PublishParameters Read(ref WireReader r)
    {
        long v = r.Long();
        bool restart = r.Bool();
        return new(v, r.Array<float>(), restart);
    }
}

/// <summary>Parameter source → learner: the version now served.</summary>
public sealed record ParametersPublished(long Version) : IAstromechMessage
{
    public int WireSize => 8;
    public void Write(ref WireWriter w) => w.Long(Version);
    public static ParametersPublished Read(ref WireReader r) => new(r.Long());
}

/// <summary>Actor → parameter source: the newest parameters, if newer than <see cref="HaveVersion"/>.</summary>
public sealed record GetParameters(long HaveVersion) : IAstromechMessage
{
    public int WireSize => 8;
    public void Write(ref WireWriter w) => w.Long(HaveVersion);
    public static GetParameters Read(ref WireReader r) => new(r.Long());
}

/// <summary>Parameter source → actor: the newest parameters, or <see cref="UpToDate"/> with no values when the actor already has them.</summary>
public sealed record ParametersReply(bool UpToDate, long Version, float[] Values) : IAstromechMessage
{
    public int WireSize => 9 + WireWriter.SizeOf(Values);
    public void Write(ref WireWriter w) { w.Bool(UpToDate); w.Long(Version); w.Array<float>(Values); }
    public static ParametersReply Read(ref WireReader r) => new(r.Bool(), r.Long(), r.Array<float>());
}

/// <summary>A role's refusal of a request it cannot serve (shape mismatch, stale version): the message names what is wrong.</summary>
public sealed record RoleError(string Message) : IAstromechMessage
{
    private byte[] Utf8 => System.Text.Encoding.UTF8.GetBytes(Message);
    public int WireSize => WireWriter.SizeOf(Utf8);
    public void Write(ref WireWriter w) => w.Array<byte>(Utf8);
    public static RoleError Read(ref WireReader r) => new(System.Text.Encoding.UTF8.GetString(r.Array<byte>()));
}

// ---- run membership ----

/// <summary>
/// Joining node → a node of the run: "I am <see cref="Node"/> with role <see cref="Role"/> and this run spec"
/// (<see cref="RunSpec"/> as JSON). Answered with a <see cref="JoinReply"/> that refuses a node whose spec differs.
/// </summary>
public sealed record JoinRequest(string Role, string Node, string SpecJson) : IAstromechMessage
{
    public int WireSize => WireWriter.SizeOf(Role) + WireWriter.SizeOf(Node) + WireWriter.SizeOf(SpecJson);
    public void Write(ref WireWriter w) { w.String(Role); w.String(Node); w.String(SpecJson); }
    public static JoinRequest Read(ref WireReader r) => new(r.String(), r.String(), r.String());
}

/// <summary>The answer to a <see cref="JoinRequest"/>: accepted, or refused with every difference named.</summary>
public sealed record JoinReply(bool Accepted, string Reason) : IAstromechMessage
{
    public int WireSize => 1 + WireWriter.SizeOf(Reason);
    public void Write(ref WireWriter w) { w.Bool(Accepted); w.String(Reason); }
    public static JoinReply Read(ref WireReader r) => new(r.Bool(), r.String());
}

// ---- actor → learner ----

/// <summary>
/// Actor node → learner, every few hundred milliseconds: env steps, inserted blocks and refused inserts since
/// the last acknowledged report, the episodes finished meanwhile, and the parameter version the actor acts
/// with; <see cref="VersionSum"/> adds up the parameter version each inserted block was acted with, so the
/// learner's policy lag is exact per block. The learner counts the steps towards the run's budget, exactly as it
/// counts embedded actors' steps.
/// </summary>
public sealed record ActorReport(string Actor, long Sequence, long EnvSteps, long Blocks, long VersionSum, long InsertWaits, long ParameterVersion,
    double[] Returns, int[] Lengths, double StepsPerSecond) : IAstromechMessage
{
    public int WireSize => WireWriter.SizeOf(Actor) + 8 * 6 + WireWriter.SizeOf(Returns) + WireWriter.SizeOf(Lengths) + 8;
    public void Write(ref WireWriter w)
    {
        w.String(Actor); w.Long(Sequence); w.Long(EnvSteps); w.Long(Blocks); w.Long(VersionSum); w.Long(InsertWaits); w.Long(ParameterVersion);
        w.Array<double>(Returns); w.Array<int>(Lengths); w.Double(StepsPerSecond);
    }
    public static ActorReport Read(ref WireReader r) =>
        new(r.String(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Array<double>(), r.Array<int>(), r.Double());
}

/// <summary>Learner → actor node: the report was counted; <see cref="Stop"/> once the run's budget is spent or the learner is done.</summary>
public sealed record ActorReportAck(long Sequence, bool Stop, long LearnerUpdates) : IAstromechMessage
{
    public int WireSize => 17;
    public void Write(ref WireWriter w) { w.Long(Sequence); w.Bool(Stop); w.Long(LearnerUpdates); }
    public static ActorReportAck Read(ref WireReader r) => new(r.Long(), r.Bool(), r.Long());
}

// ---- IMPALA: actor → learner unroll queue ----

/// <summary>
/// Actor → learner: one unroll of <see cref="Steps"/> × <see cref="Envs"/> (row-major, step-major as in a
/// RolloutBuffer) with the behaviour policy's log-probs and parameter version; the fields the learner's
/// V-trace update reads. <see cref="Submitter"/> (random per actor loop, new on every restart) and
/// <see cref="Sequence"/> (1, 2, … per unroll, the same on a resend) let the queue recognise an unroll it
/// already took when the actor sends it again because the first answer did not arrive in time.
/// </summary>
public sealed record SubmitUnroll(int Steps, int Envs, int ObsSize, int ActionSize, long BehaviourVersion, int Actor, long Submitter, long Sequence,
    float[] Obs, float[] Actions, float[] LogProbs, float[] Rewards, float[] Discounts, bool[] Ends, float[] FinalObs, float[] BootstrapObs) : IAstromechMessage
{
    public int WireSize => 4 * 4 + 8 + 4 + 8 + 8 + WireWriter.SizeOf(Obs) + WireWriter.SizeOf(Actions) + WireWriter.SizeOf(LogProbs) + WireWriter.SizeOf(Rewards)
        + WireWriter.SizeOf(Discounts) + WireWriter.SizeOf(Ends) + WireWriter.SizeOf(FinalObs) + WireWriter.SizeOf(BootstrapObs);
    public void Write(ref WireWriter w)
    {
        w.Int(Steps); w.Int(Envs); w.Int(ObsSize); w.Int(ActionSize); w.Long(BehaviourVersion); w.Int(Actor); w.Long(Submitter); w.Long(Sequence);
        w.Array<float>(Obs); w.Array<float>(Actions); w.Array<float>(LogProbs); w.Array<float>(Rewards); w.Array<float>(Discounts);
        w.Array<bool>(Ends); w.Array<float>(FinalObs); w.Array<float>(BootstrapObs);
    }
    public static SubmitUnroll Read(ref WireReader r) => new(r.Int(), r.Int(), r.Int(), r.Int(), r.Long(), r.Int(), r.Long(), r.Long(), r.Array<float>(), r.Array<float>(),
        r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<bool>(), r.Array<float>(), r.Array<float>());
}

/// <summary>Learner → actor: whether the unroll went on the queue (false: the queue is full, send it again shortly), and the queue's length.</summary>
public sealed record UnrollAccepted(bool Accepted, int QueueSize) : IAstromechMessage
{
    public int WireSize => 5;
    public void Write(ref WireWriter w) { w.Bool(Accepted); w.Int(QueueSize); }
    public static UnrollAccepted Read(ref WireReader r) => new(r.Bool(), r.Int());
}

// ---- R2D2: sequence replay ----

/// <summary>
/// Sequences on the wire: <see cref="Count"/> R2D2 sequences of <see cref="Length"/> steps, each field of every
/// sequence laid end to end (observations have L + 1 rows; H and C are the stored recurrent state).
/// </summary>
public sealed record SequencePack(int Count, int Length, int ObsSize, int StateSize, float[] Obs, int[] Actions, float[] Rewards, bool[] Terminal,
    int[] ValidSteps, int[] PrevAction, float[] PrevReward, float[] H, float[] C, long[] EpisodeId, int[] EpisodeStep)
{
    public static SequencePack From(IReadOnlyList<Replay.SequenceItem> items, int length, int obsSize, int stateSize)
    {
        int n = items.Count, O = (length + 1) * obsSize;
        var p = new SequencePack(n, length, obsSize, stateSize, new float[n * O], new int[n * length], new float[n * length], new bool[n * length], new int[n],
            new int[n], new float[n], new float[n * stateSize], new float[n * stateSize], new long[n], new int[n]);
        for (int i = 0; i < n; i++)
        {
            var s = items[i];
            s.Obs.CopyTo(p.Obs, i * O); s.Actions.CopyTo(p.Actions, i * length); s.Rewards.CopyTo(p.Rewards, i * length); s.Terminal.CopyTo(p.Terminal, i * length);
            p.ValidSteps[i] = s.ValidSteps; p.PrevAction[i] = s.PrevAction; p.PrevReward[i] = s.PrevReward;
            s.H.CopyTo(p.H, i * stateSize); s.C.CopyTo(p.C, i * stateSize); p.EpisodeId[i] = s.EpisodeId; p.EpisodeStep[i] = s.EpisodeStep;
        }
        return p;
    }

    /// <summary>Copies sequence <paramref name="i"/> into <paramref name="into"/>, checking every array's length first.</summary>
    public void CopyTo(int i, Replay.SequenceItem into)
    {
        int O = (Length + 1) * ObsSize;
        if (into.Length != Length || into.ObsSize != ObsSize || into.StateSize != StateSize)
            throw new ArgumentException($"sequences of (length {Length}, obs {ObsSize}, state {StateSize}) sent to a replay of ({into.Length}, {into.ObsSize}, {into.StateSize})");
        if (Obs.Length != Count * O || Actions.Length != Count * Length || Rewards.Length != Count * Length || Terminal.Length != Count * Length
            || ValidSteps.Length != Count || PrevAction.Length != Count || PrevReward.Length != Count || H.Length != Count * StateSize || C.Length != Count * StateSize
            || EpisodeId.Length != Count || EpisodeStep.Length != Count)
            throw new ArgumentException($"a pack of {Count} sequences has fields of the wrong length");
        Array.Copy(Obs, i * O, into.Obs, 0, O); Array.Copy(Actions, i * Length, into.Actions, 0, Length);
        Array.Copy(Rewards, i * Length, into.Rewards, 0, Length); Array.Copy(Terminal, i * Length, into.Terminal, 0, Length);
        into.ValidSteps = ValidSteps[i]; into.PrevAction = PrevAction[i]; into.PrevReward = PrevReward[i];
        Array.Copy(H, i * StateSize, into.H, 0, StateSize); Array.Copy(C, i * StateSize, into.C, 0, StateSize);
        into.EpisodeId = EpisodeId[i]; into.EpisodeStep = EpisodeStep[i];
    }

    public int WireSize => 16 + WireWriter.SizeOf(Obs) + WireWriter.SizeOf(Actions) + WireWriter.SizeOf(Rewards) + WireWriter.SizeOf(Terminal) + WireWriter.SizeOf(ValidSteps)
        + WireWriter.SizeOf(PrevAction) + WireWriter.SizeOf(PrevReward) + WireWriter.SizeOf(H) + WireWriter.SizeOf(C) + WireWriter.SizeOf(EpisodeId) + WireWriter.SizeOf(EpisodeStep);
    public void Write(ref WireWriter w)
    {
        w.Int(Count); w.Int(Length); w.Int(ObsSize); w.Int(StateSize);
        w.Array<float>(Obs); w.Array<int>(Actions); w.Array<float>(Rewards); w.Array<bool>(Terminal); w.Array<int>(ValidSteps); w.Array<int>(PrevAction);
        w.Array<float>(PrevReward); w.Array<float>(H); w.Array<float>(C); w.Array<long>(EpisodeId); w.Array<int>(EpisodeStep);
    }
    public static SequencePack Read(ref WireReader r) => new(r.Int(), r.Int(), r.Int(), r.Int(), r.Array<float>(), r.Array<int>(), r.Array<float>(), r.Array<bool>(),
        r.Array<int>(), r.Array<int>(), r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<long>(), r.Array<int>());
}

/// <summary>Actor → sequence replay: sequences to insert (all or none); answered with an <see cref="InsertResult"/>.</summary>
public sealed record InsertSequences(SequencePack Pack) : IAstromechMessage
{
    public int WireSize => Pack.WireSize;
    public void Write(ref WireWriter w) => Pack.Write(ref w);
    public static InsertSequences Read(ref WireReader r) => new(SequencePack.Read(ref r));
}

/// <summary>Learner → sequence replay: sample a batch of <see cref="BatchSize"/> sequences with importance exponent β.</summary>
public sealed record SampleSequences(int BatchSize, double Beta) : IAstromechMessage
{
    public int WireSize => 12;
    public void Write(ref WireWriter w) { w.Int(BatchSize); w.Double(Beta); }
    public static SampleSequences Read(ref WireReader r) => new(r.Int(), r.Double());
}

/// <summary>Sequence replay → learner: a sampled batch in the learner's time-major layout (SequenceBatch's arrays), or a refusal.</summary>
public sealed record SampledSequences(bool Refused, int BatchSize, int Length, int ObsSize, int StateSize, float[] Obs, long[] PrevActions, float[] PrevRewards,
    long[] Actions, float[] Rewards, float[] Terminal, float[] Mask, int[] ValidSteps, float[] H, float[] C, long[] EpisodeIds, int[] EpisodeSteps,
    int[] Indices, long[] Keys, float[] Weights) : IAstromechMessage
{
    public static SampledSequences Refusal() => new(true, 0, 0, 0, 0, [], [], [], [], [], [], [], [], [], [], [], [], [], [], []);

    public static SampledSequences Of(Replay.SequenceBatch b) => new(false, b.BatchSize, b.Length, b.ObsSize, b.StateSize, b.Obs, b.PrevActions, b.PrevRewards,
        b.Actions, b.Rewards, b.Terminal, b.Mask, b.ValidSteps, b.H, b.C, b.EpisodeIds, b.EpisodeSteps, b.Indices, b.Keys, b.Weights);

    /// <summary>Copies the batch into <paramref name="into"/> (same shape, checked).</summary>
    public void CopyTo(Replay.SequenceBatch into)
    {
        if (into.BatchSize != BatchSize || into.Length != Length || into.ObsSize != ObsSize || into.StateSize != StateSize)
            throw new ArgumentException($"sequence batch of ({BatchSize}, {Length}, {ObsSize}, {StateSize}) for a learner batch of ({into.BatchSize}, {into.Length}, {into.ObsSize}, {into.StateSize})");
        Obs.CopyTo(into.Obs, 0); PrevActions.CopyTo(into.PrevActions, 0); PrevRewards.CopyTo(into.PrevRewards, 0); Actions.CopyTo(into.Actions, 0);
        Rewards.CopyTo(into.Rewards, 0); Terminal.CopyTo(into.Terminal, 0); Mask.CopyTo(into.Mask, 0); ValidSteps.CopyTo(into.ValidSteps, 0);
        H.CopyTo(into.H, 0); C.CopyTo(into.C, 0); EpisodeIds.CopyTo(into.EpisodeIds, 0); EpisodeSteps.CopyTo(into.EpisodeSteps, 0);
        Indices.CopyTo(into.Indices, 0); Keys.CopyTo(into.Keys, 0); Weights.CopyTo(into.Weights, 0);
    }

    public int WireSize => 17 + WireWriter.SizeOf(Obs) + WireWriter.SizeOf(PrevActions) + WireWriter.SizeOf(PrevRewards) + WireWriter.SizeOf(Actions) + WireWriter.SizeOf(Rewards)
        + WireWriter.SizeOf(Terminal) + WireWriter.SizeOf(Mask) + WireWriter.SizeOf(ValidSteps) + WireWriter.SizeOf(H) + WireWriter.SizeOf(C) + WireWriter.SizeOf(EpisodeIds)
        + WireWriter.SizeOf(EpisodeSteps) + WireWriter.SizeOf(Indices) + WireWriter.SizeOf(Keys) + WireWriter.SizeOf(Weights);
    public void Write(ref WireWriter w)
    {
        w.Bool(Refused); w.Int(BatchSize); w.Int(Length); w.Int(ObsSize); w.Int(StateSize);
        w.Array<float>(Obs); w.Array<long>(PrevActions); w.Array<float>(PrevRewards); w.Array<long>(Actions); w.Array<float>(Rewards); w.Array<float>(Terminal);
        w.Array<float>(Mask); w.Array<int>(ValidSteps); w.Array<float>(H); w.Array<float>(C); w.Array<long>(EpisodeIds); w.Array<int>(EpisodeSteps);
        w.Array<int>(Indices); w.Array<long>(Keys); w.Array<float>(Weights);
    }
    public static SampledSequences Read(ref WireReader r) => new(r.Bool(), r.Int(), r.Int(), r.Int(), r.Int(), r.Array<float>(), r.Array<long>(), r.Array<float>(),
        r.Array<long>(), r.Array<float>(), r.Array<float>(), r.Array<float>(), r.Array<int>(), r.Array<float>(), r.Array<float>(), r.Array<long>(), r.Array<int>(),
        r.Array<int>(), r.Array<long>(), r.Array<float>());
}

/// <summary>Learner → sequence replay: mixed priorities for sampled sequences (slots and keys from the batch); answered with <see cref="PrioritiesUpdated"/>.</summary>
public sealed record UpdateSequencePriorities(int[] Indices, long[] Keys, double[] Priorities) : IAstromechMessage
{
    public int WireSize => WireWriter.SizeOf(Indices) + WireWriter.SizeOf(Keys) + WireWriter.SizeOf(Priorities);
    public void Write(ref WireWriter w) { w.Array<int>(Indices); w.Array<long>(Keys); w.Array<double>(Priorities); }
    public static UpdateSequencePriorities Read(ref WireReader r) => new(r.Array<int>(), r.Array<long>(), r.Array<double>());
}
