namespace Astromech.Envs.Meta;

/// <summary>
/// An env that is one member of a family of related tasks (meta-RL: MAML, RL², PEARL). A task is a short vector of
/// parameters (e.g. a goal velocity); the outer loop samples tasks and sets them, and the env keeps its task across
/// resets until it is set again (or, with <see cref="ResampleTaskOnReset"/>, draws a new one at every reset).
/// Until a task is set, the first reset draws one from the env's own RNG, so a seeded reset fixes it.
/// </summary>
public interface ITaskFamily
{
    /// <summary>Number of parameters of a task.</summary>
    int TaskSize { get; }

    /// <summary>Draws a task from the family's distribution (allocates the returned array).</summary>
    double[] SampleTask(Random rng);

    /// <summary>Draws <paramref name="count"/> tasks.</summary>
    IReadOnlyList<double[]> SampleTasks(Random rng, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 0");
        var tasks = new double[count][];
        for (int i = 0; i < count; i++) tasks[i] = SampleTask(rng);
        return tasks;
    }

    /// <summary>Makes <paramref name="task"/> the current task; throws naming the parameter when it is outside the family.</summary>
    void SetTask(ReadOnlySpan<double> task);

    /// <summary>The current task (a copy), or null before one is set or drawn.</summary>
    double[]? CurrentTask { get; }

    /// <summary>When true every reset draws a new task from the env's RNG (one task per episode).</summary>
    bool ResampleTaskOnReset { get; set; }
}
