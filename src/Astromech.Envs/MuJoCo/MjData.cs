using Astromech.Envs.MuJoCo.Native;
using Microsoft.Win32.SafeHandles;

namespace Astromech.Envs.MuJoCo;

/// <summary>Owns an <c>mjData*</c>; releasing it calls <c>mj_deleteData</c>.</summary>
public sealed class MjDataHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public MjDataHandle() : base(true) { }
    internal MjDataHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle()
    {
        MjNative.mj_deleteData(handle);
        return true;
    }
}

/// <summary>One contact of the current state: the two geoms, penetration distance and world position.</summary>
public readonly record struct MjContact(int Geom1, int Geom2, double Dist, double X, double Y, double Z);

/// <summary>
/// The simulation state of one <see cref="MjModel"/> (<c>mjData</c>): qpos/qvel/ctrl to read and write, the derived
/// quantities (body poses, com velocities, external forces, contacts) to read, and the stepping functions.
/// Array spans point into MuJoCo's arena, which never moves while the data is alive; none of the calls allocate.
/// Holds a reference to its model, which must outlive it (disposing the data does not dispose the model).
/// Not thread-safe: one thread steps one data.
/// </summary>
public sealed unsafe class MjData : IDisposable
{
    private readonly MjDataHandle _handle;
    private readonly byte* _p;
    private readonly IntPtr _m;
    private readonly int _nq, _nv, _nu, _na, _nbody;

    public MjData(MjModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _m = model.Pointer;
        IntPtr d = MjNative.mj_makeData(_m);
        if (d == IntPtr.Zero) throw new InvalidOperationException("mj_makeData failed (out of memory?)");
        _handle = new MjDataHandle(d);
        _p = (byte*)d;
        (_nq, _nv, _nu, _na, _nbody) = (model.Nq, model.Nv, model.Nu, model.Na, model.NBody);
    }

    public MjModel Model { get; }

