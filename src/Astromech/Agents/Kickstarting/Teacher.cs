using Astromech.Agents.ActorCritic;
using Astromech.Envs.Spaces;
using Astromech.Nn;
using Astromech.Training;
using Astromech.Training.Checkpoints;
using Astromech.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Astromech.Agents.Kickstarting;

/// <summary>
/// A frozen policy loaded from a saved Astromech checkpoint: given a batch of observations it returns its
/// action distribution π_teacher(·|s), outside autograd. Actor-critic checkpoints (A2C, PPO, A3C, IMPALA)
/// give their policy head's distribution; Q-value checkpoints (DQN) give softmax(Q/τ) with τ =
/// kickstart_temperature. Teacher and student share only the action space: the teacher's network may have
/// any layout, and it sees the same observations as the student (it must accept their size).
/// Which algorithms teach, and how, is each one's descriptor's <see cref="AlgorithmInfo.TeacherPolicy"/>; the others
/// are refused with the reason their descriptor gives (R2D2: recurrent).
/// </summary>
public sealed class Teacher : IDisposable
{
    private readonly IAgent _agent;
    private readonly Func<Tensor, IActionDistribution> _policy;
    // Several threads (A3C's workers) may ask at once; the frozen module is read under this lock.
    private readonly object _lock = new();

    public string Path { get; }
    public string Algo => _agent.Algo;
    public Space ActionSpace => _agent.ActionSpace;

    private Teacher(string path, IAgent agent, Func<Tensor, IActionDistribution> policy)
    {
        Path = path;
        _agent = agent;
        _policy = policy;
    }

    /// <summary>π_teacher(·|obs) for obs [B, obs_size]; no gradient flows into the teacher.</summary>
    public IActionDistribution Policy(Tensor obs)
    {
        lock (_lock)
        {
            using var _ = no_grad();
            return _policy(obs);
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/> frozen. Throws <see cref="CheckpointException"/> naming the file when it is
    /// missing, corrupt, of an algorithm that cannot teach, or when its action space differs from
    /// <paramref name="studentActionSpace"/> (naming both spaces) or it does not accept the student's observations.
    /// </summary>
    public static Teacher Load(string path, Space studentObservationSpace, Space studentActionSpace, double temperature, int seed = 0)
    {
        if (!File.Exists(path)) throw new CheckpointException($"kickstarting teacher '{path}': file not found");
        Checkpoint ckpt;
        try { ckpt = CheckpointFile.Read(path); }
        catch (CheckpointException e) { throw new CheckpointException($"kickstarting teacher '{path}': {e.Message}"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or EndOfStreamException)
        {
            throw new CheckpointException($"kickstarting teacher '{path}': cannot read the checkpoint ({e.Message})");
        }
        if (!ckpt.Contains("trainer/meta") || !ckpt.Contains("trainer/config"))
            throw new CheckpointException($"kickstarting teacher '{path}': not a training checkpoint (it lacks the trainer/meta and trainer/config sections that `astromech train` writes)");
        var meta = ckpt.GetJsonNode("trainer/meta");
        string algoName = (string)meta["algo"]!;
        string teacherActions = (string?)meta["action_space"] ?? "?";
        if (teacherActions != studentActionSpace.ToString())
            throw new CheckpointException($"kickstarting teacher '{path}' acts in {teacherActions} but the student acts in {studentActionSpace}; teacher and student must share the action space");
        var info = Algorithms.Get(algoName);
        if (info.TeacherPolicy is not TeacherPolicyFactory makePolicy)
            throw new CheckpointException($"kickstarting teacher '{path}' is a {algoName} checkpoint, which cannot teach: {info.NotATeacherBecause ?? "its descriptor declares no teacher policy"} (teachers: {Algorithms.NamesWith(a => a.TeacherPolicy is not null)})");
        var config = ConfigBinder.Bind(info.ConfigType, ckpt.GetJsonNode("trainer/config").AsObject(), source: $"teacher '{path}' config");
        config = WithoutTeachers(config);

        IAgent agent = info.Create(config, studentObservationSpace, studentActionSpace, seed);
        try
        {
            try { agent.Load(ckpt); }
            catch (CheckpointException e) { throw new CheckpointException($"kickstarting teacher '{path}' does not fit the student's env: {e.Message}"); }
            var policy = makePolicy(agent, temperature);
            return new Teacher(path, agent, policy);
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    /// <summary>The config with its own teachers removed: a loaded policy (a teacher, or a student under `astromech eval`)
    /// never needs the teachers it once learned from.</summary>
    public static object WithoutTeachers(object config) =>
        config is IKickstartableConfig { Kickstart.Enabled: true } k ? k.WithoutTeachers() : config;

    public void Dispose() => _agent.Dispose();
}
