namespace Astromech.Training.Checkpoints;

/// <summary>A checkpoint could not be read, lacks something, or does not fit the run loading it. The message says which and why.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
