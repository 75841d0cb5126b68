using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Astromech.Cli.Tests.Remote;

/// <summary>Remote env servers in child processes: the CLI's <c>env serve</c>, and the pure-Python CartPole on Debian's python3-grpcio.</summary>
internal static class RemoteServers
{
    private static readonly Regex Serving = new(@"on 127\.0\.0\.1:(\d+)");

    /// <summary>A port nothing listens on now (the OS's pick, released).</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Starts <c>astromech env serve --env ENV_ID --port P</c> and waits until it listens; returns it and its port.</summary>
    public static (CliProcess Process, int Port) ServeCli(string envId = "CartPole-v1", int port = 0)
    {
        var p = CliProcess.Start("env", "serve", "--env", envId, "--port", port.ToString());
        p.WaitForLine("serving ");
        return (p, int.Parse(Serving.Match(p.Output).Groups[1].Value));
    }

    private static readonly Lazy<string> Stubs = new(() =>
    {
        string dir = Directory.CreateTempSubdirectory("astromech-pystubs-").FullName;
        string protos = Path.Combine(AppContext.BaseDirectory, "Remote", "Protos");
        var (code, output) = RunPython("-m", "grpc_tools.protoc", "-I", protos, "--python_out", dir, "--grpc_python_out", dir,
            Path.Combine(protos, "astromech_remote_v1.proto"));
        Assert.True(code == 0, $"grpc_tools.protoc failed ({code}); build/debian-packages.sh installs python3-grpc-tools:\n{output}");
        return dir;
    });

    private static (int, string) RunPython(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    /// <summary>Starts the Python CartPole server (extra flags: --stall-at-step K, --bad-shape-at-step K, --protocol-version V) and waits until it listens.</summary>
    public static (PythonServer Process, int Port) ServePython(params string[] flags)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Remote", "cartpole_server.py"));
        psi.ArgumentList.Add("--stubs");
        psi.ArgumentList.Add(Stubs.Value);
        foreach (var f in flags) psi.ArgumentList.Add(f);
        var server = new PythonServer(Process.Start(psi)!);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Serving.IsMatch(server.Output))
        {
            if (server.Process.HasExited) Assert.Fail($"the Python server exited ({server.Process.ExitCode}):\n{server.Output}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"the Python server did not start:\n{server.Output}");
            Thread.Sleep(50);
        }
        return (server, int.Parse(Serving.Match(server.Output).Groups[1].Value));
    }

    /// <summary>The directory holding Astromech.slnx (for configs/).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Astromech.slnx"))) return d.FullName;
        throw new InvalidOperationException("Astromech.slnx not found above " + AppContext.BaseDirectory);
    }
}

internal sealed class PythonServer : IDisposable
{
    private readonly System.Text.StringBuilder _out = new();

    public PythonServer(Process p)
    {
        Process = p;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    public Process Process { get; }
    public string Output { get { lock (_out) return _out.ToString(); } }

    public void Dispose()
    {
        if (!Process.HasExited) { Process.Kill(entireProcessTree: true); Process.WaitForExit(); }
        Process.Dispose();
    }
}
