using System.Text.Json.Nodes;
using Astromech.Agents;
using Astromech.Agents.A2c;
using Astromech.Agents.ActorCritic;
using Astromech.Agents.Impala;
using Astromech.Agents.Ppo;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Vector;
using Astromech.Nn;
using Astromech.Tests.Training;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Tests.Agents.ActorCritic;

/// <summary>
/// The recurrent actor-critic family (recurrent = lstm | gru on PPO and A2C): the core's unroll matches stepping,
/// acting keeps and resets per-row state, rollouts carry the state over their boundaries, training replays the
/// rollout to the very log-probabilities acting produced, trials keep the state, configs and checkpoints guard it.
/// <para>Serial: the ablation checks (a replay from zero states must not match) depend on the seeded network init, and
/// torch's global generator, which the agents seed for it, is shared with every test running in parallel; in a full
/// parallel run another test's draws once gave an init whose zero-state replay was within 8e-5 of the acted log-probs.</para>
/// </summary>
[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class RecurrentActorCriticTests
{
    private const string Env = "CartPoleNoVelocity-v1";

    private static PpoConfig Ppo(CoreKind core = CoreKind.Lstm, bool keep = false) => new()
    {
        NumEnvs = 3, NSteps = 40, BatchSize = 40, NEpochs = 2, Hidden = new[] { 16 }, CoreSize = 8,
        Recurrent = core, KeepStateAcrossEpisodes = keep,
    };

    /// <summary>One training step the way the Trainer drives it: act on every row, step, observe (final observations where episodes ended).</summary>
    private static void Step<T>(OnPolicyAgent<T> agent, SyncVectorEnv env, long steps = 0) where T : OnPolicyConfig
    {
        int n = env.NumEnvs, o = env.SingleObservationSpace.FlatSize;
        var obs = (float[])env.Observations.Clone();
        var actions = new float[n * env.SingleActionSpace.FlatSize];
        agent.Act(obs, actions, new Progress(steps, 100_000), deterministic: false);
        env.Step(actions);
        var next = (float[])env.Observations.Clone();
        for (int b = 0; b < n; b++)
            if (env.Terminated[b] || env.Truncated[b]) Array.Copy(env.FinalObservations, b * o, next, b * o, o);
        agent.Observe(new VectorTransition
        {
            Observations = obs, Actions = actions, Rewards = env.Rewards, Terminated = env.Terminated,
            Truncated = env.Truncated, NextObservations = next,
        }, new Progress(steps + n, 100_000));
    }

    private static SyncVectorEnv Vector(int n, int seed = 5)
    {
        var env = new SyncVectorEnv(() => EnvRegistry.Make(Env), n);
        env.Reset(seed);
        return env;
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && (a - b).abs().max().item<float>() == 0;

    private static float RowNorm(ReadOnlySpan<float> state, int row, int size)
    {
        float s = 0;
        foreach (float x in state.Slice(row * size, size)) s += Math.Abs(x);
        return s;
    }

    [Theory]
    [InlineData(CoreKind.Lstm)]
    [InlineData(CoreKind.Gru)]
    public void UnrollingWithResetsMatchesSteppingAndZeroingTheStateByHand(CoreKind kind)
    {
        torch.manual_seed(1);
        using var core = new RecurrentCore(kind, 4, 6);
        using var scope = NewDisposeScope();
        int T = 7, B = 3;
        var x = randn(T, B, 4);
        var s0 = randn(B, core.StateSize);
        var resets = new bool[T * B];
        resets[2 * B + 1] = true; // row 1 starts an episode at step 2
        resets[5 * B + 0] = true; // row 0 at step 5
        resets[5 * B + 2] = true;
        var (unrolled, sUnrolled) = core.Unroll(x, s0, resets);

        var s = s0;
        var outs = new List<Tensor>();
        for (int t = 0; t < T; t++)
        {
            var keep = new float[B];
            for (int b = 0; b < B; b++) keep[b] = resets[t * B + b] ? 0 : 1;
            s = s * tensor(keep, new long[] { B, 1 });
            var (o, next) = core.Unroll(x.narrow(0, t, 1), s);
            outs.Add(o);
            s = next;
        }
        var stepped = cat(outs, 0);
        Assert.True(allclose(unrolled, stepped, 1e-5, 1e-6), $"{kind}: unroll and step-by-step outputs differ by {(unrolled - stepped).abs().max().item<float>()}");
        Assert.True(allclose(sUnrolled, s, 1e-5, 1e-6));
        // The resets matter: without them the unroll differs.
        var (noReset, _) = core.Unroll(x, s0);
        Assert.False(allclose(noReset, stepped, 1e-4, 1e-5));
    }

    [Fact]
    public void AFeedforwardConfigBuildsTheSameNetworkAsBefore()
    {
        var cfg = new PpoConfig();
        torch.manual_seed(3);
        using var net = cfg.BuildNetwork(4, new Astromech.Envs.Spaces.Discrete(2));
        torch.manual_seed(3);
        using var direct = new ActorCriticNetwork(4, new Astromech.Envs.Spaces.Discrete(2), new[] { 64, 64 }, Activation.Tanh, shareTorso: false);
        Assert.False(net.Recurrent);
        Assert.Equal(0, net.StateSize);
        var names = net.named_parameters().Select(p => p.name).ToArray();
        Assert.Equal(new[]
        {
            "_policyTorso._layers.fc0.weight", "_policyTorso._layers.fc0.bias", "_policyTorso._layers.fc1.weight", "_policyTorso._layers.fc1.bias",
            "_valueTorso._layers.fc0.weight", "_valueTorso._layers.fc0.bias", "_valueTorso._layers.fc1.weight", "_valueTorso._layers.fc1.bias",
            "_policyHead.weight", "_policyHead.bias", "_valueHead.weight", "_valueHead.bias",
        }, names);
        foreach (var ((_, a), (_, b)) in net.named_parameters().Zip(direct.named_parameters()))
            Assert.True(Same(a, b));
        using var agent = new PpoAgent(new PpoConfig { NumEnvs = 2 }, EnvRegistry.Make("CartPole-v1").ObservationSpace, new Astromech.Envs.Spaces.Discrete(2), 0);
        Assert.True(agent.TrainingState.IsEmpty);
        Assert.Equal(0, agent.Rollout.StateSize);
    }

    [Fact]
    public void ARecurrentNetworkRefusesTheFeedforwardCallsNamingTheWayOut()
    {
        using var net = Ppo().BuildNetwork(2, new Astromech.Envs.Spaces.Discrete(2));
        var e = Assert.Throws<InvalidOperationException>(() => net.forward(zeros(1, 2)));
        Assert.Contains("Step or Unroll", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnEpisodeEndZeroesThatRowsStateUnlessTrialsKeepIt(bool keep)
    {
        using var env = Vector(3);
        using var agent = new PpoAgent(Ppo(keep: keep), env.SingleObservationSpace, env.SingleActionSpace, 2);
        int S = agent.Network.StateSize;
        bool sawEnd = false;
        for (int i = 0; i < 39 && !sawEnd; i++)
        {
            Step(agent, env);
            for (int b = 0; b < 3; b++)
            {
                bool ended = env.Terminated[b] || env.Truncated[b];
                float norm = RowNorm(agent.TrainingState, b, S);
                if (ended)
                {
                    sawEnd = true;
                    if (keep) Assert.True(norm > 0, $"row {b} lost its state at an episode end with keep_state_across_episodes");
                    else Assert.Equal(0f, norm);
                }
                else Assert.True(norm > 0, $"row {b} has a zero state mid-episode");
            }
        }
        Assert.True(sawEnd, "no episode ended in 39 steps of a random CartPole policy");
    }

    [Theory]
    [InlineData(CoreKind.Lstm, false)]
    [InlineData(CoreKind.Gru, false)]
    [InlineData(CoreKind.Lstm, true)]
    public void ReplayingARolloutGivesTheLogProbsActingProducedAcrossDonesAndRollouts(CoreKind kind, bool keep)
    {
        using var env = Vector(3);
        using var agent = new PpoAgent(Ppo(kind, keep), env.SingleObservationSpace, env.SingleActionSpace, 4);
        int S = agent.Network.StateSize;
        for (int rollout = 0; rollout < 2; rollout++)
        {
            var stateBefore = agent.TrainingState.ToArray();
            for (int t = 0; t < 40; t++) Step(agent, env, rollout * 120 + t * 3);
            var buf = agent.Rollout;
            Assert.True(buf.Full);
            Assert.Equal(stateBefore, buf.InitialState);
            if (rollout == 1)
                Assert.True(RowNorm(buf.InitialState, 0, S) > 0, "the second rollout should start from the state the first one ended with");
            Assert.Contains(true, buf.Ends);

            var replay = agent.ReplayLogProbs();
            for (int i = 0; i < replay.Length; i++)
                Assert.True(Math.Abs(replay[i] - buf.LogProbs[i]) < 1e-4, $"rollout {rollout}, row {i}: replayed log π {replay[i]} vs acted {buf.LogProbs[i]}");

            // The stored state and the resets are what make the replay exact: the first rollout replayed with the other
            // reset rule (resetting at dones under keep_state, not resetting without it), or the second from zero states, is not.
            var resets = new bool[buf.Size];
            buf.StateResets(resets, keep);
            Assert.Equal(!keep, resets.Contains(true));
            double gap = rollout == 0 ? MaxLogProbGap(agent, zeroInitial: false, keepRule: !keep) : MaxLogProbGap(agent, zeroInitial: true, keepRule: keep);
            Assert.True(gap > 1e-4, $"rollout {rollout}: the ablated replay should not match (gap {gap})");

            Assert.NotNull(agent.MaybeUpdate(new Progress((rollout + 1) * 120, 100_000)));
        }
    }

    /// <summary>The largest gap between the behaviour log-probs and a replay from zero states or with the given reset rule.</summary>
    private static double MaxLogProbGap(PpoAgent agent, bool zeroInitial, bool keepRule)
    {
        var buf = agent.Rollout;
        int n = buf.Size, N = buf.Envs, T = buf.Steps;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = tensor(buf.Obs, new long[] { T, N, buf.ObsSize });
        var state = zeroInitial ? agent.Network.ZeroState(N) : tensor(buf.InitialState, new long[] { N, agent.Network.StateSize });
        var resets = new bool[n];
        buf.StateResets(resets, keepRule);
        var (policy, _) = agent.Network.EvaluateSequence(obs, state, resets);
        var lp = policy.LogProb(tensor(buf.Actions, new long[] { n, 1 })).data<float>().ToArray();
        return lp.Zip(buf.LogProbs, (a, b) => Math.Abs(a - b)).Max();
    }

    [Fact]
    public void A2cTrainsARecurrentCoreOnTheWholeRollout()
    {
        using var env = Vector(2);
        var cfg = new A2cConfig { NumEnvs = 2, NSteps = 30, Hidden = new[] { 16 }, CoreSize = 8, Recurrent = CoreKind.Gru };
        using var agent = new A2cAgent(cfg, env.SingleObservationSpace, env.SingleActionSpace, 1);
        for (int t = 0; t < 30; t++) Step(agent, env, t * 2);
        var replay = agent.ReplayLogProbs();
        for (int i = 0; i < replay.Length; i++) Assert.True(Math.Abs(replay[i] - agent.Rollout.LogProbs[i]) < 1e-4);
        var before = agent.Network.parameters().Select(p => p.clone()).ToArray();
        var metrics = agent.MaybeUpdate(new Progress(60, 1000));
        Assert.NotNull(metrics);
        Assert.True(double.IsFinite(metrics!["train/policy_loss"]));
        Assert.Contains(agent.Network.parameters().Zip(before), pb => !Same(pb.First, pb.Second));
    }

    [Fact]
    public void EvaluationKeepsItsOwnStatePerRowAndResetsItAtEpisodeStarts()
    {
        using var agent = new PpoAgent(Ppo(), EnvRegistry.Make(Env).ObservationSpace, new Astromech.Envs.Spaces.Discrete(2), 0);
        var obs = new float[] { 0.1f, 0.02f, -0.1f, 0.03f };
        float[] Act() { var a = new float[2]; agent.Act(obs, a, new Progress(0, 1), true); return a; }
        agent.OnEpisodeStart(new[] { true, true });
        var first = agent.Network;
        // Acting advances the state; a reset brings the first action back, and the training rows are untouched.
        var a0 = Act();
        for (int i = 0; i < 5; i++) Act();
        agent.OnEpisodeStart(new[] { true, true });
        Assert.Equal(a0, Act());
        Assert.All(agent.TrainingState.ToArray(), x => Assert.Equal(0f, x));
        var e = Assert.Throws<ArgumentException>(() => agent.Act(new float[6], new float[3], new Progress(0, 1), true));
        Assert.Contains("OnEpisodeStart", e.Message);
    }

    [Theory]
    [InlineData("ppo")]
    [InlineData("a2c")]
    public void TheTrainerRunsARecurrentAgentAndItsCheckpointRestoresTheSamePolicy(string algo)
    {
        using var dir = new TempDir();
        var info = Algorithms.Get(algo);
        var cfg = ConfigBinder.Bind(info.ConfigType, new JsonObject
        {
            ["num_envs"] = 2, ["n_steps"] = 16, ["hidden"] = new JsonArray(16), ["recurrent"] = "lstm", ["core_size"] = 8,
        }.Merge(algo == "ppo" ? new JsonObject { ["batch_size"] = 16, ["n_epochs"] = 2 } : new JsonObject()));
        using var env = EnvRegistry.Make(Env);
        using var agent = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 1);
        var summary = Trainer.Run(agent, () => EnvRegistry.Make(Env), new TrainerOptions
        {
            EnvId = Env, Seed = 3, TotalSteps = 320, EvalEpisodes = 3, EvalInterval = 160, ShowProgress = false, OutDir = dir.Path,
            CheckpointInterval = 0,
        });
        Assert.Equal(320, summary.EnvSteps);
        var ckpt = CheckpointFile.Read(summary.Checkpoint);
        Assert.Equal("lstm", (string?)ckpt.GetJsonNode($"{algo}/config")["recurrent"], ignoreCase: true);
        using var restored = info.Create(cfg, env.ObservationSpace, env.ActionSpace, 99);
        restored.Load(ckpt);
        var probe = new float[] { 0.01f, 0.02f, -0.03f, 0.01f, 0.2f, -0.1f };
        float[] Episode(IAgent a)
        {
            a.OnEpisodeStart(new[] { true, true, true });
            var acts = new List<float>();
            for (int t = 0; t < 6; t++) { var x = new float[3]; a.Act(probe, x, new Progress(0, 1), true); acts.AddRange(x); }
            return acts.ToArray();
        }
        Assert.Equal(Episode(agent), Episode(restored));

        // A feedforward config refuses the recurrent checkpoint, naming the key.
        var ff = ConfigBinder.Bind(info.ConfigType, new JsonObject { ["num_envs"] = 2, ["n_steps"] = 16, ["hidden"] = new JsonArray(16) }
            .Merge(algo == "ppo" ? new JsonObject { ["batch_size"] = 16 } : new JsonObject()));
        using var feedforward = info.Create(ff, env.ObservationSpace, env.ActionSpace, 1);
        var e = Assert.Throws<CheckpointException>(() => feedforward.Load(ckpt));
        Assert.Contains("recurrent", e.Message);
    }

    [Fact]
    public void AFeedforwardCheckpointFromBeforeRecurrentCoresStillLoads()
    {
        var cfg = new PpoConfig { NumEnvs = 2, NSteps = 8, BatchSize = 8 };
        var space = EnvRegistry.Make("CartPole-v1");
        using var agent = new PpoAgent(cfg, space.ObservationSpace, space.ActionSpace, 1);
        var c = new Checkpoint();
        agent.Save(c);
        // Write the config as an older build did: without the recurrent keys.
        var json = c.GetJsonNode("ppo/config").AsObject();
        foreach (var key in new[] { "recurrent", "core_size", "keep_state_across_episodes", "normalize_observations" })
            Assert.True(json.Remove(key), $"the saved config should hold {key}");
        c.SetJson("ppo/config", json);
        using var restored = new PpoAgent(cfg, space.ObservationSpace, space.ActionSpace, 7);
        restored.Load(c);
        var probe = new float[] { 0.01f, -0.02f, 0.03f, 0.04f };
        var a = new float[1]; var b = new float[1];
        agent.Act(probe, a, new Progress(0, 1), true);
        restored.Act(probe, b, new Progress(0, 1), true);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("ppo", """{"recurrent": "lstm", "n_steps": 32, "batch_size": 48}""", "batch_size")]
    [InlineData("ppo", """{"keep_state_across_episodes": true}""", "keep_state_across_episodes")]
    [InlineData("ppo", """{"recurrent": "lstm", "core_size": 0}""", "core_size")]
    [InlineData("ppo", """{"recurrent": "transformer"}""", "recurrent")]
    [InlineData("impala", """{"recurrent": "gru"}""", "recurrent")]
    [InlineData("a3c", """{"recurrent": "lstm"}""", "recurrent")]
    [InlineData("impala", """{"normalize_observations": true}""", "normalize_observations")]
    [InlineData("ppo", """{"normalize_observations": true, "kickstart_teachers": ["t.ckpt"]}""", "normalize_observations")]
    public void BadRecurrentSettingsAreRefusedNamingTheKey(string algo, string json, string key)
    {
        var info = Algorithms.Get(algo);
        var e = Assert.ThrowsAny<Exception>(() => ConfigBinder.Bind(info.ConfigType, JsonNode.Parse(json)!.AsObject()));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void NormalizedObservationsAreWhatTheRolloutKeepsAndTheCheckpointCarriesTheStatistics()
    {
        using var env = Vector(3);
        var cfg = Ppo() with { NormalizeObservations = true };
        using var agent = new PpoAgent(cfg, env.SingleObservationSpace, env.SingleActionSpace, 4);
        var raw = new List<float[]>();
        for (int t = 0; t < 40; t++) { raw.Add((float[])env.Observations.Clone()); Step(agent, env, t * 3); }
        var stats = agent.ObservationStatistics!;
        Assert.Equal(40 * 3, stats.Count, 1e-3); // plus RunningMeanStd's prior count of 1e-4
        // The last step's stored observations are the raw ones normalized with the statistics as they were then (all 120 rows seen).
        var expected = new float[raw[^1].Length];
        stats.Normalize(raw[^1], expected);
        Assert.Equal(expected, agent.Rollout.Obs.AsSpan(39 * 3 * 2, 3 * 2).ToArray());
        var replay = agent.ReplayLogProbs();
        for (int i = 0; i < replay.Length; i++) Assert.True(Math.Abs(replay[i] - agent.Rollout.LogProbs[i]) < 1e-4);

        var c = new Checkpoint();
        agent.Save(c);
        using var restored = new PpoAgent(cfg, env.SingleObservationSpace, env.SingleActionSpace, 9);
        restored.Load(c);
        Assert.Equal(stats.Mean, restored.ObservationStatistics!.Mean);
        Assert.Equal(stats.Var, restored.ObservationStatistics!.Var);
        var probe = new float[] { 0.3f, -0.05f };
        float[] Greedy(IAgent a) { a.OnEpisodeStart(new[] { true }); var x = new float[1]; a.Act(probe, x, new Progress(0, 1), true); return x; }
        Assert.Equal(Greedy(agent), Greedy(restored));
        using var plain = new PpoAgent(Ppo(), env.SingleObservationSpace, env.SingleActionSpace, 9);
        Assert.Contains("normalize_observations", Assert.Throws<CheckpointException>(() => plain.Load(c)).Message);
    }

    [Theory]
    [InlineData(CoreKind.Lstm)]
    [InlineData(CoreKind.Gru)]
    public void LiveTensorCountStaysFlatOverRecurrentActingAndTraining(CoreKind kind)
    {
        torch.set_num_threads(1);
        using var env = Vector(3);
        using var agent = new PpoAgent(Ppo(kind) with { NormalizeObservations = true }, env.SingleObservationSpace, env.SingleActionSpace, 2);
        void Drive(int rollouts)
        {
            for (int r = 0; r < rollouts; r++)
            {
                for (int t = 0; t < 40; t++) Step(agent, env, t * 3);
                agent.MaybeUpdate(new Progress(120, 100_000));
                agent.OnEpisodeStart(new[] { true, true });
                var a = new float[2];
                agent.Act(new float[4], a, new Progress(0, 1), true);
            }
        }
        Drive(2); // warm up: optimizer state exists
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Drive(6);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after}");
    }

    [Fact]
    public void TheCartPoleNoVelocityPresetBindsToARecurrentPpo()
    {
        string preset = Path.Combine(RepoPaths.Root(), "configs", "ppo", Env + ".json");
        var json = JsonNode.Parse(File.ReadAllText(preset),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        Assert.Equal(Env, (string?)json["env"]);
        var cfg = ConfigBinder.Bind<PpoConfig>(json, ignoreKeys: new[] { "algo", "env", "steps", "eval_interval" });
        Assert.Equal(CoreKind.Lstm, cfg.Recurrent);
        Assert.Equal(64, cfg.CoreSize);
        Assert.Equal(0, cfg.BatchSize % cfg.NSteps);
    }

    [Fact]
    public void TheRecurrentKeysBindFromJson()
    {
        var cfg = ConfigBinder.Bind<PpoConfig>(JsonNode.Parse("""{"recurrent": "gru", "core_size": 32, "num_envs": 2, "n_steps": 16, "batch_size": 32, "keep_state_across_episodes": true}""")!.AsObject());
        Assert.Equal(CoreKind.Gru, cfg.Recurrent);
        Assert.Equal(32, cfg.CoreSize);
        Assert.True(cfg.KeepStateAcrossEpisodes);
        Assert.Equal(CoreKind.None, new A2cConfig().Recurrent);
    }
}

internal static class JsonObjectMerge
{
    public static JsonObject Merge(this JsonObject a, JsonObject b)
    {
        foreach (var (k, v) in b.ToArray()) { b.Remove(k); a[k] = v; }
        return a;
    }
}
