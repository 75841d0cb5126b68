using System.Runtime.InteropServices;

namespace Astromech.Cli;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM for a command that can end early in order: the first one cancels <see cref="Token"/>
/// (the command finishes its current update, writes what it writes at the end, and exits with
/// <see cref="StoppedExitCode"/>); a second one ends the process at once with 128 + the signal number (130, 143), as an
/// unhandled signal would, writing nothing more. Register it before anything is written and dispose it last, so no
/// signal lands between the two.
/// </summary>
public sealed class StopSignals : IDisposable
{
    /// <summary>The exit code of a command stopped early by a signal after writing its checkpoint, logs and summary.</summary>
    public const int StoppedExitCode = 3;

    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _int, _term;
    private readonly string _command;
    private readonly Action? _onAbort;
    private int _count;

    /// <param name="onAbort">Run on the second signal just before the process ends (e.g. <c>cluster up</c> kills its node
    /// processes, which would otherwise outlive it).</param>
    public StopSignals(string command, Action? onAbort = null)
    {
        _command = command;
        _onAbort = onAbort;
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    public bool Requested => _cts.IsCancellationRequested;

    /// <summary>"SIGINT" or "SIGTERM": the first signal received, or null.</summary>
    public string? Signal { get; private set; }

    private void OnSignal(PosixSignalContext c)
    {
        string name = c.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
        if (Interlocked.Increment(ref _count) == 1)
        {
            c.Cancel = true;
            Signal = name;
            Console.Error.WriteLine($"{_command}: {name}: stopping after the current update, then writing the checkpoint, logs and summary (send it again to abort at once)");
            Console.Error.Flush();
            _cts.Cancel();
            return;
        }
        int code = 128 + (c.Signal == PosixSignal.SIGINT ? 2 : 15);
        Console.Error.WriteLine($"{_command}: second {name}: aborting now, without writing anything more (exit {code})");
        Console.Error.Flush();
        try { _onAbort?.Invoke(); }
        catch (Exception e) { Console.Error.WriteLine($"{_command}: while aborting: {e.Message}"); }
        Exit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _cts.Dispose();
    }
}
