namespace Astromech.Envs.Wrappers;

/// <summary>
/// A wrapper whose running statistics belong in a checkpoint (observation and reward normalisation):
/// without them a restored agent would see differently scaled inputs.
/// </summary>
public interface IStatefulWrapper
{
    void SaveState(BinaryWriter writer);
    void LoadState(BinaryReader reader);
}

public static class StatefulWrapperExtensions
{
    public static void SaveState(this IStatefulWrapper wrapper, Stream stream)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        wrapper.SaveState(w);
    }

    public static void LoadState(this IStatefulWrapper wrapper, Stream stream)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        wrapper.LoadState(r);
    }
}
