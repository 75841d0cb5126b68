using Astromech.Agents.Bc;
using Astromech.Datasets;
using Astromech.Envs.Spaces;
using Astromech.Training;
using TorchSharp;

namespace Astromech.Tests.Agents.Bc;

[Collection(Astromech.Tests.Learning.SerialCollection.Name)]
public class BcTests
{
    private static readonly Box Obs2 = new(new[] { -1f, -1f }, new[] { 1f, 1f });

    /// <summary>a = 0.5·x₀ − 0.3·x₁ on a Box of [−2, 2] (so [−0.4, 0.4] of the half-range after scaling), plus N(0, 0.05²) noise.</summary>
    private static float Teacher(float x0, float x1) => 2f * (0.5f * x0 - 0.3f * x1);

    /// <summary>
    /// BC recovers a known linear policy from 3,000 noisy samples: seed 0, [64, 64], lr 1e-3, 2,000 updates of 256. The
    /// deterministic action on 200 fresh states must be within 0.06 of the teacher's on average (the noise σ is 0.1 in
    /// env units; a policy that ignored the state would be off by ≈ 0.47, one that had the sign of x₁ wrong by ≈ 0.5).
    /// </summary>
    [Fact]
    public void GaussianBcRecoversALinearPolicyFromNoisyDemonstrations()
    {
        torch.set_num_threads(1);
        var act = new Box(new[] { -2f }, new[] { 2f });
        var rng = new Random(0);
        var b = new OfflineDatasetBuilder(2, 1);
        for (int i = 0; i < 3000; i++)
        {
            float x0 = (float)(rng.NextDouble() * 2 - 1), x1 = (float)(rng.NextDouble() * 2 - 1);
            float a = Math.Clamp(Teacher(x0, x1) + (float)(0.1 * Gaussian(rng)), -2f, 2f);
            b.Add(new[] { x0, x1 }, new[] { a }, 0f, terminal: false, truncated: i % 100 == 99, new[] { x0, x1 });
        }
        using var bc = new BcAgent(new BcConfig { NetArch = new[] { 64, 64 }, LearningRate = 1e-3 }, Obs2, act, seed: 0);
        bc.LoadDataset(b.Build());
        for (int u = 0; u < 2000; u++) bc.OfflineUpdate();
        var test = new Random(1);
        double err = 0;
        for (int i = 0; i < 200; i++)
        {
            float x0 = (float)(test.NextDouble() * 2 - 1), x1 = (float)(test.NextDouble() * 2 - 1);
            var a = new float[1];
            bc.Act(new[] { x0, x1 }, a, new Progress(0, 1), deterministic: true);
            err += Math.Abs(a[0] - Teacher(x0, x1));
        }
        err /= 200;
        Assert.True(err < 0.06, $"mean |a − teacher(s)| = {err:F4}");
    }

    /// <summary>Categorical BC learns "action 2 when x₀ > 0, else action 0" of three: ≥ 95% argmax agreement on fresh states
    /// (seed 0; errors concentrate near the boundary x₀ = 0, where 5% of the states lie within ±0.05).</summary>
    [Fact]
    public void CategoricalBcLearnsADiscreteRuleAndRefusesActionsOutsideTheSpace()
    {
        torch.set_num_threads(1);
        var rng = new Random(0);
        var b = new OfflineDatasetBuilder(2, 1);
        for (int i = 0; i < 2000; i++)
        {
            float x0 = (float)(rng.NextDouble() * 2 - 1), x1 = (float)(rng.NextDouble() * 2 - 1);
            b.Add(new[] { x0, x1 }, new[] { x0 > 0 ? 2f : 0f }, 0f, false, i % 50 == 49, new[] { x0, x1 });
        }
        using var bc = new BcAgent(new BcConfig { NetArch = new[] { 64, 64 }, LearningRate = 1e-3 }, Obs2, new Discrete(3), seed: 0);
        bc.LoadDataset(b.Build());
        for (int u = 0; u < 1500; u++) bc.OfflineUpdate();
        var test = new Random(1);
        int agree = 0;
        for (int i = 0; i < 400; i++)
        {
            float x0 = (float)(test.NextDouble() * 2 - 1), x1 = (float)(test.NextDouble() * 2 - 1);
            var a = new float[1];
            bc.Act(new[] { x0, x1 }, a, new Progress(0, 1), deterministic: true);
            if (a[0] == (x0 > 0 ? 2f : 0f)) agree++;
        }
        Assert.True(agree >= 380, $"{agree}/400 argmax actions follow the rule");

        var bad = new OfflineDatasetBuilder(2, 1);
        bad.Add(new[] { 0f, 0f }, new[] { 3f }, 0f, true, false, new[] { 0f, 0f });
        using var other = new BcAgent(new BcConfig(), Obs2, new Discrete(3), seed: 0);
        var e = Assert.Throws<ArgumentException>(() => other.LoadDataset(bad.Build()));
        Assert.Contains("row 0", e.Message);
        Assert.Contains("Discrete(3)", e.Message);
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
