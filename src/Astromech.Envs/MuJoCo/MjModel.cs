using System.Runtime.InteropServices;
using System.Text;
using Astromech.Envs.MuJoCo.Native;
using Microsoft.Win32.SafeHandles;

namespace Astromech.Envs.MuJoCo;

/// <summary>Owns an <c>mjModel*</c>; releasing it calls <c>mj_deleteModel</c>.</summary>
public sealed class MjModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public MjModelHandle() : base(true) { }
    internal MjModelHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle()
    {
        MjNative.mj_deleteModel(handle);
        return true;
    }
}

/// <summary>MuJoCo object types for <see cref="MjModel.NameToId"/> (the values of mjtObj in 2.2.2).</summary>
public enum MjObject
{
    Body = 1, XBody = 2, Joint = 3, Dof = 4, Geom = 5, Site = 6, Camera = 7, Light = 8, Mesh = 9, Skin = 10,
    HField = 11, Texture = 12, Material = 13, Pair = 14, Exclude = 15, Equality = 16, Tendon = 17, Actuator = 18,
}

/// <summary>
/// A compiled MuJoCo model (<c>mjModel</c>), loaded from an MJCF file or string. Sizes and the arrays we need are
/// read from the struct through the 2.2.2 layout in <see cref="MjLayout"/>; arrays are exposed as spans over the
/// model's own memory (valid while the model is alive; writes change the model, e.g. for domain randomization).
/// </summary>
public sealed unsafe class MjModel : IDisposable
{
    private readonly MjModelHandle _handle;
    private readonly byte* _p;

    private MjModel(IntPtr p)
    {
        _handle = new MjModelHandle(p);
        _p = (byte*)p;
    }

