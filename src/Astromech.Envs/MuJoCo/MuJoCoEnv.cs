using Astromech.Envs.ClassicControl;
using Astromech.Envs.Spaces;

namespace Astromech.Envs.MuJoCo;

/// <summary>How a v5 env perturbs the initial velocities at reset.</summary>
public enum VelocityNoise
{
    /// <summary>qvel = init_qvel + U(-scale, scale).</summary>
    Uniform,
    /// <summary>qvel = init_qvel + scale * N(0, 1).</summary>
    Normal,
}

/// <summary>
/// Base of the MuJoCo envs, following Gymnasium's <c>MujocoEnv</c>: one model and one data; a step writes the action
/// into ctrl and calls mj_step <see cref="FrameSkip"/> times (dt = timestep × frame_skip); a reset calls mj_resetData,
/// adds noise to init_qpos (uniform in ±reset_noise_scale) and init_qvel (uniform or normal, per env), then mj_forward.
/// The action space is the actuators' ctrlrange (float32), the observation space unbounded (Gymnasium's is float64;
/// values are carried as float32 here). Stepping allocates nothing: the info is a reused <see cref="StepInfo"/>.
/// Needs the native library (<see cref="MuJoCoLibrary"/>): constructing an env without it throws
/// <see cref="MuJoCoNotFoundException"/>.
/// </summary>
public abstract class MuJoCoEnv : Env
{
    private readonly Box _actionSpace;
    private Box _observationSpace = null!;
    private int _frameSkip;
    private double _resetNoiseScale;

    protected MuJoCoEnv(string asset, int frameSkip, double resetNoiseScale, VelocityNoise velocityNoise)
    {
        Model = MjcfAssets.Load(asset);
        try
        {
            Data = new MjData(Model);
        }
        catch
        {
            Model.Dispose();
            throw;
        }
        InitQpos = Model.Qpos0.ToArray();
        InitQvel = new double[Model.Nv];
        FrameSkip = frameSkip;
        ResetNoiseScale = resetNoiseScale;
        QvelNoise = velocityNoise;
        int nu = Model.Nu;
        var low = new float[nu];
        var high = new float[nu];
        var range = Model.ActuatorCtrlRange;
        for (int i = 0; i < nu; i++)
        {
            low[i] = (float)range[2 * i];
            high[i] = (float)range[2 * i + 1];
        }
        _actionSpace = new Box(low, high);
    }

    public MjModel Model { get; }
    public MjData Data { get; }

    /// <summary>The state a reset perturbs: the model's qpos0 and zero velocities.</summary>
    protected double[] InitQpos { get; }
    protected double[] InitQvel { get; }

    protected VelocityNoise QvelNoise { get; }

    public override Space ActionSpace => _actionSpace;
    public override Space ObservationSpace => _observationSpace;

    [EnvArg("frame_skip", Help = "mj_steps per env step; dt = timestep * frame_skip")]
    public int FrameSkip
    {
        get => _frameSkip;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(FrameSkip), value, "frame_skip must be >= 1");
            _frameSkip = value;
        }
    }

    [EnvArg("reset_noise_scale", Help = "scale of the random perturbation of the initial qpos and qvel")]
    public double ResetNoiseScale { get => _resetNoiseScale; set => _resetNoiseScale = ParamCheck.NonNegative(value, "reset_noise_scale"); }

    /// <summary>Seconds of simulated time per env step.</summary>
    public double Dt => Model.Timestep * _frameSkip;

    /// <summary>Length of the observation for the current settings.</summary>
    protected abstract int ObservationSize { get; }

    /// <summary>Call after a setting that changes <see cref="ObservationSize"/>.</summary>
    protected void UpdateObservationSpace()
    {
        int n = ObservationSize;
        if (_observationSpace is not null && _observationSpace.FlatSize == n) return;
        _observationSpace = new Box(float.NegativeInfinity, float.PositiveInfinity, new[] { n }, DType.Float64);
    }

    protected abstract void WriteObservation(Span<float> obs);

    /// <summary>The info returned by reset (positions only, as Gymnasium's <c>_get_reset_info</c>); null for none.</summary>
    protected virtual IReadOnlyDictionary<string, object>? ResetInfo() => null;

    /// <summary>qpos ← init_qpos + U(±scale), qvel ← init_qvel + noise, then mj_forward (Gymnasium's reset_model + set_state).</summary>
    protected virtual void ResetModel()
    {
        double s = _resetNoiseScale;
        var qpos = Data.Qpos;
        for (int i = 0; i < qpos.Length; i++) qpos[i] = InitQpos[i] + (-s + 2 * s * Rng.NextDouble());
        var qvel = Data.Qvel;
        if (QvelNoise == VelocityNoise.Uniform)
            for (int i = 0; i < qvel.Length; i++) qvel[i] = InitQvel[i] + (-s + 2 * s * Rng.NextDouble());
        else
            for (int i = 0; i < qvel.Length; i++) qvel[i] = InitQvel[i] + s * Rng.NextGaussian();
        Data.Forward();
    }

    protected sealed override IReadOnlyDictionary<string, object>? ResetCore(Span<float> obs)
    {
        Data.Reset();
        ResetModel();
        WriteObservation(obs);
        return ResetInfo();
    }

    /// <summary>ctrl ← action, then <see cref="FrameSkip"/> mj_steps (Gymnasium's do_simulation).</summary>
    protected void DoSimulation(ReadOnlySpan<float> action)
    {
        var ctrl = Data.Ctrl;
        for (int i = 0; i < ctrl.Length; i++) ctrl[i] = action[i];
        Data.Step(_frameSkip);
    }

    /// <summary>Σ a² of an action, the quantity every ctrl_cost weighs.</summary>
    protected static double SumOfSquares(ReadOnlySpan<float> action)
    {
        double s = 0;
        foreach (float a in action) s += (double)a * a;
        return s;
    }

    /// <summary>Writes qpos[skip..] then qvel (optionally clipped to ±clip) as float32.</summary>
    protected void WritePositionsAndVelocities(Span<float> obs, int skip, double clip = double.PositiveInfinity)
    {
        var qpos = Data.Qpos;
        var qvel = Data.Qvel;
        int k = 0;
        for (int i = skip; i < qpos.Length; i++) obs[k++] = (float)qpos[i];
        for (int i = 0; i < qvel.Length; i++) obs[k++] = (float)Math.Clamp(qvel[i], -clip, clip);
    }

    public override void Dispose()
    {
        Data.Dispose();
        Model.Dispose();
        base.Dispose();
    }
}
