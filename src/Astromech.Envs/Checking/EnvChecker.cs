using Astromech.Envs.Spaces;

namespace Astromech.Envs.Checking;

/// <summary>Thrown by <see cref="EnvChecker.EnsureValid"/>; lists every problem found.</summary>
public sealed class EnvCheckException : Exception
{
    public EnvCheckException(string envName, IReadOnlyList<string> problems)
        : base($"{envName} fails {problems.Count} check(s):\n - " + string.Join("\n - ", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// Checks that an env keeps the <see cref="IEnv"/> contract (in the spirit of Gymnasium's env checker):
/// spaces are consistent and their samples contained; reset and step observations lie in the observation space;
/// rewards are finite; a seed makes resets and trajectories repeatable; different seeds give different starts
/// for envs whose reset is random; stepping before reset, after the end of an episode, or with an action outside
/// the action space throws the documented exception. The env is left in an unspecified state.
/// </summary>
public static class EnvChecker
{
    /// <summary>
    /// Runs every check and returns the problems found (empty when the env passes). Pass a freshly built env
    /// (as <c>EnvRegistry.Make</c> returns): one check steps it before its first reset and expects a throw.
    /// </summary>
    /// <param name="steps">Steps taken with random actions for the observation/reward checks and the repeatability check.</param>
    public static IReadOnlyList<string> Check(IEnv env, int seed = 0, int steps = 200)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be >= 1");
        var problems = new List<string>();
        Space obsSpace, actSpace;
        try
        {
            obsSpace = env.ObservationSpace;
            actSpace = env.ActionSpace;
        }
        catch (Exception e)
        {
            problems.Add($"reading the spaces threw {e.GetType().Name}: {e.Message}");
            return problems;
        }
        if (obsSpace is null || actSpace is null)
        {
            problems.Add("ObservationSpace or ActionSpace is null");
            return problems;
        }

        CheckSpace("observation space", obsSpace, seed, problems);
        CheckSpace("action space", actSpace, seed, problems);

        Run(problems, "step before the first reset", () => CheckStepBeforeReset(env, obsSpace, actSpace, problems));
        Run(problems, "random rollout", () => CheckRollout(env, obsSpace, actSpace, seed, steps, problems));
        Run(problems, "seeding", () => CheckSeeding(env, obsSpace, actSpace, seed, steps, problems));
        Run(problems, "invalid actions", () => CheckInvalidActions(env, obsSpace, actSpace, seed, problems));
        Run(problems, "step after the end of an episode", () => CheckStepAfterEnd(env, obsSpace, actSpace, seed, steps, problems));
        return problems;
    }

    /// <summary>Throws <see cref="EnvCheckException"/> listing every problem when <see cref="Check"/> finds any.</summary>
    public static void EnsureValid(IEnv env, int seed = 0, int steps = 200)
    {
        var problems = Check(env, seed, steps);
        if (problems.Count > 0) throw new EnvCheckException(env.Spec?.Id ?? env.GetType().Name, problems);
    }

    private static void Run(List<string> problems, string what, Action check)
    {
        try { check(); }
        catch (Exception e) { problems.Add($"{what}: unexpected {e.GetType().Name}: {e.Message}"); }
    }

    private static void CheckSpace(string name, Space space, int seed, List<string> problems)
    {
        int[] shape = space.Shape;
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0) problems.Add($"{name} {space}: negative dimension in shape [{string.Join(", ", shape)}]");
            size *= d;
        }
        if (space.FlatSize <= 0) problems.Add($"{name} {space}: FlatSize is {space.FlatSize}");
        switch (space)
        {
            case Discrete:
                if (shape.Length != 0 || space.FlatSize != 1) problems.Add($"{name} {space}: a Discrete space has shape () and FlatSize 1");
                break;
            case MultiDiscrete md:
                if (shape.Length != 1 || shape[0] != md.Nvec.Length || space.FlatSize != md.Nvec.Length)
                    problems.Add($"{name} {space}: shape/FlatSize disagree with Nvec");
                break;
            case Box box:
                if (size != space.FlatSize || box.Low.Length != space.FlatSize || box.High.Length != space.FlatSize)
                    problems.Add($"{name} {space}: shape [{string.Join(", ", shape)}] holds {size} elements but FlatSize is {space.FlatSize} and the bounds have {box.Low.Length}/{box.High.Length}");
                for (int i = 0; i < box.Low.Length && i < box.High.Length; i++)
                {
                    float lo = box.Low[i], hi = box.High[i];
                    if (float.IsNaN(lo) || float.IsNaN(hi) || lo > hi) { problems.Add($"{name} {space}: bounds [{lo}, {hi}] at {i} are invalid"); break; }
                    if (box.DType is DType.UInt8 or DType.Int32 or DType.Bool)
                    {
                        bool integral = (!float.IsFinite(lo) || lo == MathF.Floor(lo)) && (!float.IsFinite(hi) || hi == MathF.Floor(hi));
                        bool inRange = box.DType switch
                        {
                            DType.UInt8 => lo >= 0 && hi <= 255,
                            DType.Bool => lo >= 0 && hi <= 1,
                            _ => true,
                        };
                        if (!integral || !inRange) { problems.Add($"{name} {space}: bounds [{lo}, {hi}] at {i} do not fit dtype {box.DType}"); break; }
                    }
                }
                break;
        }

        var rng = new Rng(seed);
        var x = new float[space.FlatSize];
        for (int k = 0; k < 100; k++)
        {
            space.Sample(rng, x);
            if (!space.Contains(x))
            {
                problems.Add($"{name} {space}: Sample returned {Space.Format(x)}, which Contains rejects");
                break;
            }
        }
        if (space.Contains(new float[space.FlatSize + 1]))
            problems.Add($"{name} {space}: Contains accepts a value of the wrong length");
    }

