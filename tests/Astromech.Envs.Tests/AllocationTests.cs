using Astromech.Envs.Registry;

namespace Astromech.Envs.Tests;

public class AllocationTests
{
    [Theory]
    [MemberData(nameof(RegistryTests.RegisteredIds), MemberType = typeof(RegistryTests))]
    public void StepAndResetAllocateNothing(string id)
    {
        using var env = EnvRegistry.Make(id, maxEpisodeSteps: 50);
        var obs = new float[env.ObservationSpace.FlatSize];
        var action = new float[env.ActionSpace.FlatSize];
        var rng = new Rng(0);
        env.Reset(obs, seed: 0);
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                env.ActionSpace.Sample(rng, action);
                if (env.Step(action, obs).Done) env.Reset(obs);
            }
        }
        Run(1000); // warm up (JIT, tiered compilation)
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(5000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
