using Astromech.Envs.MuJoCo;

namespace Astromech.Envs.Tests.MuJoCo;

/// <summary>
/// The compiled friction of every geom of every shipped model, against the value the Gymnasium asset the v5 env loads gives it
/// (gymnasium/envs/mujoco/assets: hopper.xml, walker2d_v5.xml, half_cheetah.xml, ant.xml, inverted_pendulum.xml). MJCF fills
/// a partly given friction from the default class and a class without one from MuJoCo's own default (1, 0.005, 0.0001), so
/// the values are read from the compiled model, not the XML text. Hopper's floor was 0.8 here before this test existed.
/// </summary>
public class MjcfFidelityTests
{
    private const string MuJoCoDefault = "1 0.005 0.0001";

    public static TheoryData<string, string, string> Frictions => new()
    {
        { "hopper.xml", "floor", MuJoCoDefault },
        { "hopper.xml", "torso_geom", "0.9 0.005 0.0001" },
        { "hopper.xml", "thigh_geom", "0.9 0.005 0.0001" },
        { "hopper.xml", "leg_geom", "0.9 0.005 0.0001" },
        { "hopper.xml", "foot_geom", "2 0.005 0.0001" },
        { "walker2d.xml", "floor", "0.7 0.1 0.1" },
        { "walker2d.xml", "torso_geom", "0.9 0.1 0.1" },
        { "walker2d.xml", "thigh_geom", "0.9 0.1 0.1" },
        { "walker2d.xml", "leg_geom", "0.9 0.1 0.1" },
        { "walker2d.xml", "thigh_left_geom", "0.9 0.1 0.1" },
        { "walker2d.xml", "leg_left_geom", "0.9 0.1 0.1" },
        { "walker2d.xml", "foot_geom", "1.9 0.1 0.1" },
        { "walker2d.xml", "foot_left_geom", "1.9 0.1 0.1" },
        { "half_cheetah.xml", "floor", "0.4 0.1 0.1" },
        { "half_cheetah.xml", "torso", "0.4 0.1 0.1" },
        { "half_cheetah.xml", "ffoot", "0.4 0.1 0.1" },
        { "ant.xml", "floor", "1 0.5 0.5" },
        { "ant.xml", "torso_geom", "1 0.5 0.5" },
        { "ant.xml", "fourth_ankle_geom", "1 0.5 0.5" },
        { "inverted_pendulum.xml", "rail", "1 0.1 0.1" },
        { "inverted_pendulum.xml", "cpole", "1 0.1 0.1" },
    };

    [Theory]
    [MemberData(nameof(Frictions))]
    public void GeomFrictionIsGymnasiums(string asset, string geom, string expected)
    {
        using var m = MjcfAssets.Load(asset);
        int g = m.RequireId(MjObject.Geom, geom);
        var want = expected.Split(' ').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var got = m.GeomFriction.Slice(3 * g, 3).ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(want[i], got[i], 12);
    }
}
