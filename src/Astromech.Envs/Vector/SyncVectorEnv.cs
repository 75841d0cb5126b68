namespace Astromech.Envs.Vector;

/// <summary>
/// Steps N copies one after another on the caller's thread into preallocated buffers, with same-step autoreset
/// (see <see cref="IVectorEnv"/>). Allocates nothing per step beyond what the copies themselves allocate.
/// The right choice for cheap envs (classic control, MinAtar), where handing work to other threads costs more
/// than the step itself.
/// </summary>
public sealed class SyncVectorEnv : VectorEnv
{
    /// <summary>Takes ownership of <paramref name="envs"/> (disposed with this).</summary>
    public SyncVectorEnv(IEnv[] envs) : base(envs) { }

    /// <summary>Builds <paramref name="numEnvs"/> copies with <paramref name="factory"/>.</summary>
    public SyncVectorEnv(Func<IEnv> factory, int numEnvs) : base(Build(factory, numEnvs)) { }

    protected override void StepCopies(ReadOnlySpan<float> actions) => StepRange(actions, 0, NumEnvs);
}
