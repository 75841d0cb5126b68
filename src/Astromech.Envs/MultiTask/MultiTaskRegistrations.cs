using Astromech.Envs.ClassicControl;
using Astromech.Envs.Registry;

namespace Astromech.Envs.MultiTask;

/// <summary>
/// Registers the multi-task envs. CartPoleMultiTask-v0 holds three CartPole variants with the same spaces but
/// different dynamics, 200-step episodes (CartPole-v0's limit) and a task-id feature at observation index 4:
/// 0 = standard CartPole; 1 = mirrored push (force_mag −10: action 0 pushes right), which a task-blind policy
/// cannot solve together with task 0; 2 = a long, heavy pole (half-length 1.0 m, 0.5 kg; slower to fall).
/// </summary>
internal static class MultiTaskRegistrations
{
    /// <summary>The task names of CartPoleMultiTask-v0, in task-id order.</summary>
    public static readonly string[] CartPoleTasks = { "standard", "mirrored", "long-pole" };

    [EnvRegistration]
    internal static void Register()
    {
        EnvRegistry.Register(new EnvSpec("CartPoleMultiTask-v0", CartPoleMultiTask, 200, 195.0,
            "Three CartPole variants (0 standard, 1 mirrored push, 2 long heavy pole), one drawn per episode; the task id " +
            "is observation feature 4 and info[\"task\"]; env arg task=k fixes the task."));
    }

    internal static IEnv CartPoleMultiTask()
    {
        var tasks = new IEnv[]
        {
            new CartPole(),
            new CartPole { ForceMag = -10.0 },
            new CartPole { Length = 1.0, MassPole = 0.5 },
        };
        return new MultiTaskEnv(tasks, CartPoleTasks);
    }
}
