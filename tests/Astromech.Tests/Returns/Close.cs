namespace Astromech.Tests.Returns;

/// <summary>Elementwise float comparison for the return estimators: |e − a| ≤ tol·max(1, |e|); NaN matches NaN.</summary>
internal static class Close
{
    public static void All(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i])) { Assert.True(float.IsNaN(actual[i]), $"[{i}]: expected NaN, got {actual[i]}"); continue; }
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }
}