    /// <summary>The raw <c>mjData*</c>.</summary>
    public IntPtr Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return (IntPtr)_p;
        }
    }

    private double* Arr(int offset)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return *(double**)(_p + offset);
    }

    /// <summary>Simulation time, seconds.</summary>
    public double Time { get => *(double*)((byte*)Pointer + MjLayout.Data_time); set => *(double*)((byte*)Pointer + MjLayout.Data_time) = value; }

    public Span<double> Qpos => new(Arr(MjLayout.Data_qpos), _nq);
    public Span<double> Qvel => new(Arr(MjLayout.Data_qvel), _nv);
    public Span<double> Act => new(Arr(MjLayout.Data_act), _na);
    public Span<double> Ctrl => new(Arr(MjLayout.Data_ctrl), _nu);
    public Span<double> Qacc => new(Arr(MjLayout.Data_qacc), _nv);
    public Span<double> QfrcApplied => new(Arr(MjLayout.Data_qfrc_applied), _nv);
    /// <summary>Cartesian forces/torques applied to bodies, nbody × 6.</summary>
    public Span<double> XfrcApplied => new(Arr(MjLayout.Data_xfrc_applied), _nbody * 6);
    /// <summary>Body frame positions, nbody × 3 (after mj_forward / mj_step).</summary>
    public Span<double> Xpos => new(Arr(MjLayout.Data_xpos), _nbody * 3);
    /// <summary>Body frame orientations as quaternions (w, x, y, z), nbody × 4.</summary>
    public Span<double> Xquat => new(Arr(MjLayout.Data_xquat), _nbody * 4);
    /// <summary>Body centre-of-mass positions, nbody × 3.</summary>
    public Span<double> Xipos => new(Arr(MjLayout.Data_xipos), _nbody * 3);
    public Span<double> SubtreeCom => new(Arr(MjLayout.Data_subtree_com), _nbody * 3);
    /// <summary>Com-based body velocities [3 rotational; 3 translational], nbody × 6.</summary>
    public Span<double> Cvel => new(Arr(MjLayout.Data_cvel), _nbody * 6);
    public Span<double> ActuatorForce => new(Arr(MjLayout.Data_actuator_force), _nu);
    /// <summary>Com-based external forces on bodies (contacts included), nbody × 6; filled by <see cref="RnePostConstraint"/>.</summary>
    public Span<double> CfrcExt => new(Arr(MjLayout.Data_cfrc_ext), _nbody * 6);
    /// <summary>Com-based interaction forces with the parent body, nbody × 6; filled by <see cref="RnePostConstraint"/>.</summary>
    public Span<double> CfrcInt => new(Arr(MjLayout.Data_cfrc_int), _nbody * 6);

    /// <summary>Number of contacts detected in the current state.</summary>
    public int ContactCount => *(int*)((byte*)Pointer + MjLayout.Data_ncon);

    /// <summary>How often MuJoCo raised warning <paramref name="warning"/> (mjtWarning; e.g. 6 = bad qacc, which resets the state).</summary>
    public int WarningCount(int warning)
    {
        if ((uint)warning >= MjLayout.NWarning) throw new ArgumentOutOfRangeException(nameof(warning));
        return *(int*)((byte*)Pointer + MjLayout.Data_warning + warning * MjLayout.SizeofWarningStat + MjLayout.WarningStat_number);
    }

    /// <summary>Contact <paramref name="i"/> of the current state.</summary>
    public MjContact Contact(int i)
    {
        if ((uint)i >= (uint)ContactCount) throw new ArgumentOutOfRangeException(nameof(i), i, $"there are {ContactCount} contacts");
        byte* c = *(byte**)(_p + MjLayout.Data_contact) + (long)i * MjLayout.SizeofContact;
        double* pos = (double*)(c + MjLayout.Contact_pos);
        return new MjContact(*(int*)(c + MjLayout.Contact_geom1), *(int*)(c + MjLayout.Contact_geom2),
            *(double*)(c + MjLayout.Contact_dist), pos[0], pos[1], pos[2]);
    }

    /// <summary>Force and torque of contact <paramref name="i"/> in its contact frame (normal first), 6 numbers (mj_contactForce).</summary>
    public void ContactForce(int i, Span<double> result)
    {
        if ((uint)i >= (uint)ContactCount) throw new ArgumentOutOfRangeException(nameof(i), i, $"there are {ContactCount} contacts");
        if (result.Length < 6) throw new ArgumentException("a contact force has 6 components", nameof(result));
        fixed (double* r = result) MjNative.mj_contactForce(_m, Pointer, i, r);
        GC.KeepAlive(Model);
    }

    /// <summary>Advances the simulation by one time step (mj_step).</summary>
    public void Step()
    {
        MjNative.mj_step(_m, Pointer);
        GC.KeepAlive(Model);
        GC.KeepAlive(this);
    }

    /// <summary>Advances <paramref name="n"/> time steps.</summary>
    public void Step(int n)
    {
        IntPtr d = Pointer;
        for (int i = 0; i < n; i++) MjNative.mj_step(_m, d);
        GC.KeepAlive(Model);
        GC.KeepAlive(this);
    }

    /// <summary>Computes every derived quantity of the current state without integrating (mj_forward).</summary>
    public void Forward()
    {
        MjNative.mj_forward(_m, Pointer);
        GC.KeepAlive(Model);
        GC.KeepAlive(this);
    }

    /// <summary>Computes cacc, cfrc_int and cfrc_ext, which mj_step leaves stale (mj_rnePostConstraint).</summary>
    public void RnePostConstraint()
    {
        MjNative.mj_rnePostConstraint(_m, Pointer);
        GC.KeepAlive(Model);
        GC.KeepAlive(this);
    }

    /// <summary>Resets to the model's reference state: qpos = qpos0, zero velocities, controls and time (mj_resetData).</summary>
    public void Reset()
    {
        MjNative.mj_resetData(_m, Pointer);
        GC.KeepAlive(Model);
        GC.KeepAlive(this);
    }

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose() => _handle.Dispose();
}
