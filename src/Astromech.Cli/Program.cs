using Astromech.Cli;
using Astromech.Cli.Commands;

namespace Astromech.Cli
{
    public static class Cli
    {
        public const string Usage = """
            astromech — deep reinforcement learning for .NET

            usage:
              astromech list [envs|algos]
              astromech train --algo ALGO --env ENV_ID [--steps N] [--seed S] [--out DIR]
                              [--config FILE] [--set KEY=VALUE]... [--env-arg KEY=VALUE]...
                              [--eval-episodes N] [--eval-interval N] [--checkpoint-interval N]
                              [--resume CHECKPOINT] [--overwrite] [--actors N] [--no-progress]
                              [--kickstart TEACHER.ckpt[,TEACHER2.ckpt]] [--lambda X|pbt [--population N] [--ready-interval N] [--final-eval-episodes N]]
                              [--dataset FILE --offline-steps N]   (bc, awac, sac: N updates on the dataset first; --steps 0 for offline only)
              astromech dataset awac-prior --checkpoint EXPERT.ckpt --out FILE.hdf5 [--demos 15] [--demo-noise 0.1] [--bc-episodes 100] [--bc-updates 10k] [--seed S] [--layout d4rl|minari]
              astromech plot seeds --series LABEL=RUN_DIR,RUN_DIR... [--series ...] --out FILE.png [--metric eval/mean_return] [--switch] [--title T]
              astromech pbt --config FILE [--out DIR] [--overwrite] [--set KEY=VALUE]... [--kickstart TEACHERS] [--no-progress]
              astromech eval CHECKPOINT [--episodes N] [--seed S] [--env-arg KEY=VALUE]...
              astromech export CHECKPOINT --onnx FILE.onnx [--env-arg KEY=VALUE]...   (the acting policy as ONNX, opset 17; docs/export.md)
              astromech meta eval CHECKPOINT [--family ENV_ID] [--tasks N] [--trial-episodes N] [--seed S] [--out DIR] [--deterministic]
              astromech meta baselines --family ENV_ID --trial-episodes N [--tasks N] [--seed S] [--out DIR]
              astromech staleness R2D2_CHECKPOINT [--sequences N] [--out DIR]
              astromech dataset record (--checkpoint CKPT | --policy random --env ENV | --from-replay CKPT) [--env ENV] --episodes N
                                       [--noise σ] [--epsilon ε] [--layout d4rl|minari] [--seed S] --out FILE
              astromech dataset info FILE [--env ENV]
              astromech dataset convert IN OUT --layout d4rl|minari
              astromech dataset concat IN1 IN2 [IN3...] --out OUT [--layout d4rl|minari]
              astromech dataset bench [--transitions 1M] [--obs 17] [--act 6] [--layout d4rl|minari] [--out FILE]
              astromech env rollout ENV_ID [--seed S] [--actions a1,a2,...] [--env-arg KEY=VALUE]...
              astromech env serve --env ENV_ID [--port P] [--host 127.0.0.1] [--env-arg KEY=VALUE]...   (serves it over gRPC; train on it with --env remote:HOST:P)
              astromech node --role replay|learner|actor --algo apex|r2d2|impala --env ENV_ID [--seeds HOST:PORT,... | --discovery kubernetes-api:SERVICE[:PORT_NAME]] [--host H] [--port P]
                             [--config FILE] [--set KEY=VALUE]... [--env-arg KEY=VALUE]... [--actors N] [--seed S] [--out DIR]
                             [--join-timeout SECONDS] [--request-timeout SECONDS]
                             learner: [--steps N] [--eval-episodes N] [--eval-interval N] [--checkpoint-interval N] [--resume CKPT|auto] [--no-pipeline] [--prefetch N]
                             actor:   [--actor-index I[,J...]]
              astromech cluster up --algo apex|r2d2|impala --env ENV_ID --actors N [--steps S] [--out DIR] [--port P] [--no-pipeline] [--prefetch N] [run flags as for node]
              astromech bench env ENV_ID [--envs N] [--steps M] [--threads W] [--seed S] [--env-arg KEY=VALUE]...
              astromech bench remote [--env CartPole-v1] [--address remote:HOST:PORT] [--steps M] [--batch 64] [--seed S]
              astromech bench onnx CHECKPOINT [--rows 1] [--iterations 20000] [--torch-threads 1]   (per-action time, ONNX Runtime vs TorchSharp)
              astromech bench cluster [--versions N] [--param-floats 1M,16384,4096] [--fanout-pulls N] [--round-trips N] [--blocks N] [--pipelined-blocks N]
                                      [--batches N] [--batch-sizes 32,512] [--flush-size N] [--in-flight K] [--seed S] [--timeout SECONDS]

            Numbers accept 50k, 1M, 1e5. Config keys are snake_case (astromech list algos shows them).
            Set ASTROMECH_DEBUG=1 to see stack traces.
            Ctrl+C/SIGTERM: train, pbt and eval finish the current update, write checkpoint, logs and summary, exit 3;
            a second signal aborts at once (130/143). Exit 2: a bad option, config, checkpoint or file. See docs/runs.md.
            """;

