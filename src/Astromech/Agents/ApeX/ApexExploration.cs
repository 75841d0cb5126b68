namespace Astromech.Agents.ApeX;

/// <summary>Ape-X's fixed per-actor exploration (Horgan et al. 2018, §4.1; R2D2 uses it too).</summary>
public static class ApexExploration
{
    /// <summary>ε for copy <paramref name="i"/> of <paramref name="count"/>: ε^(1 + α·i/(N − 1)), ε itself when N = 1.</summary>
    public static double Epsilon(int i, int count, double epsilon, double alpha) =>
        count <= 1 ? epsilon : Math.Pow(epsilon, 1 + alpha * i / (count - 1));
}