    private static void CheckStepBeforeReset(IEnv env, Space obsSpace, Space actSpace, List<string> problems)
    {
        // Only meaningful for a fresh env; EnvRegistry.Make and constructors hand one over.
        var obs = new float[obsSpace.FlatSize];
        var a = actSpace.Sample(new Rng(0));
        try
        {
            env.Step(a, obs);
            problems.Add("Step before the first Reset did not throw InvalidOperationException");
        }
        catch (InvalidOperationException) { }
        catch (Exception e) { problems.Add($"Step before the first Reset threw {e.GetType().Name} instead of InvalidOperationException: {e.Message}"); }
    }

    private static void CheckRollout(IEnv env, Space obsSpace, Space actSpace, int seed, int steps, List<string> problems)
    {
        var obs = new float[obsSpace.FlatSize];
        var action = new float[actSpace.FlatSize];
        var rng = new Rng(seed);
        Reset(env, obs, seed, obsSpace, problems, "reset");
        int badObs = 0, badReward = 0;
        for (int t = 0; t < steps; t++)
        {
            actSpace.Sample(rng, action);
            var r = env.Step(action, obs);
            if (!obsSpace.Contains(obs) && badObs++ == 0)
                problems.Add($"step {t}: observation {Space.Format(obs)} is not in {obsSpace}");
            if (!double.IsFinite(r.Reward) && badReward++ == 0)
                problems.Add($"step {t}: reward {r.Reward} is not finite");
            if (r.Done) Reset(env, obs, null, obsSpace, problems, "reset after an episode");
        }
    }

    private static void Reset(IEnv env, float[] obs, int? seed, Space obsSpace, List<string> problems, string what)
    {
        Array.Fill(obs, float.NaN); // so that an env writing nothing fails the containment check
        env.Reset(obs, seed);
        if (!obsSpace.Contains(obs) && !problems.Exists(p => p.StartsWith(what + ": observation", StringComparison.Ordinal)))
            problems.Add($"{what}: observation {Space.Format(obs)} is not in {obsSpace}");
    }

    /// <summary>Resets with <paramref name="seed"/> and steps with a fixed action stream; returns every observation and reward.</summary>
    private static (List<float> Obs, List<double> Rewards) Trajectory(IEnv env, Space obsSpace, Space actSpace, int seed, int steps)
    {
        var obs = new float[obsSpace.FlatSize];
        var action = new float[actSpace.FlatSize];
        var actionRng = new Rng(seed ^ 0x5EED);
        var allObs = new List<float>();
        var rewards = new List<double>();
        env.Reset(obs, seed);
        allObs.AddRange(obs);
        for (int t = 0; t < steps; t++)
        {
            actSpace.Sample(actionRng, action);
            var r = env.Step(action, obs);
            allObs.AddRange(obs);
            rewards.Add(r.Reward);
            if (r.Done) break;
        }
        return (allObs, rewards);
    }

