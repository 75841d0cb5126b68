using Astromech.Envs.ClassicControl;
using Astromech.Envs.Registry;
using Astromech.Envs.Wrappers;

namespace Astromech.Envs.Memory;

/// <summary>
/// Registers the partially observable tasks, where an agent without memory cannot reach the optimum: the two
/// CartPole POMDPs of the DRQN / R2D2 literature (same limit and threshold as CartPole-v1) and the T-maze.
/// </summary>
internal static class MemoryTasks
{
    [EnvRegistration]
    internal static void Register()
    {
        EnvRegistry.Register(new EnvSpec("CartPoleNoVelocity-v1",
            () => new MaskObservation(new CartPole(), new[] { 1, 3 }), 500, 475.0,
            "CartPole-v1 observing only [x, theta]: the velocities must be inferred from successive observations."));
        EnvRegistry.Register(new EnvSpec("CartPoleFlicker-v1",
            () => new FlickerObservation(new CartPole(), 0.5), 500, 475.0,
            "CartPole-v1 whose observation is blanked to zeros with probability flicker_probability (DRQN's flickering)."));
        EnvRegistry.Register(new EnvSpec("TMaze-v0", () => new TMaze(), null, 1.75,
            "Remember a cue seen only at the start of a corridor and turn to its side at the end (Bakker 2002); " +
            "the env truncates at 4*(length+1) steps; the threshold (1.75) means >= 95% success at the default length."));
    }
}
