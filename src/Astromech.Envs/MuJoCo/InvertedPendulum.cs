namespace Astromech.Envs.MuJoCo;

/// <summary>
/// InvertedPendulum-v5 as in Gymnasium 1.x: balance a pole on a cart pushed by a force in [−3, 3] (gear 100).
/// Observation: qpos (slider, hinge) then qvel (4). Terminates when an observation element is not finite or
/// |hinge angle| &gt; 0.2; reward 1 per step while not terminated (0 on the terminating step). dt = 0.02 · 2 = 0.04.
/// Reset: qpos and qvel + U(±0.01). Info: reward_survive.
/// </summary>
public sealed class InvertedPendulum : MuJoCoEnv
{
    private readonly StepInfo _info = new("reward_survive");

    public InvertedPendulum() : base("inverted_pendulum.xml", frameSkip: 2, resetNoiseScale: 0.01, VelocityNoise.Uniform) => UpdateObservationSpace();

    protected override int ObservationSize => Model.Nq + Model.Nv;

    protected override void WriteObservation(Span<float> obs) => WritePositionsAndVelocities(obs, 0);

    protected override StepResult StepCore(ReadOnlySpan<float> action, Span<float> obs)
    {
        DoSimulation(action);
        WriteObservation(obs);
        bool terminated = Math.Abs(Data.Qpos[1]) > 0.2;
        foreach (double v in Data.Qpos) terminated |= !double.IsFinite(v);
        foreach (double v in Data.Qvel) terminated |= !double.IsFinite(v);
        double reward = terminated ? 0.0 : 1.0;
        _info.Set(0, reward);
        return new StepResult(reward, terminated, false, _info);
    }
}
