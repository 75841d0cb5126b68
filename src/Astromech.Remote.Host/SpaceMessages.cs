using Astromech.Envs.Spaces;
using P = Astromech.Remote.Protocol;

namespace Astromech.Remote.Host;

/// <summary>Astromech's spaces to and from the protocol's space messages.</summary>
public static class SpaceMessages
{
    public static P.Space ToMessage(Space space) => space switch
    {
        Discrete d => Remote.Spaces.Discrete(d.N, d.Start),
        MultiDiscrete m => Remote.Spaces.MultiDiscrete(m.Nvec),
        Box b => Remote.Spaces.Box(b.Low, b.High, b.Shape, (P.DType)(int)b.DType),
        _ => throw new ArgumentException($"the space {space} ({space.GetType().Name}) has no protocol message; remote envs carry Discrete, MultiDiscrete and Box"),
    };

    /// <summary>Builds the space a message describes; throws <see cref="RemoteEnvException"/> naming <paramref name="what"/> when the message is not a valid space.</summary>
    public static Space FromMessage(P.Space message, string what)
    {
        try
        {
            return message.KindCase switch
            {
                P.Space.KindOneofCase.Discrete => new Discrete(message.Discrete.N, message.Discrete.Start),
                P.Space.KindOneofCase.MultiDiscrete => new MultiDiscrete(message.MultiDiscrete.Nvec.ToArray()),
                P.Space.KindOneofCase.Box => new Box(message.Box.Low.ToArray(), message.Box.High.ToArray(),
                    message.Box.Shape.Count == 0 ? null : message.Box.Shape.ToArray(), (DType)(int)message.Box.Dtype),
                _ => throw new ArgumentException("it sets no kind (discrete, multi_discrete or box)"),
            };
        }
        catch (ArgumentException e)
        {
            throw new RemoteEnvException($"{what} is not a valid space: {e.Message}");
        }
    }
}
