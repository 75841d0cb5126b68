using System.Reflection;
using System.Runtime.InteropServices;
using Astromech.Envs.MuJoCo.Native;

namespace Astromech.Envs.MuJoCo;

/// <summary>
/// Finding and loading the MuJoCo shared library. Astromech binds the C API of MuJoCo 2.2.2 (Debian 12's
/// <c>libmujoco2.2.2</c>); the struct layouts it reads (<see cref="MjLayout"/>) are for that version, so a
/// library reporting another version is refused rather than misread.
/// </summary>
public static class MuJoCoLibrary
{
    /// <summary>The soname we load: the file the Debian package <c>libmujoco2.2.2</c> installs.</summary>
    public const string SoName = "libmujoco.so.2.2.2";

    /// <summary>The Debian package that provides <see cref="SoName"/>.</summary>
    public const string Package = "libmujoco2.2.2";

    private static readonly object Gate = new();
    private static IntPtr _handle;
    private static bool _resolverInstalled;
    private static string? _loadedFrom;
    private static bool _ready;
    private static string? _versionError;

    /// <summary>Where the library was loaded from (the soname asked for), or null before the first load.</summary>
    public static string? LoadedFrom => _loadedFrom;

    /// <summary>The message for a library that cannot be loaded: what was looked for and which package to install.</summary>
    public static string MissingLibraryMessage(string soName, string? detail = null) =>
        $"MuJoCo native library '{soName}' could not be loaded" + (string.IsNullOrEmpty(detail) ? "" : $" ({detail})") +
        $". The MuJoCo envs need MuJoCo 2.2.2: install the Debian package {Package} (apt-get install {Package}).";

    /// <summary>
    /// Loads MuJoCo (once) and checks its version against the layout we were built for. Throws
    /// <see cref="MuJoCoNotFoundException"/> naming the package to install when the library is missing.
    /// </summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref _ready)) return;
        lock (Gate)
        {
            if (_ready) return;
            if (_versionError is not null) throw new MuJoCoNotFoundException(_versionError);
            if (_handle == IntPtr.Zero)
            {
                var h = Load(SoName);
                InstallResolver();
                _loadedFrom = SoName;
                Volatile.Write(ref _handle, h);
            }
            int v = MjNative.mj_version();
            if (v != MjLayout.Version)
            {
                _versionError =
                    $"{SoName} reports MuJoCo version {v}, but Astromech reads MuJoCo's structs with the layout of version " +
                    $"{MjLayout.Version} (src/Astromech.Envs/MuJoCo/Native/MjLayout.cs; regenerate it with regen-layout.sh for another version).";
                throw new MuJoCoNotFoundException(_versionError);
            }
            Volatile.Write(ref _ready, true);
        }
    }

    /// <summary>Loads <paramref name="soName"/> or throws <see cref="MuJoCoNotFoundException"/> with <see cref="MissingLibraryMessage"/>.</summary>
    public static IntPtr Load(string soName)
    {
        try
        {
            return NativeLibrary.Load(soName);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new MuJoCoNotFoundException(MissingLibraryMessage(soName, e.Message), e);
        }
    }

    internal static void InstallResolver()
    {
        lock (Gate)
        {
            if (_resolverInstalled) return;
            _resolverInstalled = true;
            NativeLibrary.SetDllImportResolver(typeof(MuJoCoLibrary).Assembly, Resolve);
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != MjNative.Lib) return IntPtr.Zero;
        var h = Volatile.Read(ref _handle);
        return h != IntPtr.Zero ? h : Load(SoName);
    }
}

/// <summary>The MuJoCo library is missing or is not the version Astromech binds; the message says what to install (the CLI prints it as an error line).</summary>
public sealed class MuJoCoNotFoundException : InvalidOperationException
{
    public MuJoCoNotFoundException(string message, Exception? inner = null) : base(message, inner) { }
}
