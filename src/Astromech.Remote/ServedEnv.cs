using System;
using System.Collections.Generic;
using Astromech.Remote.Protocol;

namespace Astromech.Remote
{
    /// <summary>The protocol version this library speaks (the <c>v1</c> in the proto package).</summary>
    public static class RemoteProtocol
    {
        public const uint Version = 1;
    }

    /// <summary>What one step of a served env reports besides the observation.</summary>
    public readonly struct ServedStep
    {
        public ServedStep(double reward, bool terminated, bool truncated, bool? success = null)
        {
            Reward = reward;
            Terminated = terminated;
            Truncated = truncated;
            Success = success;
        }

        public double Reward { get; }
        public bool Terminated { get; }
        public bool Truncated { get; }
        /// <summary>Gymnasium's <c>info["is_success"]</c> for the last step of an episode, when the env has a goal.</summary>
        public bool? Success { get; }
    }

    /// <summary>
    /// The env a game or simulator serves: Gymnasium semantics over flat float arrays (see the proto's header for the
    /// layout). <see cref="RemoteEnvService"/> calls it from gRPC worker threads, one call at a time per instance; an
    /// engine whose API must be called on its main thread hands the call over there (docs/remote-envs.md).
    /// Throw <see cref="ArgumentException"/> for a bad action and <see cref="InvalidOperationException"/> for a call
    /// out of order (a step after the end of an episode): the client sees them as INVALID_ARGUMENT and
    /// FAILED_PRECONDITION with your message.
    /// </summary>
    public interface IServedEnv : IDisposable
    {
        Space ObservationSpace { get; }
        Space ActionSpace { get; }

        /// <summary>Starts an episode, writing the first observation into <paramref name="observation"/>; with a seed the env reseeds first.</summary>
        void Reset(float[] observation, int? seed, IReadOnlyDictionary<string, string> options);

        /// <summary>Advances one step with <paramref name="action"/>, writing the next observation into <paramref name="observation"/>.</summary>
        ServedStep Step(float[] action, float[] observation);
    }

    /// <summary>Builders for the protocol's space messages and their flat sizes.</summary>
    public static class Spaces
    {
        public static Space Discrete(int n, int start = 0)
        {
            if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Discrete needs n > 0");
            return new Space { Discrete = new DiscreteSpace { N = n, Start = start } };
        }

        public static Space MultiDiscrete(params int[] nvec)
        {
            if (nvec.Length == 0) throw new ArgumentException("MultiDiscrete needs at least one component");
            var m = new MultiDiscreteSpace();
            foreach (int n in nvec)
            {
                if (n <= 0) throw new ArgumentException($"MultiDiscrete component {n} must be > 0");
                m.Nvec.Add(n);
            }
            return new Space { MultiDiscrete = m };
        }

        /// <summary>A box of <paramref name="shape"/> with per-element bounds (row-major); use ±infinity for unbounded dimensions.</summary>
        public static Space Box(float[] low, float[] high, int[]? shape = null, DType dtype = DType.Float32)
        {
            shape ??= new[] { low.Length };
            int size = 1;
            foreach (int d in shape) size *= d;
            if (low.Length != size || high.Length != size)
                throw new ArgumentException($"Box bounds have {low.Length}/{high.Length} elements but the shape needs {size}");
            var b = new BoxSpace { Dtype = dtype };
            b.Shape.AddRange(shape);
            b.Low.AddRange(low);
            b.High.AddRange(high);
            return new Space { Box = b };
        }

        /// <summary>Floats one element of <paramref name="space"/> occupies.</summary>
        public static int FlatSize(Space space)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Discrete: return 1;
                case Space.KindOneofCase.MultiDiscrete: return space.MultiDiscrete.Nvec.Count;
                case Space.KindOneofCase.Box: return space.Box.Low.Count;
                default: throw new ArgumentException("the space message sets no kind (discrete, multi_discrete or box)");
            }
        }
    }
}
