using Akka.Actor;
using Astromech.Cluster.Messages;
using Astromech.Parameters;

namespace Astromech.Cluster.Roles;

/// <summary>
/// The parameter-source role: keeps the newest published version in a <see cref="ParameterStore"/> and serves
/// it to actors that ask with the version they have (nothing is sent when they are up to date). A publish
/// that is not newer, or of another size than before, is refused with a <see cref="RoleError"/>.
/// </summary>
public sealed class ParameterSourceActor : ReceiveActor
{
    private readonly ParameterStore _store;

    public ParameterSourceActor(ParameterStore store)
    {
        _store = store;
        Receive<PublishParameters>(m =>
        {
            try
            {
                _store.Publish(m.Version, m.Values, m.Restart);
                Sender.Tell(new ParametersPublished(m.Version));
            }
            catch (ArgumentException e) { Sender.Tell(new RoleError($"parameter source: {e.Message}")); }
        });
        Receive<GetParameters>(m =>
        {
            var p = _store.GetNewer(m.HaveVersion);
            Sender.Tell(p is null ? new ParametersReply(true, _store.Version, Array.Empty<float>()) : new ParametersReply(false, p.Version, p.Values));
        });
    }

    public static Props Props(ParameterStore store) => Akka.Actor.Props.Create(() => new ParameterSourceActor(store));
}
