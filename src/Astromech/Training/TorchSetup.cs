using TorchSharp;

namespace Astromech.Training;

/// <summary>
/// Process-wide TorchSharp settings, chosen deliberately. The intra-op thread count defaults to 1: the
/// networks of classic-control agents are small (batches of 32–256 rows through 64–256 units), where
/// libtorch's thread pool costs more in synchronisation than it saves (measured in the learner benchmark);
/// pass more for large convolutional torsos.
/// </summary>
public static class TorchSetup
{
    public static void Configure(int? threads = null)
    {
        int n = threads ?? (int.TryParse(Environment.GetEnvironmentVariable("ASTROMECH_TORCH_THREADS"), out var e) ? e : 1);
        if (n < 1) throw new ArgumentException($"torch threads must be at least 1, got {n}");
        torch.set_num_threads(n);
    }
}
