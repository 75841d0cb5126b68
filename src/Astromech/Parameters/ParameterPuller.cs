using Astromech.Nn;
using Astromech.Training;
using TorchSharp;

namespace Astromech.Parameters;

/// <summary>
/// A remote actor's side of the parameter source: loads the newest published set into its network copies
/// (<see cref="Pull"/>), remembers the version it acts with, and before acting waits for the learner's first
/// set (<see cref="WaitForFirst"/>: acting with a random network only fills replay with noise).
/// </summary>
public sealed class ParameterPuller(IParameterSource source, Action<long>? loaded, params torch.nn.Module[] modules)
{
    /// <summary>Version of the parameters loaded last (−1: none yet).</summary>
    public long Version { get; private set; } = -1;

    /// <summary>Loads the served set if it is not the one loaded last; returns whether it did.</summary>
    public bool Pull()
    {
        var p = source.GetNewer(Version);
        if (p is null) return false;
        ParameterVector.Write(p.Values, modules);
        Version = p.Version;
        loaded?.Invoke(Version);
        return true;
    }

    /// <summary>Pulls until a first set arrives; false when the host stops first.</summary>
    public bool WaitForFirst(IActorHost host)
    {
        while (!Pull())
        {
            if (!host.SafePoint()) return false;
            Thread.Sleep(100);
        }
        return true;
    }
}
