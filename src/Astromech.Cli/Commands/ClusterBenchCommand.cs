using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Astromech.Agents.ApeX;
using Astromech.Cluster;
using Astromech.Cluster.Messages;
using Astromech.Cluster.Roles;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Astromech.Envs.Vector;
using Astromech.Adders;
using Astromech.Parameters;
using Astromech.Replay;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech bench cluster</c>: the cost of the distributed runtime's messages over loopback TCP. Three actor
/// systems with provider = cluster on 127.0.0.1 (roles replay, learner, actor; <see cref="ClusterConfig"/>) form
/// one cluster in this process; the replay system hosts a <see cref="ReplayShardActor"/> and
/// <see cref="ParameterSourceActor"/>s, the other two talk to them through the same
/// <see cref="RemoteReplayClient"/> / <see cref="RemoteParameterSource"/> the Ape-X loops use. Prints one JSON
/// line per measurement:
/// <list type="bullet">
/// <item><c>round_trip</c>: a small request/reply (an up-to-date parameter poll; a replay stats query).</item>
/// <item><c>parameter_broadcast</c>: per version, the learner publishes N floats to the parameter source and the
/// actor pulls them; publish, pull and publish→pulled latency (median, p90, max).</item>
/// <item><c>parameter_fanout</c>: K pulls of the whole vector in flight at once: what one source serves per second.</item>
/// <item><c>replay_direct</c>: the shard's own work per insert / sample / priority update, called in-process
/// (what the replay actor does per message, without Akka).</item>
/// <item><c>replay_local_actor</c>: the same requests through a <see cref="ReplayShardActor"/> in a
/// provider = local system with K requests in flight: the shard actor's serial capacity (messages pass by reference).</item>
/// <item><c>experience_sequential</c>: insert of one block (actor → replay), sample + priority update + stats
/// (learner → replay), one request at a time: latency and rate.</item>
/// <item><c>experience_pipelined</c>: K inserts in flight from the actor system, alone and with the learner
/// system sampling and updating priorities at the same time: messages per second the path sustains.</item>
/// </list>
/// Blocks are real CartPole n-step transitions (2 env copies, random actions, n = 3, γ = 0.99, flush_size rows).
/// Everything shares this machine's cores (both ends of every connection are in this process).
/// </summary>
internal static class ClusterBenchCommand
{
    private const int ObsSize = 4; // CartPole-v1

    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "bench cluster",
            new[] { "versions", "param-floats", "fanout-pulls", "round-trips", "blocks", "pipelined-blocks", "batches", "batch-sizes", "flush-size", "in-flight", "seed", "timeout" });
        if (a.Positional.Count > 0) throw new CliException($"bench cluster: unexpected argument '{a.Positional[0]}' (it takes only options)");
        int versions = a.GetInt("versions", 1) ?? 50;
        var paramFloats = Counts(a, "param-floats", "1M,16384,4096");
        int fanoutPulls = a.GetInt("fanout-pulls", 1) ?? 100;
        int roundTrips = a.GetInt("round-trips", 1) ?? 2000;
        int blocks = a.GetInt("blocks", 1) ?? 2000;
        int pipelinedBlocks = a.GetInt("pipelined-blocks", 1) ?? 20_000;
        int batches = a.GetInt("batches", 1) ?? 1000;
        var batchSizes = Counts(a, "batch-sizes", "32,512");
        int flush = a.GetInt("flush-size", 1) ?? 50;
        int inFlight = a.GetInt("in-flight", 1) ?? 16;
        int seed = a.GetInt("seed") ?? 0;
        var timeout = TimeSpan.FromSeconds(a.GetInt("timeout", 1) ?? 60);
        const int capacity = 100_000;
        foreach (int b in batchSizes)
            if (b > capacity) throw new CliException($"--batch-sizes: {b} is above the replay capacity {capacity}");
        long frame = ClusterConfig.Build(new[] { "replay" }).GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 0;
        foreach (int n in paramFloats)
            if (4L * n + 64 > frame)
                throw new CliException($"--param-floats: {n} floats ({4L * n} bytes) do not fit the cluster's maximum frame of {frame} bytes (akka.remote.dot-netty.tcp.maximum-frame-size)");

        AkkaStderrLogger.Quiet = false;
        var apex = new ApexConfig();
        var experience = CartPoleBlocks(flush, 16, seed);
        var rng = new Random(seed);

        // ---- in-process baselines first (no network) ----
        Emit(ReplayDirect(experience, batchSizes, blocks, batches, capacity, apex, seed));
        foreach (var line in ReplayLocalActor(experience, batchSizes, blocks, batches, inFlight, capacity, apex, seed, timeout)) Emit(line);

        // ---- the cluster ----
        var formed = Stopwatch.StartNew();
        var replaySys = Start("replay", null);
        var systems = new List<ActorSystem> { replaySys };
        try
        {
            var seedAddress = Akka.Cluster.Cluster.Get(replaySys).SelfAddress;
            Akka.Cluster.Cluster.Get(replaySys).Join(seedAddress);
            var learnerSys = Start("learner", seedAddress.ToString());
            systems.Add(learnerSys);
            var actorSys = Start("actor", seedAddress.ToString());
            systems.Add(actorSys);
            WaitForMembers(systems, 3, TimeSpan.FromSeconds(60));
            Emit(new JsonObject
            {
                ["measure"] = "cluster", ["systems"] = 3, ["roles"] = "replay (shard + parameter source), learner, actor",
                ["transport"] = "akka.remote dot-netty tcp, 127.0.0.1, one process", ["formed_seconds"] = Math.Round(formed.Elapsed.TotalSeconds, 2),
                ["cores"] = Environment.ProcessorCount,
            });

            var shard = NewShard(capacity, apex, seed);
            replaySys.ActorOf(ReplayShardActor.Props(shard), "replay");
            var idleStore = new ParameterStore();
            replaySys.ActorOf(ParameterSourceActor.Props(idleStore), "parameters-idle");
            var actorReplay = new RemoteReplayClient(Resolve(actorSys, replaySys, "replay", timeout), timeout);
            var learnerReplay = new RemoteReplayClient(Resolve(learnerSys, replaySys, "replay", timeout), timeout);
            var actorIdle = new RemoteParameterSource(Resolve(actorSys, replaySys, "parameters-idle", timeout), timeout);

            // Small round trips: an actor's poll when it is up to date, and the learner's stats query per update.
            Emit(RoundTrip("GetParameters -> ParametersReply (up to date)", "actor", roundTrips, () =>
            {
                if (actorIdle.GetNewer(long.MaxValue) is not null) throw new InvalidOperationException("an empty parameter source sent parameters");
            }));
            Emit(RoundTrip("GetReplayStats -> ReplayStatsReply", "learner", roundTrips, () => _ = learnerReplay.Stats));

            // Parameter broadcast, one source per size (a store keeps one vector size).
            foreach (int n in paramFloats)
            {
                var store = new ParameterStore();
                string name = $"parameters-{n}";
                replaySys.ActorOf(ParameterSourceActor.Props(store), name);
                var publisher = new RemoteParameterSource(Resolve(learnerSys, replaySys, name, timeout), timeout);
                var puller = new RemoteParameterSource(Resolve(actorSys, replaySys, name, timeout), timeout);
                Emit(Broadcast(publisher, puller, n, versions, rng));
                Emit(Fanout(Resolve(actorSys, replaySys, name, timeout), n, fanoutPulls, inFlight, timeout));
            }

            // Experience path, one request at a time.
            Emit(SequentialInserts(actorReplay, experience, blocks));
            foreach (int b in batchSizes) Emit(SequentialLearner(learnerReplay, b, batches, apex.PriorityBeta, rng));

            // Experience path, K inserts in flight; then with the learner sampling at the same time.
            var insertRef = Resolve(actorSys, replaySys, "replay", timeout);
            var messages = experience.Select(e => InsertMessage(e.Block, e.Priorities)).ToArray();
            Emit(PipelinedInserts(insertRef, messages, pipelinedBlocks, inFlight, timeout, learner: null, 0, 0));
            foreach (int b in batchSizes)
                Emit(PipelinedInserts(insertRef, messages, pipelinedBlocks, inFlight, timeout, learnerReplay, b, apex.PriorityBeta));
        }
        finally
        {
            AkkaStderrLogger.Quiet = true; // peers going away are logged as disassociations: expected here
            // Leave in reverse order so the remaining members do not report the others unreachable.
            for (int i = systems.Count - 1; i >= 0; i--)
            {
                var cs = CoordinatedShutdown.Get(systems[i]);
                cs.Run(CoordinatedShutdown.ClusterLeavingReason.Instance).Wait(TimeSpan.FromSeconds(20));
                systems[i].Terminate().Wait(TimeSpan.FromSeconds(20));
            }
        }
        return 0;
    }

    // ---- setup ----

    private static List<int> Counts(CliArgs a, string name, string fallback)
    {
        var list = new List<int>();
        foreach (var s in (a.Get(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!CliArgs.TryParseCount(s, out long v) || v < 1 || v > 64_000_000)
                throw new CliException($"--{name}: '{s}' is not a whole number in [1, 64M]");
            list.Add((int)v);
        }
        if (list.Count == 0) throw new CliException($"--{name}: give at least one number");
        return list;
    }

    /// <summary>Akka logs to stderr through <see cref="AkkaStderrLogger"/>: stdout carries only the JSON lines.</summary>
    private static readonly Config Logging = ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.stdout-loglevel = OFF
        akka.loggers = ["{{typeof(AkkaStderrLogger).FullName}}, {{typeof(AkkaStderrLogger).Assembly.GetName().Name}}"]
        """);

    private static ActorSystem Start(string role, string? seed) =>
        ActorSystem.Create(ClusterConfig.SystemName, Logging.WithFallback(ClusterConfig.Build(new[] { role }, seedNodes: seed is null ? null : new[] { seed })));

    private static void WaitForMembers(IReadOnlyList<ActorSystem> systems, int count, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        foreach (var s in systems)
            while (Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < count)
            {
                if (DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"bench cluster: {count} actor systems on 127.0.0.1 did not form a cluster within {limit.TotalSeconds:F0} s");
                Thread.Sleep(20);
            }
    }

    private static IActorRef Resolve(ActorSystem from, ActorSystem host, string name, TimeSpan timeout) =>
        from.ActorSelection(new RootActorPath(Akka.Cluster.Cluster.Get(host).SelfAddress) / "user" / name).ResolveOne(timeout).GetAwaiter().GetResult();

    private static ReplayShard NewShard(int capacity, ApexConfig apex, int seed) =>
        new(new PrioritizedReplay(capacity, ObsSize, 1, apex.PriorityAlpha, apex.PriorityEps), new SampleToInsertRateLimiter(0, 1, 0), seed);

    private sealed record Experience(TransitionBlock Block, float[] Priorities);

    /// <summary><paramref name="count"/> blocks of <paramref name="rows"/> CartPole 3-step transitions from 2 copies under random actions, with |δ|-like priorities.</summary>
    private static Experience[] CartPoleBlocks(int rows, int count, int seed)
    {
        using var env = new SyncVectorEnv(() => EnvRegistry.Make("CartPole-v1"), 2);
        var rng = new Rng(seed);
        var staging = new TransitionBlock(rows + 2 * 3, ObsSize, 1);
        var adder = new VectorNStepAdder(2, ObsSize, 1, 3, 0.99f, staging);
        var obs = new float[2 * ObsSize];
        var actions = new float[2];
        env.Reset(seed);
        var result = new Experience[count];
        for (int k = 0; k < count; k++)
        {
            staging.Clear();
            while (staging.Count < rows)
            {
                Array.Copy(env.Observations, obs, obs.Length);
                for (int i = 0; i < 2; i++) actions[i] = rng.Next(2);
                env.Step(actions);
                adder.Add(obs, actions, env.Rewards, env.Terminated, env.Truncated, env.Observations, env.FinalObservations);
            }
            var block = new TransitionBlock(ObsSize, 1, staging.Obs[..(rows * ObsSize)], staging.Actions[..rows], staging.Rewards[..rows],
                staging.Discounts[..rows], staging.NextObs[..(rows * ObsSize)]);
            var priorities = new float[rows];
            for (int r = 0; r < rows; r++) priorities[r] = 0.01f + (float)rng.NextDouble() * 2;
            result[k] = new Experience(block, priorities);
        }
        return result;
    }

    private static InsertTransitions InsertMessage(TransitionBlock b, float[] priorities)
    {
        int n = b.Count;
        return new InsertTransitions(b.ObsSize, b.ActSize, b.Obs[..(n * b.ObsSize)], b.Actions[..n], b.Rewards[..n], b.Discounts[..n], b.NextObs[..(n * b.ObsSize)], priorities);
    }

    // ---- statistics and output ----

    private static readonly System.Text.Json.JsonSerializerOptions Plain = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void Emit(JsonObject o)
    {
        Console.WriteLine(o.ToJsonString(Plain));
        Console.Out.Flush();
    }

    private static double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    /// <summary>Nearest-rank quantile of tick samples, in µs.</summary>
    private static double Quantile(long[] sorted, double q) => Us(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)]);

    /// <summary>median_us, p90_us, max_us of <paramref name="ticks"/> under <paramref name="prefix"/>.</summary>
    private static void AddStats(JsonObject o, string prefix, long[] ticks)
    {
        var s = (long[])ticks.Clone();
        Array.Sort(s);
        o[$"{prefix}median_us"] = Math.Round(Quantile(s, 0.5), 1);
        o[$"{prefix}p90_us"] = Math.Round(Quantile(s, 0.9), 1);
        o[$"{prefix}max_us"] = Math.Round(Us(s[^1]), 1);
    }

    private static int Warmup(int n) => Math.Clamp(n / 10, 1, 200);

    // ---- measurements ----

    private static JsonObject RoundTrip(string message, string from, int n, Action call)
    {
        for (int i = 0; i < Warmup(n); i++) call();
        var t = new long[n];
        var total = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            t[i] = Stopwatch.GetTimestamp() - t0;
        }
        var o = new JsonObject { ["measure"] = "round_trip", ["message"] = message, ["from"] = from, ["to"] = "replay", ["n"] = n };
        AddStats(o, "", t);
        o["per_second"] = Math.Round(n / total.Elapsed.TotalSeconds);
        return o;
    }

    private static JsonObject Broadcast(RemoteParameterSource publisher, RemoteParameterSource puller, int floats, int versions, Random rng)
    {
        var values = new float[floats];
        for (int i = 0; i < floats; i++) values[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
        int warm = Math.Clamp(versions / 10, 1, 5);
        var pub = new long[versions];
        var pull = new long[versions];
        var both = new long[versions];
        for (int v = 1; v <= warm + versions; v++)
        {
            values[0] = v; // each version differs; the puller checks it got this one
            long t0 = Stopwatch.GetTimestamp();
            publisher.Publish(v, values);
            long t1 = Stopwatch.GetTimestamp();
            var got = puller.GetNewer(v - 1);
            long t2 = Stopwatch.GetTimestamp();
            if (got is null || got.Version != v || got.Values.Length != floats || got.Values[0] != v)
                throw new InvalidOperationException($"bench cluster: the actor pulled {(got is null ? "nothing" : $"version {got.Version} of {got.Values.Length} floats")} after version {v} of {floats} floats was published");
            if (v <= warm) continue;
            pub[v - warm - 1] = t1 - t0;
            pull[v - warm - 1] = t2 - t1;
            both[v - warm - 1] = t2 - t0;
        }
        var o = new JsonObject
        {
            ["measure"] = "parameter_broadcast", ["floats"] = floats, ["payload_bytes"] = 4L * floats, ["versions"] = versions,
            ["path"] = "learner -PublishParameters-> parameter source (replay system) <-GetParameters/ParametersReply- actor",
        };
        AddStats(o, "publish_", pub);
        AddStats(o, "pull_", pull);
        AddStats(o, "publish_to_pulled_", both);
        var sortedPull = (long[])pull.Clone();
        Array.Sort(sortedPull);
        o["pull_mb_per_s"] = Math.Round(4.0 * floats / Quantile(sortedPull, 0.5), 1); // bytes per µs = MB/s
        return o;
    }

    /// <summary>
    /// <paramref name="n"/> pulls of the newest version (each one carries the whole vector) with K in flight from
    /// the actor system: the bytes per second one parameter source serves to many pullers at once.
    /// </summary>
    private static JsonObject Fanout(IActorRef source, int floats, int n, int inFlight, TimeSpan timeout)
    {
        var request = new GetParameters(-1); // every reply carries the newest vector
        Pump(source, _ => request, Math.Min(n, inFlight), inFlight, timeout, reply =>
        {
            if (reply is not ParametersReply { UpToDate: false } p || p.Values.Length != floats)
                throw new InvalidOperationException($"bench cluster: a pull of the newest {floats} floats got {reply}");
        });
        double s = Pump(source, _ => request, n, inFlight, timeout);
        return new JsonObject
        {
            ["measure"] = "parameter_fanout", ["floats"] = floats, ["payload_bytes"] = 4L * floats, ["pulls"] = n, ["in_flight"] = inFlight,
            ["pulls_per_second"] = Math.Round(n / s, 1), ["mb_per_s"] = Math.Round(4.0 * floats * n / s / 1e6, 1),
        };
    }

    private static JsonObject ReplayDirect(Experience[] exp, List<int> batchSizes, int blocks, int batches, int capacity, ApexConfig apex, int seed)
    {
        var shard = NewShard(capacity, apex, seed);
        var o = new JsonObject { ["measure"] = "replay_direct", ["note"] = "ReplayShard calls in this thread, no Akka: the shard actor's own work per message", ["rows_per_block"] = exp[0].Block.Count };
        // Fill to capacity first so sampling sees a full sum tree, as in a long run.
        int fill = capacity / exp[0].Block.Count + 1;
        for (int i = 0; i < fill; i++) shard.TryInsert(exp[i % exp.Length].Block, exp[i % exp.Length].Priorities);
        var t = new long[blocks];
        for (int i = 0; i < blocks; i++)
        {
            var e = exp[i % exp.Length];
            long t0 = Stopwatch.GetTimestamp();
            shard.TryInsert(e.Block, e.Priorities);
            t[i] = Stopwatch.GetTimestamp() - t0;
        }
        AddStats(o, "insert_", t);
        var rng = new Random(seed);
        foreach (int b in batchSizes)
        {
            var batch = new ReplayBatch(b, ObsSize, 1);
            var td = new float[b];
            var ts = new long[batches];
            var tu = new long[batches];
            for (int i = 0; i < batches; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                shard.TrySample(b, apex.PriorityBeta, batch);
                long t1 = Stopwatch.GetTimestamp();
                for (int r = 0; r < b; r++) td[r] = (float)rng.NextDouble() * 2;
                long t2 = Stopwatch.GetTimestamp();
                shard.UpdatePriorities(batch.Indices.AsSpan(0, b), batch.Keys.AsSpan(0, b), td);
                tu[i] = Stopwatch.GetTimestamp() - t2;
                ts[i] = t1 - t0;
            }
            AddStats(o, $"sample{b}_", ts);
            AddStats(o, $"update{b}_", tu);
        }
        return o;
    }

    /// <summary>Requests through a <see cref="ReplayShardActor"/> in a provider = local system, K in flight.</summary>
    private static IEnumerable<JsonObject> ReplayLocalActor(Experience[] exp, List<int> batchSizes, int blocks, int batches, int inFlight, int capacity,
        ApexConfig apex, int seed, TimeSpan timeout)
    {
        var sys = ActorSystem.Create("bench-local", Logging);
        try
        {
            var shard = NewShard(capacity, apex, seed);
            int fill = capacity / exp[0].Block.Count + 1;
            for (int i = 0; i < fill; i++) shard.TryInsert(exp[i % exp.Length].Block, exp[i % exp.Length].Priorities);
            var actor = sys.ActorOf(ReplayShardActor.Props(shard), "replay");
            var inserts = exp.Select(e => (object)InsertMessage(e.Block, e.Priorities)).ToArray();
            var rng = new Random(seed);
            Pump(actor, i => inserts[i % inserts.Length], Warmup(blocks), inFlight, timeout);
            double s = Pump(actor, i => inserts[i % inserts.Length], blocks, inFlight, timeout);
            yield return new JsonObject
            {
                ["measure"] = "replay_local_actor", ["message"] = "InsertTransitions", ["rows"] = exp[0].Block.Count, ["n"] = blocks, ["in_flight"] = inFlight,
                ["per_second"] = Math.Round(blocks / s), ["us_per_message"] = Math.Round(s * 1e6 / blocks, 1),
            };
            foreach (int b in batchSizes)
            {
                var request = new SampleRequest(b, apex.PriorityBeta);
                Pump(actor, _ => request, Warmup(batches), inFlight, timeout);
                double ss = Pump(actor, _ => request, batches, inFlight, timeout);
                var batch = new ReplayBatch(b, ObsSize, 1);
                shard.TrySample(b, apex.PriorityBeta, batch);
                var td = new float[b];
                for (int r = 0; r < b; r++) td[r] = (float)rng.NextDouble() * 2;
                var update = new UpdatePriorities(batch.Indices[..b], batch.Keys[..b], td);
                Pump(actor, _ => update, Warmup(batches), inFlight, timeout);
                double su = Pump(actor, _ => update, batches, inFlight, timeout);
                yield return new JsonObject
                {
                    ["measure"] = "replay_local_actor", ["message"] = $"SampleRequest({b}) / UpdatePriorities({b})", ["n"] = batches, ["in_flight"] = inFlight,
                    ["sample_per_second"] = Math.Round(batches / ss), ["sample_us_per_message"] = Math.Round(ss * 1e6 / batches, 1),
                    ["update_per_second"] = Math.Round(batches / su), ["update_us_per_message"] = Math.Round(su * 1e6 / batches, 1),
                };
            }
        }
        finally
        {
            sys.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
    }

    /// <summary>Sends <paramref name="n"/> requests with at most <paramref name="inFlight"/> unanswered; seconds taken. A RoleError reply throws.</summary>
    private static double Pump(IActorRef target, Func<int, object> message, int n, int inFlight, TimeSpan timeout, Action<object>? check = null)
    {
        int next = -1;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Min(inFlight, n)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                var reply = await target.Ask(message(i), timeout).ConfigureAwait(false);
                if (reply is RoleError err) throw new InvalidOperationException($"bench cluster: a role refused a request: {err.Message}");
                check?.Invoke(reply);
            }
        }).ToArray();
        Task.WhenAll(workers).GetAwaiter().GetResult(); // the first failure as itself, not an AggregateException
        return sw.Elapsed.TotalSeconds;
    }

    private static JsonObject SequentialInserts(RemoteReplayClient actorSide, Experience[] exp, int blocks)
    {
        for (int i = 0; i < Warmup(blocks); i++) actorSide.TryInsert(exp[i % exp.Length].Block, exp[i % exp.Length].Priorities);
        var t = new long[blocks];
        var total = Stopwatch.StartNew();
        for (int i = 0; i < blocks; i++)
        {
            var e = exp[i % exp.Length];
            long t0 = Stopwatch.GetTimestamp();
            if (!actorSide.TryInsert(e.Block, e.Priorities)) throw new InvalidOperationException("bench cluster: the replay refused an insert (its rate limiter is off)");
            t[i] = Stopwatch.GetTimestamp() - t0;
        }
        int rows = exp[0].Block.Count;
        var o = new JsonObject
        {
            ["measure"] = "experience_sequential", ["message"] = $"InsertTransitions({rows} CartPole rows) -> InsertResult", ["from"] = "actor", ["n"] = blocks,
            ["wire_bytes"] = 1 + InsertMessage(exp[0].Block, exp[0].Priorities).WireSize,
        };
        AddStats(o, "", t);
        o["per_second"] = Math.Round(blocks / total.Elapsed.TotalSeconds);
        o["transitions_per_second"] = Math.Round((double)blocks * rows / total.Elapsed.TotalSeconds);
        return o;
    }

    private static JsonObject SequentialLearner(RemoteReplayClient learnerSide, int b, int batches, double beta, Random rng)
    {
        var batch = new ReplayBatch(b, ObsSize, 1);
        var td = new float[b];
        var ts = new long[batches];
        var tu = new long[batches];
        var tstat = new long[batches];
        long applied = 0;
        for (int i = -Warmup(batches); i < batches; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (!learnerSide.TrySample(b, beta, batch)) throw new InvalidOperationException("bench cluster: the replay refused a sample");
            long t1 = Stopwatch.GetTimestamp();
            for (int r = 0; r < b; r++) td[r] = (float)rng.NextDouble() * 2;
            long t2 = Stopwatch.GetTimestamp();
            int ok = learnerSide.UpdatePriorities(batch.Indices.AsSpan(0, b), batch.Keys.AsSpan(0, b), td);
            long t3 = Stopwatch.GetTimestamp();
            _ = learnerSide.Stats; // the Ape-X learner reads the replay's stats after every update
            long t4 = Stopwatch.GetTimestamp();
            if (i < 0) continue;
            applied += ok;
            ts[i] = t1 - t0;
            tu[i] = t3 - t2;
            tstat[i] = t4 - t3;
        }
        var o = new JsonObject
        {
            ["measure"] = "experience_sequential", ["message"] = $"SampleRequest({b}) -> SampledBatch, UpdatePriorities({b}) -> PrioritiesUpdated, GetReplayStats",
            ["from"] = "learner", ["n"] = batches,
            ["sampled_batch_wire_bytes"] = 1 + new SampledBatch(false, ObsSize, 1, true, batch.Indices[..b], batch.Keys[..b], batch.Obs[..(b * ObsSize)],
                batch.Actions[..b], batch.Rewards[..b], batch.Discounts[..b], batch.NextObs[..(b * ObsSize)], batch.Weights[..b]).WireSize,
        };
        AddStats(o, "sample_", ts);
        AddStats(o, "update_", tu);
        AddStats(o, "stats_", tstat);
        var cycle = ts.Zip(tu, (x, y) => x + y).Zip(tstat, (x, y) => x + y).ToArray();
        AddStats(o, "cycle_", cycle);
        o["cycles_per_second"] = Math.Round(batches / (cycle.Sum() / (double)Stopwatch.Frequency));
        o["priorities_applied_fraction"] = Math.Round((double)applied / ((long)batches * b), 4);
        return o;
    }

    /// <summary>
    /// <paramref name="n"/> inserts with K in flight from the actor system; with a learner, one thread samples
    /// and updates priorities (one request at a time, as the Ape-X learner does) until the inserts are done.
    /// </summary>
    private static JsonObject PipelinedInserts(IActorRef shard, InsertTransitions[] messages, int n, int inFlight, TimeSpan timeout,
        RemoteReplayClient? learner, int batchSize, double beta)
    {
        Pump(shard, i => messages[i % messages.Length], Warmup(n), inFlight, timeout);
        long cycles = 0;
        using var stop = new CancellationTokenSource();
        Task? learnerLoop = null;
        var sw = Stopwatch.StartNew();
        if (learner is not null)
        {
            learnerLoop = Task.Factory.StartNew(() =>
            {
                var batch = new ReplayBatch(batchSize, ObsSize, 1);
                var td = new float[batchSize];
                for (int r = 0; r < batchSize; r++) td[r] = 0.5f + r % 7 * 0.1f;
                while (!stop.IsCancellationRequested)
                {
                    if (!learner.TrySample(batchSize, beta, batch)) throw new InvalidOperationException("bench cluster: the replay refused a sample");
                    learner.UpdatePriorities(batch.Indices.AsSpan(0, batchSize), batch.Keys.AsSpan(0, batchSize), td);
                    cycles++;
                }
            }, TaskCreationOptions.LongRunning);
        }
        double s = Pump(shard, i => messages[i % messages.Length], n, inFlight, timeout);
        stop.Cancel();
        learnerLoop?.Wait();
        double learnerSeconds = sw.Elapsed.TotalSeconds;
        int rows = messages[0].Rows;
        var o = new JsonObject
        {
            ["measure"] = "experience_pipelined", ["message"] = $"InsertTransitions({rows} CartPole rows)", ["from"] = "actor", ["n"] = n, ["in_flight"] = inFlight,
            ["inserts_per_second"] = Math.Round(n / s), ["us_per_insert"] = Math.Round(s * 1e6 / n, 1),
            ["transitions_per_second"] = Math.Round((double)n * rows / s),
        };
        if (learner is not null)
        {
            o["learner"] = $"SampleRequest({batchSize}) + UpdatePriorities({batchSize}), one at a time";
            o["learner_cycles_per_second"] = Math.Round(cycles / learnerSeconds, 1);
        }
        return o;
    }
}

/// <summary>Writes Akka's log events to stderr; drops them while <see cref="Quiet"/> (during the benchmark's shutdown).</summary>
internal sealed class AkkaStderrLogger : ReceiveActor
{
    internal static volatile bool Quiet;

    public AkkaStderrLogger()
    {
        Receive<Akka.Event.InitializeLogger>(_ => Sender.Tell(new Akka.Event.LoggerInitialized()));
        Receive<Akka.Event.LogEvent>(e =>
        {
            if (!Quiet) Console.Error.WriteLine(e.ToString());
        });
    }
}
