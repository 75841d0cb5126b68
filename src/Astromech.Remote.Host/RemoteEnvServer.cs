using System.Net;
using Astromech.Envs;
using Astromech.Envs.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Astromech.Remote.Host;

/// <summary>
/// Serves envs over the remote protocol on Kestrel (HTTP/2 without TLS, for loopback and trusted networks).
/// <c>astromech env serve</c> runs one for a registry env; tests and programs start one with <see cref="Start"/>.
/// </summary>
public sealed class RemoteEnvServer : IAsyncDisposable, IDisposable
{
    private readonly WebApplication _app;
    private readonly RemoteEnvService _service;

    private RemoteEnvServer(WebApplication app, RemoteEnvService service, int port)
    {
        _app = app;
        _service = service;
        Port = port;
    }

    /// <summary>The port it listens on (the one chosen by the OS when started with port 0).</summary>
    public int Port { get; }

    public int SessionCount => _service.SessionCount;

    /// <summary>Starts serving copies made by <paramref name="factory"/> on <paramref name="host"/>:<paramref name="port"/> (0: any free port).</summary>
    public static RemoteEnvServer Start(Func<IServedEnv> factory, RemoteEnvServiceOptions options, int port = 0, string host = "127.0.0.1")
    {
        var service = new RemoteEnvService(factory, options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            var ip = host is "localhost" ? IPAddress.Loopback : host is "*" or "0.0.0.0" ? IPAddress.Any : IPAddress.Parse(host);
            k.Listen(ip, port, l => l.Protocols = HttpProtocols.Http2);
            k.Limits.MaxRequestBodySize = 64L << 20;
        });
        builder.Services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = true;
            o.MaxReceiveMessageSize = 64 << 20;
            o.MaxSendMessageSize = 64 << 20;
        });
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<RemoteEnvService>();
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            service.Dispose();
            throw new RemoteEnvException($"cannot listen on {host}:{port}: {e.Message}");
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        int bound = new Uri(addresses.First()).Port;
        return new RemoteEnvServer(app, service, bound);
    }

    /// <summary>Serves the registry env <paramref name="envId"/> (with its env args and time limit) to every session.</summary>
    public static RemoteEnvServer StartRegistryEnv(string envId, IReadOnlyDictionary<string, string>? envArgs = null, int port = 0, string host = "127.0.0.1")
    {
        var spec = EnvRegistry.Spec(envId);
        EnvRegistry.Make(envId, envArgs).Dispose(); // fails here, naming the id or the env arg, rather than at the first handshake
        return Start(() => new ServedEnvAdapter(EnvRegistry.Make(envId, envArgs)),
            new RemoteEnvServiceOptions { EnvId = envId, RewardThreshold = spec.RewardThreshold, MaxEpisodeSteps = spec.MaxEpisodeSteps },
            port, host);
    }

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
        _service.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
