using System.Runtime.InteropServices;

namespace Astromech.Envs.MuJoCo.Native;

/// <summary>
/// The MuJoCo 2.2.2 C functions we call. The library is looked up by its soname (<see cref="MuJoCoLibrary.SoName"/>)
/// through a <see cref="NativeLibrary"/> resolver, so only the runtime package (libmujoco2.2.2) is needed, not the
/// -dev package's unversioned libmujoco.so link. Call <see cref="MuJoCoLibrary.EnsureLoaded"/> before any of these:
/// it turns a missing library into an exception that names the package to install.
/// Pointers are raw (<c>IntPtr</c>): the safe wrappers <see cref="MjModel"/> and <see cref="MjData"/> own them.
/// MuJoCo's fatal errors (mju_error, e.g. an mjData arena overflow) keep the library's default handler, which prints
/// the message and exits the process: a C# handler could not unwind through native frames. Recoverable problems
/// (bad MJCF) come back as error strings and become exceptions; simulation instabilities reset the state and count a
/// warning (<see cref="MjData.WarningCount"/>).
/// </summary>
internal static unsafe class MjNative
{
    internal const string Lib = "mujoco";

    static MjNative() => MuJoCoLibrary.InstallResolver();

    [DllImport(Lib)] internal static extern int mj_version();
    [DllImport(Lib)] internal static extern IntPtr mj_versionString();

    [DllImport(Lib)] internal static extern void mj_defaultVFS(IntPtr vfs);
    [DllImport(Lib)] internal static extern int mj_makeEmptyFileVFS(IntPtr vfs, byte* filename, int filesize);
    [DllImport(Lib)] internal static extern int mj_findFileVFS(IntPtr vfs, byte* filename);
    [DllImport(Lib)] internal static extern void mj_deleteVFS(IntPtr vfs);

    [DllImport(Lib)] internal static extern IntPtr mj_loadXML(byte* filename, IntPtr vfs, byte* error, int errorSize);
    [DllImport(Lib)] internal static extern void mj_deleteModel(IntPtr m);
    [DllImport(Lib)] internal static extern IntPtr mj_makeData(IntPtr m);
    [DllImport(Lib)] internal static extern void mj_deleteData(IntPtr d);
    [DllImport(Lib)] internal static extern void mj_resetData(IntPtr m, IntPtr d);

    [DllImport(Lib)] internal static extern void mj_step(IntPtr m, IntPtr d);
    [DllImport(Lib)] internal static extern void mj_forward(IntPtr m, IntPtr d);
    [DllImport(Lib)] internal static extern void mj_rnePostConstraint(IntPtr m, IntPtr d);
    [DllImport(Lib)] internal static extern void mj_contactForce(IntPtr m, IntPtr d, int id, double* result);

    [DllImport(Lib)] internal static extern int mj_name2id(IntPtr m, int type, byte* name);
    [DllImport(Lib)] internal static extern double mj_getTotalmass(IntPtr m);
}

