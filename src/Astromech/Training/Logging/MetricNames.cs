namespace Astromech.Training.Logging;

/// <summary>The metric names shared by every agent, so that curves line up across algorithms.</summary>
public static class MetricNames
{
    public const string EpisodeReturn = "train/episode_return";
    public const string EpisodeLength = "train/episode_length";
    public const string Loss = "train/loss";
    public const string EvalMeanReturn = "eval/mean_return";
    public const string EvalStdReturn = "eval/std_return";
    /// <summary>Fraction of evaluation episodes that ended with is_success (only for envs that report it).</summary>
    public const string EvalSuccessRate = "eval/success_rate";
    public const string StepsPerSecond = "time/steps_per_second";
}
