using System.Text;
using Astromech.Training;

namespace Astromech.Tests.Training;

public class Crc32CTests
{
    [Fact]
    public void KnownVectors()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32C.Compute(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32])); // RFC 3720 B.4: 32 bytes of zeros
    }

    [Fact]
    public void HardwareAndPortablePathsAgree_AndIncrementalEqualsWhole()
    {
        var rng = new Random(1);
        for (int len = 0; len < 70; len++)
        {
            var data = new byte[len];
            rng.NextBytes(data);
            uint whole = Crc32C.Compute(data);
            Assert.Equal(Crc32C.ComputePortable(data), whole);
            int cut = len / 3;
            uint state = Crc32C.Append(0xFFFFFFFFu, data.AsSpan(0, cut));
            state = Crc32C.Append(state, data.AsSpan(cut));
            Assert.Equal(whole, ~state);
        }
    }
}
