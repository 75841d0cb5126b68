namespace Astromech.Cli.Tests;

/// <summary>Runs the CLI's entry point in-process with captured stdout/stderr (tests in this assembly run one at a time).</summary>
internal static class CliRunner
{
    private static readonly object Gate = new();

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var (o, e) = (Console.Out, Console.Error);
            var so = new StringWriter();
            var se = new StringWriter();
            Console.SetOut(so);
            Console.SetError(se);
            try
            {
                int code = Astromech.Cli.Cli.Main(args);
                return (code, so.ToString(), se.ToString());
            }
            finally
            {
                Console.SetOut(o);
                Console.SetError(e);
            }
        }
    }
}
