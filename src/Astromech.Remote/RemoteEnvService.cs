using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Astromech.Remote.Protocol;
using Grpc.Core;

namespace Astromech.Remote
{
    /// <summary>Describes a served env to clients (handshake) and bounds how many sessions a server keeps.</summary>
    public sealed class RemoteEnvServiceOptions
    {
        /// <summary>A name for the env, shown to the trainer (its run summary, its logs).</summary>
        public string EnvId { get; set; } = "remote";
        public double? RewardThreshold { get; set; }
        public int? MaxEpisodeSteps { get; set; }
        /// <summary>Open sessions beyond this are refused with RESOURCE_EXHAUSTED (a client that never closes leaks one).</summary>
        public int MaxSessions { get; set; } = 1024;
    }

    /// <summary>
    /// The env side of the protocol, independent of how it is hosted: ASP.NET Core's <c>MapGrpcService</c> (net10:
    /// Astromech.Remote.Host's RemoteEnvServer), or any gRPC server that takes a <see cref="RemoteEnv.RemoteEnvBase"/>.
    /// Each session owns its own copies of the env, made by the factory; calls on one session are serialized.
    /// </summary>
    public sealed class RemoteEnvService : RemoteEnv.RemoteEnvBase, IDisposable
    {
        private readonly Func<IServedEnv> _factory;
        private readonly RemoteEnvServiceOptions _options;
        private readonly ConcurrentDictionary<string, Session> _sessions = new ConcurrentDictionary<string, Session>();
        private long _nextSession;

        public RemoteEnvService(Func<IServedEnv> factory, RemoteEnvServiceOptions? options = null)
        {
            _factory = factory ?? throw new ArgumentNullException(nameof(factory));
            _options = options ?? new RemoteEnvServiceOptions();
        }

        /// <summary>Sessions open now.</summary>
        public int SessionCount => _sessions.Count;

        private sealed class Session : IDisposable
        {
            public readonly IServedEnv[] Envs;
            public readonly bool[] NeedsReset;
            public readonly int ObsSize, ActSize;
            public readonly float[] Obs, Act;
            public readonly object Gate = new object();
            public readonly Space ObservationSpace, ActionSpace;

            public Session(IServedEnv[] envs)
            {
                Envs = envs;
                ObservationSpace = envs[0].ObservationSpace;
                ActionSpace = envs[0].ActionSpace;
                ObsSize = Spaces.FlatSize(ObservationSpace);
                ActSize = Spaces.FlatSize(ActionSpace);
                NeedsReset = new bool[envs.Length];
                for (int i = 0; i < NeedsReset.Length; i++) NeedsReset[i] = true;
                Obs = new float[ObsSize];
                Act = new float[ActSize];
            }

            public void Dispose()
            {
                foreach (var e in Envs) e.Dispose();
            }
        }

