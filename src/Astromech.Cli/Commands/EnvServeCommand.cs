using Astromech.Envs.Registry;
using Astromech.Remote.Host;

namespace Astromech.Cli.Commands;

/// <summary>
/// <c>astromech env serve --env ENV_ID [--port P] [--host H]</c>: serves a registry env over the remote protocol
/// (docs/remote-envs.md) until SIGINT/SIGTERM. Prints <c>serving ENV_ID on HOST:PORT</c> once it listens (with
/// --port 0, the port the OS chose), so a script or a test can wait for that line.
/// </summary>
internal static class EnvServeCommand
{
    public static int Run(string[] argv)
    {
        var a = CliArgs.Parse(argv, "env serve", new[] { "env", "port", "host", "env-arg" });
        if (a.Positional.Count > 0) throw new CliException($"env serve: unexpected argument '{a.Positional[0]}' (give the env with --env ENV_ID)");
        string envId = a.Get("env") ?? throw new CliException("env serve: --env ENV_ID is required (astromech list envs)");
        if (envId.StartsWith(RemoteAddress.Prefix, StringComparison.Ordinal))
            throw new CliException($"env serve: '{envId}' is itself a remote env; serve a registry env");
        int port = a.GetInt("port", 0, 65535) ?? 50051;
        string host = a.Get("host") ?? "127.0.0.1";
        using var done = new ManualResetEventSlim();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; done.Set(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
        using var server = RemoteEnvServer.StartRegistryEnv(envId, a.Pairs("env-arg"), port, host);
        Console.WriteLine($"serving {envId} on {host}:{server.Port} (protocol v{Astromech.Remote.RemoteProtocol.Version}); train on it with --env remote:{host}:{server.Port}; Ctrl+C stops");
        Console.Out.Flush();
        done.Wait();
        Console.WriteLine($"env serve: stopping ({server.SessionCount} session(s) open)");
        return 0;
    }
}
