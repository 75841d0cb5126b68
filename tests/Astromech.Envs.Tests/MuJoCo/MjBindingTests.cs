using Astromech.Envs.MuJoCo;

namespace Astromech.Envs.Tests.MuJoCo;

/// <summary>
/// The P/Invoke binding against the installed libmujoco2.2.2: sizes read through our struct offsets agree with the
/// models as written, and the arrays we read respond to the state the way physics says they must (so a wrong offset
/// cannot pass unnoticed).
/// </summary>
public class MjBindingTests
{
    [Theory]
    [InlineData("half_cheetah.xml", 9, 9, 6, 8, 0.01)]
    [InlineData("hopper.xml", 6, 6, 3, 5, 0.002)]
    [InlineData("walker2d.xml", 9, 9, 6, 8, 0.002)]
    [InlineData("ant.xml", 15, 14, 8, 14, 0.01)]
    [InlineData("inverted_pendulum.xml", 2, 2, 1, 3, 0.02)]
    public void ModelsLoadWithTheirSizes(string asset, int nq, int nv, int nu, int nbody, double timestep)
    {
        using var m = MjcfAssets.Load(asset);
        Assert.Equal((nq, nv, nu, nbody), (m.Nq, m.Nv, m.Nu, m.NBody));
        Assert.Equal(timestep, m.Timestep);
        Assert.Equal(0, m.Na);
        for (int i = 0; i < nu; i++) Assert.Contains(m.JntType[m.ActuatorTrnId[2 * i]], new[] { 2, 3 }); // every motor drives a slide or hinge
    }

    [Fact]
    public void HalfCheetahModelArraysMatchTheMjcf()
    {
        using var m = MjcfAssets.Load("half_cheetah.xml");
        // settotalmass="14": the body masses (read through body_mass's offset) and mj_getTotalmass agree.
        double sum = 0;
        foreach (double b in m.BodyMass) sum += b;
        Assert.Equal(14.0, sum, 9);
        Assert.Equal(14.0, m.TotalMass, 9);
        Assert.Equal(new double[] { 120, 90, 60, 120, 60, 30 }, Enumerable.Range(0, 6).Select(i => m.ActuatorGear[6 * i]).ToArray());
        for (int i = 0; i < 6; i++) Assert.Equal((-1.0, 1.0), (m.ActuatorCtrlRange[2 * i], m.ActuatorCtrlRange[2 * i + 1]));
        int bthigh = m.RequireId(MjObject.Joint, "bthigh");
        Assert.Equal((-0.52, 1.05), (m.JntRange[2 * bthigh], m.JntRange[2 * bthigh + 1]));
        Assert.Equal(3, m.JntQposAdr[bthigh]);
        Assert.Equal(1, m.RequireId(MjObject.Body, "torso"));
        Assert.Equal(-1, m.NameToId(MjObject.Body, "no_such_body"));
        Assert.Equal(new[] { 0.0, 0.0, -9.81 }, m.Gravity.ToArray());
        Assert.All(m.Qpos0.ToArray(), q => Assert.Equal(0.0, q));
    }

    [Fact]
    public void QposDrivesBodyPositionsAndQvelDrivesComVelocities()
    {
        using var m = MjcfAssets.Load("ant.xml");
        using var d = new MjData(m);
        Assert.Equal(0.75, m.Qpos0[2]);
        d.Reset();
        Assert.Equal(m.Qpos0.ToArray(), d.Qpos.ToArray());
        d.Qpos[0] = 1.0; d.Qpos[1] = 2.0; d.Qpos[2] = 0.5;
        // a quarter turn about z
        d.Qpos[3] = Math.Sqrt(0.5); d.Qpos[4] = 0; d.Qpos[5] = 0; d.Qpos[6] = Math.Sqrt(0.5);
        d.Qvel[0] = 3.0; // translational velocity of the free joint, world x
        d.Forward();
        Assert.Equal(new[] { 1.0, 2.0, 0.5 }, d.Xpos.Slice(3, 3).ToArray());
        Assert.Equal(Math.Sqrt(0.5), d.Xquat[4], 12);
        Assert.Equal(Math.Sqrt(0.5), d.Xquat[7], 12);
        Assert.Equal(0.0, d.Xpos[0]); // the world body stays at the origin
        // cvel is [angular; linear]; a pure translation moves every point at 3 m/s along x
        Assert.Equal(3.0, d.Cvel[6 + 3], 12);
        Assert.Equal(0.0, d.Cvel[6 + 0], 12);
    }