        public static int Main(string[] args)
        {
            try
            {
                if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
                {
                    Console.WriteLine(Usage);
                    return args.Length == 0 ? 2 : 0;
                }
                var rest = args.Skip(1).ToArray();
                Astromech.Remote.Host.RemoteEnvs.Register(); // env ids remote:HOST:PORT reach a served env (docs/remote-envs.md)
                return args[0] switch
                {
                    "list" => ListCommand.Run(rest),
                    "train" => TrainCommand.Run(rest),
                    "pbt" => PbtCommand.Run(rest),
                    "eval" => EvalCommand.Run(rest),
                    "export" => ExportCommand.Run(rest),
                    "dataset" when rest.Length > 0 && rest[0] == "awac-prior" => AwacPriorCommand.Run(rest.Skip(1).ToArray()),
                    "staleness" => StalenessCommand.Run(rest),
                    "plot" => PlotCommand.Run(rest),
                    "dataset" => DatasetCommand.Run(rest),
                    "env" => EnvCommand.Run(rest),
                    "bench" => BenchCommand.Run(rest),
                    "node" => NodeCommand.Run(rest),
                    "cluster" => ClusterCommand.Run(rest),
                    "meta" => MetaCommand.Run(rest),
                    _ => throw new CliException($"unknown command '{args[0]}'; commands: list, train, pbt, eval, export, meta, plot, staleness, dataset, env, bench, node, cluster (astromech --help)"),
                };
            }
            catch (Exception e) when (Environment.GetEnvironmentVariable("ASTROMECH_DEBUG") != "1")
            {
                Console.Out.Flush();
                var inner = e is TypeInitializationException or System.Reflection.TargetInvocationException && e.InnerException is not null ? e.InnerException : e;
                bool expected = inner is CliException or ArgumentException or InvalidOperationException
                    or IOException or UnauthorizedAccessException or FormatException or NotSupportedException
                    || inner.GetType().Name.EndsWith("ConfigException") || inner.GetType().Name.EndsWith("CheckpointException");
                Console.Error.WriteLine(expected ? $"error: {OneLine(inner)}" : $"error: {inner.GetType().Name}: {OneLine(inner)}");
                return expected ? 2 : 1;
            }
        }

        /// <summary>The message on one line, without .NET's "(Parameter 'x')" suffix.</summary>
        private static string OneLine(Exception e)
        {
            string m = e.Message;
            if (e is ArgumentException { ParamName: string p }) m = m.Replace($" (Parameter '{p}')", "");
            var lines = m.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length <= 1 ? m.Trim() : lines[0].TrimEnd(':') + ": " + string.Join("; ", lines.Skip(1).Select(l => l.TrimStart('-', ' ')));
        }
    }
}