    /// <summary>Loads an MJCF file. Throws <see cref="MuJoCoNotFoundException"/> without the library, <see cref="ArgumentException"/> with the compiler's message for a bad model.</summary>
    public static MjModel FromXmlFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        MuJoCoLibrary.EnsureLoaded();
        if (!File.Exists(path)) throw new FileNotFoundException($"MJCF file not found: {path}", path);
        return Load(Path.GetFullPath(path), IntPtr.Zero, path);
    }

    /// <summary>Compiles an MJCF document held in a string (through MuJoCo's in-memory virtual file system).</summary>
    public static MjModel FromXmlString(string xml, string name = "model.xml")
    {
        ArgumentNullException.ThrowIfNull(xml);
        MuJoCoLibrary.EnsureLoaded();
        byte[] bytes = Encoding.UTF8.GetBytes(xml);
        IntPtr vfs = (IntPtr)NativeMemory.AllocZeroed((nuint)MjLayout.SizeofVfs);
        try
        {
            MjNative.mj_defaultVFS(vfs);
            byte[] fname = Utf8Z(name);
            fixed (byte* f = fname)
            {
                int rc = MjNative.mj_makeEmptyFileVFS(vfs, f, bytes.Length);
                if (rc != 0) throw new InvalidOperationException($"mj_makeEmptyFileVFS('{name}') failed with code {rc}");
                int idx = MjNative.mj_findFileVFS(vfs, f);
                if (idx < 0) throw new InvalidOperationException($"mj_findFileVFS('{name}') did not find the file just made");
                byte* data = ((byte**)((byte*)vfs + MjLayout.Vfs_filedata))[idx];
                bytes.AsSpan().CopyTo(new Span<byte>(data, bytes.Length));
            }
            return Load(name, vfs, name);
        }
        finally
        {
            MjNative.mj_deleteVFS(vfs);
            NativeMemory.Free((void*)vfs);
        }
    }

    private static MjModel Load(string fileName, IntPtr vfs, string what)
    {
        const int ErrSize = 1000;
        byte* err = stackalloc byte[ErrSize];
        err[0] = 0;
        IntPtr m;
        fixed (byte* f = Utf8Z(fileName)) m = MjNative.mj_loadXML(f, vfs, err, ErrSize);
        if (m == IntPtr.Zero)
        {
            string msg = Marshal.PtrToStringUTF8((IntPtr)err) ?? "";
            throw new ArgumentException($"MuJoCo could not compile the MJCF model '{what}': {msg.Trim()}");
        }
        return new MjModel(m);
    }

    private static byte[] Utf8Z(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    /// <summary>The raw <c>mjModel*</c>; valid while this object is alive and not disposed.</summary>
    public IntPtr Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return (IntPtr)_p;
        }
    }

    internal MjModelHandle Handle => _handle;

    private int Int(int offset)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return *(int*)(_p + offset);
    }

    private T* Arr<T>(int offset) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return *(T**)(_p + offset);
    }

    /// <summary>Number of generalized coordinates (length of qpos).</summary>
    public int Nq => Int(MjLayout.Model_nq);
    /// <summary>Number of degrees of freedom (length of qvel).</summary>
    public int Nv => Int(MjLayout.Model_nv);
    /// <summary>Number of actuators (length of ctrl).</summary>
    public int Nu => Int(MjLayout.Model_nu);
    /// <summary>Number of activation states.</summary>
    public int Na => Int(MjLayout.Model_na);
    /// <summary>Number of bodies, the world body included.</summary>
    public int NBody => Int(MjLayout.Model_nbody);
    public int NJnt => Int(MjLayout.Model_njnt);
    public int NGeom => Int(MjLayout.Model_ngeom);
    public int NSite => Int(MjLayout.Model_nsite);
    public int NMocap => Int(MjLayout.Model_nmocap);

    /// <summary>Simulation time step (mjOption.timestep), seconds.</summary>
    public double Timestep
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return *(double*)(_p + MjLayout.Model_opt_timestep);
        }
        set
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            if (!(value > 0) || !double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "timestep must be a finite number > 0");
            *(double*)(_p + MjLayout.Model_opt_timestep) = value;
        }
    }

    /// <summary>Gravity vector (mjOption.gravity).</summary>
    public Span<double> Gravity => new((byte*)Pointer + MjLayout.Model_opt_gravity, 3);

    /// <summary>Reference configuration (the qpos of the model as written), nq.</summary>
    public Span<double> Qpos0 => new(Arr<double>(MjLayout.Model_qpos0), Nq);
    public Span<int> BodyParentId => new(Arr<int>(MjLayout.Model_body_parentid), NBody);
    public Span<double> BodyMass => new(Arr<double>(MjLayout.Model_body_mass), NBody);
    /// <summary>Joint types (mjtJoint: 0 free, 1 ball, 2 slide, 3 hinge), njnt.</summary>
    public Span<int> JntType => new(Arr<int>(MjLayout.Model_jnt_type), NJnt);
    public Span<int> JntQposAdr => new(Arr<int>(MjLayout.Model_jnt_qposadr), NJnt);
    public Span<int> JntDofAdr => new(Arr<int>(MjLayout.Model_jnt_dofadr), NJnt);
    public Span<byte> JntLimited => new(Arr<byte>(MjLayout.Model_jnt_limited), NJnt);
    /// <summary>Joint limits, njnt × 2 (radians for hinges).</summary>
    public Span<double> JntRange => new(Arr<double>(MjLayout.Model_jnt_range), NJnt * 2);
    public Span<int> GeomBodyId => new(Arr<int>(MjLayout.Model_geom_bodyid), NGeom);
    /// <summary>Geom friction (slide, spin, roll), ngeom × 3.</summary>
    public Span<double> GeomFriction => new(Arr<double>(MjLayout.Model_geom_friction), NGeom * 3);
    public Span<byte> ActuatorCtrlLimited => new(Arr<byte>(MjLayout.Model_actuator_ctrllimited), Nu);
    /// <summary>Actuator control ranges, nu × 2.</summary>
    public Span<double> ActuatorCtrlRange => new(Arr<double>(MjLayout.Model_actuator_ctrlrange), Nu * 2);
    /// <summary>Actuator gears, nu × 6 (the first entry is the scalar gear of a joint motor).</summary>
    public Span<double> ActuatorGear => new(Arr<double>(MjLayout.Model_actuator_gear), Nu * 6);
    /// <summary>Actuator transmission targets, nu × 2 (for a joint actuator: the joint id, -1).</summary>
    public Span<int> ActuatorTrnId => new(Arr<int>(MjLayout.Model_actuator_trnid), Nu * 2);

    /// <summary>Total mass of all bodies (mj_getTotalmass).</summary>
    public double TotalMass
    {
        get
        {
            var r = MjNative.mj_getTotalmass(Pointer);
            GC.KeepAlive(this);
            return r;
        }
    }

    /// <summary>The id of a named object, or -1 when there is none (mj_name2id).</summary>
    public int NameToId(MjObject type, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int id;
        fixed (byte* n = Utf8Z(name)) id = MjNative.mj_name2id(Pointer, (int)type, n);
        GC.KeepAlive(this);
        return id;
    }

    /// <summary>Like <see cref="NameToId"/> but throws naming the object when it does not exist.</summary>
    public int RequireId(MjObject type, string name)
    {
        int id = NameToId(type, name);
        if (id < 0) throw new ArgumentException($"The MuJoCo model has no {type.ToString().ToLowerInvariant()} named '{name}'");
        return id;
    }

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose() => _handle.Dispose();
}