    [Fact]
    public void StepAdvancesTimeAndQaccFollowsGravity()
    {
        using var m = MjcfAssets.Load("inverted_pendulum.xml");
        using var d = new MjData(m);
        d.Forward();
        double upright = d.Qacc[1]; // the pole leans 0.001 m over 0.6 m in the MJCF, so it is nearly balanced
        Assert.InRange(upright, 0.0, 0.1);
        d.Qpos[1] = 0.1;
        d.Forward();
        Assert.True(d.Qacc[1] > 10 * upright, $"a tilted pole accelerates away from upright (qacc {d.Qacc[1]} vs {upright})");
        d.Step();
        Assert.Equal(0.02, d.Time, 12);
        Assert.True(d.Qvel[1] > 0);
        d.Step(4);
        Assert.Equal(0.10, d.Time, 12);
        d.Ctrl[0] = 0.5;
        d.Forward();
        Assert.Equal(0.5, d.ActuatorForce[0], 12); // motor gain 1; the gear (100) applies in joint space
        d.Reset();
        Assert.Equal((0.0, 0.0, 0.0), (d.Time, d.Qpos[1], d.Ctrl[0]));
    }

    [Fact]
    public void ContactsAndExternalForcesAppearWhenTheCheetahRestsOnTheFloor()
    {
        using var m = MjcfAssets.Load("half_cheetah.xml");
        using var d = new MjData(m);
        d.Step(200); // fall and settle
        Assert.True(d.ContactCount > 0);
        int floor = m.RequireId(MjObject.Geom, "floor");
        Span<double> f = stackalloc double[6];
        double normal = 0;
        for (int i = 0; i < d.ContactCount; i++)
        {
            var c = d.Contact(i);
            Assert.True(c.Geom1 == floor || c.Geom2 == floor);
            d.ContactForce(i, f);
            normal += f[0];
        }
        // at rest the floor carries the weight: the normal forces sum to m g = 14 · 9.81
        Assert.Equal(14 * 9.81, normal, 0);
        d.RnePostConstraint();
        double up = 0;
        for (int b = 1; b < m.NBody; b++) up += d.CfrcExt[6 * b + 5];
        Assert.Equal(14 * 9.81, up, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Contact(d.ContactCount));
    }

    [Fact]
    public void ABadVelocityResetsTheStateAndCountsAWarning()
    {
        using var m = MjcfAssets.Load("inverted_pendulum.xml");
        using var d = new MjData(m);
        const int BadQvel = 5; // mjWARN_BADQVEL
        Assert.Equal(0, d.WarningCount(BadQvel));
        d.Qpos[1] = 0.1;
        d.Qvel[1] = double.NaN;
        d.Step();
        Assert.Equal(1, d.WarningCount(BadQvel));
        Assert.True(double.IsFinite(d.Qvel[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.WarningCount(8));
    }

    [Fact]
    public void LoadsFromAFileAndReportsCompileErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"astromech-mj-{Guid.NewGuid():N}.xml");
        File.WriteAllText(path, MjcfAssets.Xml("hopper.xml"));
        try
        {
            using var m = MjModel.FromXmlFile(path);
            Assert.Equal(6, m.Nq);
        }
        finally { File.Delete(path); }
        var e = Assert.Throws<ArgumentException>(() => MjModel.FromXmlString("<mujoco><worldbody><body><joint type='nonsense'/></body></worldbody></mujoco>"));
        Assert.Contains("could not compile", e.Message);
        Assert.Contains("nonsense", e.Message);
        Assert.Throws<FileNotFoundException>(() => MjModel.FromXmlFile("/no/such/model.xml"));
    }

    [Fact]
    public void AMissingLibraryNamesTheDebianPackage()
    {
        var e = Assert.Throws<MuJoCoNotFoundException>(() => MuJoCoLibrary.Load("libmujoco.so.0.0.0-not-installed"));
        Assert.Contains("libmujoco.so.0.0.0-not-installed", e.Message);
        Assert.Contains("apt-get install libmujoco2.2.2", e.Message);
        Assert.Contains("apt-get install libmujoco2.2.2", MuJoCoLibrary.MissingLibraryMessage(MuJoCoLibrary.SoName));
    }

    [Fact]
    public void TheLoadedLibraryIsTheVersionOurLayoutDescribes()
    {
        MuJoCoLibrary.EnsureLoaded();
        Assert.Equal(MuJoCoLibrary.SoName, MuJoCoLibrary.LoadedFrom);
        Assert.Equal(222, Astromech.Envs.MuJoCo.Native.MjNative.mj_version());
    }

    [Fact]
    public void DisposedDataAndModelThrowInsteadOfTouchingFreedMemory()
    {
        var m = MjcfAssets.Load("inverted_pendulum.xml");
        var d = new MjData(m);
        d.Dispose();
        Assert.Throws<ObjectDisposedException>(() => d.Step());
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.Pointer);
        Assert.Throws<ObjectDisposedException>(() => new MjData(m));
    }
}