    private static void CheckSeeding(IEnv env, Space obsSpace, Space actSpace, int seed, int steps, List<string> problems)
    {
        var a = Trajectory(env, obsSpace, actSpace, seed, steps);
        var b = Trajectory(env, obsSpace, actSpace, seed, steps);
        if (a.Obs.Count < obsSpace.FlatSize || !a.Obs.GetRange(0, obsSpace.FlatSize).SequenceEqual(b.Obs.GetRange(0, obsSpace.FlatSize)))
            problems.Add($"Reset(seed: {seed}) twice gave different observations");
        else if (!a.Obs.SequenceEqual(b.Obs) || !a.Rewards.SequenceEqual(b.Rewards))
            problems.Add($"Reset(seed: {seed}) followed by the same actions gave different trajectories");

        // Different seeds should give different starts, unless the env's reset is deterministic. A reset that
        // ignores the seed shows up as identical seeded starts while unseeded starts vary.
        var first = env.Reset(seed: seed);
        bool anyDiffer = false;
        for (int k = 1; k <= 4 && !anyDiffer; k++)
            anyDiffer = !env.Reset(seed: seed + k).AsSpan().SequenceEqual(first);
        if (!anyDiffer)
        {
            var u1 = env.Reset();
            bool unseededVary = false;
            for (int k = 0; k < 4 && !unseededVary; k++)
                unseededVary = !env.Reset().AsSpan().SequenceEqual(u1);
            if (unseededVary)
                problems.Add($"Reset with seeds {seed}..{seed + 4} gave identical observations although unseeded resets vary: the seed seems ignored");
        }
    }

    private static void CheckInvalidActions(IEnv env, Space obsSpace, Space actSpace, int seed, List<string> problems)
    {
        var obs = new float[obsSpace.FlatSize];
        env.Reset(obs, seed);
        foreach (var bad in InvalidActions(actSpace))
        {
            try
            {
                var r = env.Step(bad, obs);
                problems.Add($"action {Space.Format(bad)} outside {actSpace} did not throw ArgumentException");
                if (r.Done) env.Reset(obs, seed);
            }
            catch (ArgumentException) { }
            catch (Exception e)
            {
                problems.Add($"action {Space.Format(bad)} outside {actSpace} threw {e.GetType().Name} instead of ArgumentException: {e.Message}");
                env.Reset(obs, seed);
            }
        }
        // A rejected action must leave the env usable.
        var ok = actSpace.Sample(new Rng(seed));
        try { env.Step(ok, obs); }
        catch (Exception e) { problems.Add($"after rejecting invalid actions, a valid step threw {e.GetType().Name}: {e.Message}"); }
    }

    private static IEnumerable<float[]> InvalidActions(Space space)
    {
        yield return new float[space.FlatSize + 1]; // wrong length
        yield return Filled(space.FlatSize, float.NaN);
        switch (space)
        {
            case Discrete d:
                yield return new float[] { d.Start + d.N };
                yield return new float[] { d.Start - 1 };
                yield return new float[] { d.Start + 0.5f };
                break;
            case MultiDiscrete md:
            {
                var x = new float[md.Nvec.Length];
                x[0] = md.Nvec[0];
                yield return x;
                var y = new float[md.Nvec.Length];
                y[0] = -1;
                yield return y;
                break;
            }
            case Box box:
                for (int i = 0; i < box.FlatSize; i++)
                {
                    if (float.IsFinite(box.High[i]))
                    {
                        var x = Mid(box);
                        x[i] = box.High[i] + Math.Max(1f, Math.Abs(box.High[i]));
                        yield return x;
                        break;
                    }
                    if (float.IsFinite(box.Low[i]))
                    {
                        var x = Mid(box);
                        x[i] = box.Low[i] - Math.Max(1f, Math.Abs(box.Low[i]));
                        yield return x;
                        break;
                    }
                }
                break;
        }
    }

    private static float[] Mid(Box box)
    {
        var x = new float[box.FlatSize];
        for (int i = 0; i < x.Length; i++)
        {
            float lo = box.Low[i], hi = box.High[i];
            x[i] = float.IsFinite(lo) && float.IsFinite(hi) ? lo + (hi - lo) / 2 : float.IsFinite(lo) ? lo : float.IsFinite(hi) ? hi : 0;
        }
        return x;
    }

    private static float[] Filled(int n, float v)
    {
        var a = new float[n];
        Array.Fill(a, v);
        return a;
    }

    private static void CheckStepAfterEnd(IEnv env, Space obsSpace, Space actSpace, int seed, int steps, List<string> problems)
    {
        // Run until an episode ends; envs without a time limit may never end within the budget, which is fine.
        int budget = Math.Max(steps, Math.Min((env.Spec?.MaxEpisodeSteps ?? 0) + 1, 100_000));
        var obs = new float[obsSpace.FlatSize];
        var action = new float[actSpace.FlatSize];
        var rng = new Rng(seed);
        env.Reset(obs, seed);
        for (int t = 0; t < budget; t++)
        {
            actSpace.Sample(rng, action);
            if (!env.Step(action, obs).Done) continue;
            try
            {
                env.Step(action, obs);
                problems.Add("Step after the episode ended did not throw InvalidOperationException");
            }
            catch (InvalidOperationException) { }
            catch (Exception e) { problems.Add($"Step after the episode ended threw {e.GetType().Name} instead of InvalidOperationException: {e.Message}"); }
            // Reset must make the env usable again.
            env.Reset(obs, seed);
            env.Step(action, obs);
            return;
        }
    }
}
