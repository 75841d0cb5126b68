using Astromech.Envs.Registry;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// Registers the MuJoCo locomotion envs with Gymnasium's v5 ids, limits (1000 steps) and reward thresholds.
/// Registration needs no native library; making one of these envs does (see <see cref="MuJoCoLibrary"/>).
/// </summary>
internal static class MuJoCoEnvs
{
    [EnvRegistration]
    internal static void Register()
    {
        EnvRegistry.Register(new EnvSpec("HalfCheetah-v5", () => new HalfCheetah(), 1000, 4800.0,
            "MuJoCo planar cheetah running forward; 6 torques in [-1, 1], 17-dim observation (Gymnasium v5)."));
        EnvRegistry.Register(new EnvSpec("Hopper-v5", () => new Hopper(), 1000, 3800.0,
            "MuJoCo planar one-legged hopper; 3 torques, 11-dim observation, ends when it falls (Gymnasium v5)."));
        EnvRegistry.Register(new EnvSpec("Walker2d-v5", () => new Walker2d(), 1000, null,
            "MuJoCo planar biped walker; 6 torques, 17-dim observation, ends when it falls (Gymnasium v5)."));
        EnvRegistry.Register(new EnvSpec("Ant-v5", () => new Ant(), 1000, 6000.0,
            "MuJoCo quadruped walking along x; 8 torques, 105-dim observation incl. contact forces (Gymnasium v5)."));
        EnvRegistry.Register(new EnvSpec("InvertedPendulum-v5", () => new InvertedPendulum(), 1000, 950.0,
            "MuJoCo cart-pole with a continuous force in [-3, 3]; ends when |angle| > 0.2 (Gymnasium v5)."));
    }
}