        public override Task<HandshakeReply> Handshake(HandshakeRequest request, ServerCallContext context)
        {
            if (request.ProtocolVersion != RemoteProtocol.Version)
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"protocol version mismatch: the client speaks version {request.ProtocolVersion}, this server speaks version {RemoteProtocol.Version}"));
            uint n = request.NumEnvs == 0 ? 1 : request.NumEnvs;
            if (n > 65536) throw new RpcException(new Status(StatusCode.InvalidArgument, $"num_envs {n} is more than the 65536 copies a session may hold"));
            if (_sessions.Count >= _options.MaxSessions)
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"this server already holds {_sessions.Count} sessions (at most {_options.MaxSessions}); close some"));
            var envs = new IServedEnv[n];
            try
            {
                for (int i = 0; i < n; i++) envs[i] = _factory() ?? throw new InvalidOperationException("the env factory returned null");
            }
            catch (Exception e)
            {
                foreach (var x in envs) x?.Dispose();
                throw new RpcException(new Status(StatusCode.Internal, $"could not make the env: {e.Message}"));
            }
            var session = new Session(envs);
            string id = "s" + Interlocked.Increment(ref _nextSession);
            _sessions[id] = session;
            var reply = new HandshakeReply
            {
                ProtocolVersion = RemoteProtocol.Version,
                Session = id,
                EnvId = _options.EnvId,
                ObservationSpace = session.ObservationSpace,
                ActionSpace = session.ActionSpace,
                HasRewardThreshold = _options.RewardThreshold.HasValue,
                RewardThreshold = _options.RewardThreshold ?? 0,
                MaxEpisodeSteps = _options.MaxEpisodeSteps ?? 0,
            };
            return Task.FromResult(reply);
        }

        public override Task<ResetReply> Reset(ResetRequest request, ServerCallContext context)
        {
            var s = Find(request.Session);
            var reply = new ResetReply();
            var options = new Dictionary<string, string>(request.Options);
            lock (s.Gate)
                Guard(() =>
                {
                    for (int i = 0; i < s.Envs.Length; i++)
                    {
                        s.NeedsReset[i] = true;
                        s.Envs[i].Reset(s.Obs, request.HasSeed ? unchecked(request.Seed + i) : (int?)null, options);
                        s.NeedsReset[i] = false;
                        reply.Observations.AddRange(s.Obs);
                    }
                });
            return Task.FromResult(reply);
        }

        public override Task<StepReply> Step(StepRequest request, ServerCallContext context)
        {
            var s = Find(request.Session);
            if (s.Envs.Length != 1)
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"session {request.Session} holds {s.Envs.Length} copies; step them with StepBatch"));
            if (request.Action.Count != s.ActSize)
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"the action has {request.Action.Count} floats but the action space needs {s.ActSize}"));
            var reply = new StepReply();
            lock (s.Gate)
                Guard(() =>
                {
                    if (s.NeedsReset[0])
                        throw new InvalidOperationException("Step called before Reset or after the episode ended; call Reset first");
                    request.Action.CopyTo(s.Act, 0);
                    var r = s.Envs[0].Step(s.Act, s.Obs);
                    if (r.Terminated || r.Truncated) s.NeedsReset[0] = true;
                    reply.Observation.AddRange(s.Obs);
                    reply.Reward = r.Reward;
                    reply.Terminated = r.Terminated;
                    reply.Truncated = r.Truncated;
                    reply.HasSuccess = r.Success.HasValue;
                    reply.Success = r.Success ?? false;
                });
            return Task.FromResult(reply);
        }

        public override Task<StepBatchReply> StepBatch(StepBatchRequest request, ServerCallContext context)
        {
            var s = Find(request.Session);
            int n = s.Envs.Length;
            if (request.Actions.Count != n * s.ActSize)
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"the batch has {request.Actions.Count} floats but {n} copies × {s.ActSize} per action need {n * s.ActSize}"));
            var reply = new StepBatchReply();
            lock (s.Gate)
                Guard(() =>
                {
                    for (int i = 0; i < n; i++)
                        if (s.NeedsReset[i]) throw new InvalidOperationException("StepBatch called before Reset; call Reset first");
                    var empty = new Dictionary<string, string>();
                    var zeros = new float[s.ObsSize];
                    for (int i = 0; i < n; i++)
                    {
                        for (int j = 0; j < s.ActSize; j++) s.Act[j] = request.Actions[i * s.ActSize + j];
                        ServedStep r;
                        try { r = s.Envs[i].Step(s.Act, s.Obs); }
                        catch
                        {
                            // Some copies stepped and some did not: the batch no longer describes one time step.
                            for (int k = 0; k < n; k++) s.NeedsReset[k] = true;
                            throw;
                        }
                        reply.Rewards.Add((float)r.Reward);
                        reply.Terminated.Add(r.Terminated);
                        reply.Truncated.Add(r.Truncated);
                        if (r.Terminated || r.Truncated)
                        {
                            reply.FinalObservations.AddRange(s.Obs);
                            s.Envs[i].Reset(s.Obs, null, empty);
                        }
                        else reply.FinalObservations.AddRange(zeros);
                        reply.Observations.AddRange(s.Obs);
                    }
                });
            return Task.FromResult(reply);
        }

        public override Task<CloseReply> Close(CloseRequest request, ServerCallContext context)
        {
            if (_sessions.TryRemove(request.Session, out var s))
                lock (s.Gate) s.Dispose();
            return Task.FromResult(new CloseReply());
        }

        private Session Find(string id)
        {
            if (_sessions.TryGetValue(id, out var s)) return s;
            throw new RpcException(new Status(StatusCode.NotFound, $"no open session '{id}' on this server (closed, or the server restarted); handshake again"));
        }

        private static void Guard(Action body)
        {
            try { body(); }
            catch (RpcException) { throw; }
            catch (ArgumentException e) { throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message)); }
            catch (InvalidOperationException e) { throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message)); }
            catch (Exception e) { throw new RpcException(new Status(StatusCode.Internal, $"the env threw {e.GetType().Name}: {e.Message}")); }
        }

        public void Dispose()
        {
            foreach (var id in _sessions.Keys)
                if (_sessions.TryRemove(id, out var s))
                    lock (s.Gate) s.Dispose();
        }
    }
}
