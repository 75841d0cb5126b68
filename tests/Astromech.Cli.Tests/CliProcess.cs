using System.Diagnostics;
using Astromech.Cli.Commands;

namespace Astromech.Cli.Tests;

/// <summary>The CLI run as a child process (for what only a real process shows: signals, kills, file locks), its
/// stdout and stderr gathered line by line.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly object _gate = new();
    private readonly List<string> _lines = new();

    private CliProcess(Process p)
    {
        Process = p;
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (_gate) { _lines.Add(line); Monitor.PulseAll(_gate); }
        }
        p.OutputDataReceived += (_, e) => OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output { get { lock (_gate) return string.Join("\n", _lines); } }

    public static CliProcess Start(params string[] args)
    {
        var (file, prefix) = NodeProcess.SelfCommand();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var x in prefix.Concat(args)) psi.ArgumentList.Add(x);
        return new CliProcess(Process.Start(psi)!);
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; fails the test when the process exits or the time passes first.</summary>
    public void WaitForLine(string text, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        lock (_gate)
            while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                if (Process.HasExited) { Process.WaitForExit(); Assert.Fail($"the process exited ({Process.ExitCode}) before printing '{text}':\n{string.Join("\n", _lines)}"); }
                if (DateTime.UtcNow > deadline) Assert.Fail($"no line '{text}' within {seconds} s:\n{string.Join("\n", _lines)}");
                Monitor.Wait(_gate, 200);
            }
    }

    public void Signal(int signal) => Posix.Kill(Process.Id, signal);

    /// <summary>Waits for the exit (and the last output lines) and returns the exit code.</summary>
    public int WaitForExit(int seconds = 180)
    {
        if (!Process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            Process.Kill(entireProcessTree: true);
            Assert.Fail($"the process did not exit within {seconds} s:\n{Output}");
        }
        Process.WaitForExit();
        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited) { Process.Kill(entireProcessTree: true); Process.WaitForExit(); }
        Process.Dispose();
    }
}
