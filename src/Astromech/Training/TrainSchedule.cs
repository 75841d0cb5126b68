using System.Text.Json.Nodes;

namespace Astromech.Training;

/// <summary>
/// When an off-policy learner trains, and how many gradient steps it owes (Stable-Baselines3's schedule, which
/// DQN and SAC share): train_freq periods of env steps, gradient_steps per period (−1: one per env step
/// collected), nothing owed for periods before learning_starts or while the replay holds less than a batch.
/// With several env copies a vector step can cover more than one period; the updates of every period that
/// passed are run. The first round after learning starts counts as one period.
/// </summary>
public sealed class TrainSchedule(long learningStarts, int trainFreq, int gradientSteps)
{
    public long LastTrainStep { get; private set; }
    public long StepsSinceTrain { get; private set; }

    /// <summary>Counts env steps collected (one per env copy of a vector step).</summary>
    public void Observed(int steps) => StepsSinceTrain += steps;

    /// <summary>The gradient steps due at <paramref name="envSteps"/> (0: none), given the learner's updates so far
    /// and the replay's size; advances the schedule past them.</summary>
    public int Due(long envSteps, long updatesSoFar, int replayCount, int batchSize)
    {
        if (envSteps < learningStarts)
        {
            // Steps collected before learning starts do not count toward gradient_steps = -1 (one per env step),
            // or the first round would make as many updates as the whole warm-up had steps.
            StepsSinceTrain = 0;
            return 0;
        }
        long due = envSteps - LastTrainStep;
        if (due < trainFreq) return 0;
        if (replayCount < batchSize)
        {
            // Not enough data yet: these steps are not owed as updates later (no burst once the replay fills).
            LastTrainStep = envSteps;
            StepsSinceTrain = 0;
            return 0;
        }
        long rounds = updatesSoFar == 0 ? 1 : due / trainFreq;
        int steps = gradientSteps > 0 ? (int)(gradientSteps * rounds) : (int)StepsSinceTrain;
        LastTrainStep = updatesSoFar == 0 ? envSteps : LastTrainStep + rounds * trainFreq;
        StepsSinceTrain = 0;
        return steps;
    }

    /// <summary>Writes the schedule's counters into a checkpoint's counters object.</summary>
    public void Save(JsonObject counters)
    {
        counters["last_train_step"] = LastTrainStep;
        counters["steps_since_train"] = StepsSinceTrain;
    }

    public void Load(JsonNode counters)
    {
        LastTrainStep = (long)counters["last_train_step"]!;
        StepsSinceTrain = (long)counters["steps_since_train"]!;
    }
}
