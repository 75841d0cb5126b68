using System.Diagnostics;
using Astromech.Datasets;

namespace Astromech.Tests.Datasets;

/// <summary>
/// Writes the reference files once with Debian's python3-h5py (write_reference_files.py; build/debian-packages.sh
/// installs it), so the readers are tested on files no code of ours wrote.
/// </summary>
public sealed class ReferenceFiles : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "astromech-dsref-" + Guid.NewGuid().ToString("N"));

    public ReferenceFiles()
    {
        string script = Path.Combine(RepoPaths.Root(), "tests", "Astromech.Tests", "Datasets", "write_reference_files.py");
        var (rc, output) = Python.Run(script, Dir);
        if (rc != 0) throw new InvalidOperationException($"write_reference_files.py failed (exit {rc}; python3-h5py missing? run build/debian-packages.sh as root):\n{output}");
    }

    public string this[string name] => Path.Combine(Dir, name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Debian's python3 (which has python3-h5py), else whatever python3 is on the PATH.</summary>
internal static class Python
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        string exe = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}

public class DatasetFileTests : IClassFixture<ReferenceFiles>
{
    private readonly ReferenceFiles _ref;
    public DatasetFileTests(ReferenceFiles files) => _ref = files;

    // The formulas of write_reference_files.py.
    private static float[] Obs(int i) => new[] { (float)i, i + 0.5f, -(float)i };
    private static float Act(int i) => (float)(0.1 * i);
    private static float Reward(int i) => 1f + i;

    [Fact]
    public void D4rlFileWithNextObservationsLoadsEveryRowAndInfo()
    {
        string f = _ref["d4rl.hdf5"];
        Assert.Equal(DatasetLayout.D4rl, DatasetFile.DetectLayout(f));
        var d = DatasetFile.Read(f);
        Assert.Equal(10, d.Count);
        Assert.Equal(3, d.ObservationSize);
        Assert.Equal(1, d.ActionSize);
        Assert.False(d.IntegerActions);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(Obs(i), d.Observation(i).ToArray());
            Assert.Equal(Obs(i + 1), d.NextObservation(i).ToArray());
            Assert.Equal(Act(i), d.Action(i)[0]);
            Assert.Equal(Reward(i), d.Rewards[i]);
            Assert.Equal(i == 6, d.Terminals[i]);
            Assert.Equal(i == 3, d.Timeouts[i]);
            Assert.Equal(new[] { 2f * i, 2f * i + 1 }, d.Infos["qpos"].AsSpan(2 * i, 2).ToArray());
            Assert.Equal(-i, d.Infos["qvel"][i]);
        }
        Assert.Equal(new[] { (0, 4), (4, 7), (7, 10) }, d.Episodes());
        Assert.True(d.Infos.ContainsKey("action_log_probs"));
        Assert.Equal("SAC", d.Metadata["algorithm"]);
        Assert.Equal("42", d.Metadata["iteration"]);
        Assert.False(d.Metadata.ContainsKey("policy/fc0/weight")); // 256×17 weights are not metadata text
    }

    [Fact]
    public void D4rlFileWithoutNextObservationsFollowsQlearningDatasetRule()
    {
        var d = DatasetFile.Read(_ref["d4rl-no-next.hdf5"]);
        // Dropped: row 3 (a timeout: its next observation, row 4, is the next episode's start) and row 9 (the file's last).
        int[] kept = { 0, 1, 2, 4, 5, 6, 7, 8 };
        Assert.Equal(kept.Length, d.Count);
        for (int j = 0; j < kept.Length; j++)
        {
            int i = kept[j];
            Assert.Equal(Obs(i), d.Observation(j).ToArray());
            Assert.Equal(Obs(i + 1), d.NextObservation(j).ToArray());
            Assert.Equal(Reward(i), d.Rewards[j]);
            Assert.Equal(2f * i, d.Infos["qpos"][2 * j]);
        }
        Assert.Equal(new[] { false, false, false, false, false, true, false, false }, d.Terminals);
        // Rows 2 and 8 now close their episodes as timeouts (bootstrapping from their true next observation).
        Assert.Equal(new[] { false, false, true, false, false, false, false, true }, d.Timeouts);
        Assert.Equal(3, d.Episodes().Count);
        Assert.StartsWith("derived", d.Metadata["next_observations"]);
    }

    [Fact]
    public void Float64ObservationsLoadAsTheSameFloats()
    {
        var a = DatasetFile.Read(_ref["d4rl.hdf5"]);
        var b = DatasetFile.Read(_ref["d4rl-float64.hdf5"]);
        Assert.Equal(a.Observations, b.Observations);
    }

    [Fact]
    public void MinariFolderLoadsEpisodesAsFlatRows()
    {
        string folder = _ref["minari"];
        Assert.Equal(DatasetLayout.Minari, DatasetFile.DetectLayout(folder));
        var d = DatasetFile.Read(folder);
        Assert.Equal(8, d.Count);
        int[] step = { 0, 1, 2, 3, 4, 100, 101, 102 };
        for (int j = 0; j < 8; j++)
        {
            int i = step[j];
            Assert.Equal(Obs(i), d.Observation(j).ToArray());
            Assert.Equal(Obs(i + 1), d.NextObservation(j).ToArray()); // T+1 observations: the last step's next is stored
            Assert.Equal(Act(i), d.Action(j)[0]);
            Assert.Equal(Reward(i), d.Rewards[j]);
            Assert.Equal(new[] { 2f * i, 2f * i + 1 }, d.Infos["qpos"].AsSpan(2 * j, 2).ToArray()); // info row j describes observation j
        }
        Assert.Equal(new[] { false, false, false, false, false, false, false, true }, d.Terminals);
        Assert.Equal(new[] { false, false, false, false, true, false, false, false }, d.Timeouts);
        Assert.Equal("pendulum/reference-v0", d.Metadata["dataset_id"]);
        Assert.Equal("Pendulum-v1", d.EnvId);
        Assert.Contains("\"Box\"", d.Metadata["action_space"]);

        var direct = DatasetFile.Read(Path.Combine(folder, "data", "main_data.hdf5"));
        Assert.Equal(d.Observations, direct.Observations);
        Assert.Equal(d.Metadata["dataset_id"], direct.Metadata["dataset_id"]);
    }

    [Fact]
    public void MinariIntegerActionsMarkTheDatasetDiscrete()
    {
        var d = DatasetFile.Read(_ref["minari-discrete"]);
        Assert.True(d.IntegerActions);
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 0, 1, 0 }, d.Actions);
    }

    [Fact]
    public void MinariInfosOnlySomeEpisodesHaveAreLeftOut()
    {
        var d = DatasetFile.Read(_ref["minari-partial-infos"]);
        Assert.Equal(8, d.Count);
        Assert.True(d.Infos.ContainsKey("qpos"));
        Assert.False(d.Infos.ContainsKey("qvel"));
    }

    [Fact]
    public void MinariEpisodeEndingBeforeItsLastStepIsAnErrorNamingEpisodeAndStep()
    {
        var e = Assert.Throws<DatasetFileException>(() => DatasetFile.Read(_ref["minari-early-end"]));
        Assert.Equal("episode_0/terminations", e.Key);
        Assert.Equal(1, e.Row);
        Assert.Contains("main_data.hdf5", e.Message);
    }

    [Fact]
    public void OwnD4rlFilesRoundTripExactly()
    {
        var original = Recorded(integerActions: false);
        string path = TempFile("rt.hdf5");
        DatasetFile.Write(original, path, DatasetLayout.D4rl);
        Assert.Equal(DatasetLayout.D4rl, DatasetFile.DetectLayout(path));
        AssertSame(original, DatasetFile.Read(path));
    }

    [Fact]
    public void OwnMinariFoldersRoundTripExactly()
    {
        foreach (bool discrete in new[] { false, true })
        {
            var original = Recorded(discrete);
            string folder = TempFile("rt-minari");
            DatasetFile.Write(original, folder, DatasetLayout.Minari);
            Assert.True(File.Exists(Path.Combine(folder, "data", "main_data.hdf5")));
            Assert.True(File.Exists(Path.Combine(folder, "data", "metadata.json")));
            var back = DatasetFile.Read(folder);
            AssertSame(original, back);
            Assert.Equal(original.Episodes().Count.ToString(), back.Metadata["total_episodes"]);
        }
    }

    [Fact]
    public void H5pyD4rlConvertsToMinariAndBack()
    {
        var d4rl = DatasetFile.Read(_ref["d4rl.hdf5"]);
        string minari = TempFile("conv-minari");
        DatasetFile.Write(d4rl, minari, DatasetLayout.Minari);
        var asMinari = DatasetFile.Read(minari);
        // The file's last episode ends with no flag (recording stopped); a Minari episode always ends, so it reads back
        // closed as a timeout. Every other value is the same.
        Assert.False(d4rl.Timeouts[9]);
        Assert.True(asMinari.Timeouts[9]);
        d4rl.Timeouts[9] = true;
        AssertSame(d4rl, asMinari);
        string back = TempFile("conv.hdf5");
        DatasetFile.Write(asMinari, back, DatasetLayout.D4rl);
        AssertSame(d4rl, DatasetFile.Read(back));
    }

    [Fact]
    public void H5pyReadsOurFilesInBothLayouts()
    {
        var original = Recorded(integerActions: true);
        string d4rl = TempFile("ours.hdf5"), minari = TempFile("ours-minari");
        DatasetFile.Write(original, d4rl, DatasetLayout.D4rl);
        DatasetFile.Write(original, minari, DatasetLayout.Minari);
        string code = """
            import sys, json, h5py, numpy as np
            with h5py.File(sys.argv[1]) as f:
                print(f['observations'].shape, f['actions'].dtype, f['terminals'].dtype, f['terminals'][:].sum(), round(float(np.sum(f['rewards'][:])), 3))
            with h5py.File(sys.argv[2] + '/data/main_data.hdf5') as f:
                eps = sorted(f.keys(), key=lambda k: int(k.split('_')[1]))
                print(len(eps), f[eps[0]]['observations'].shape, f[eps[0]]['actions'].dtype, f[eps[0]]['truncations'].dtype, json.load(open(sys.argv[2] + '/data/metadata.json'))['total_steps'])
            """;
        var (rc, output) = Python.Run("-c", code, d4rl, minari);
        Assert.True(rc == 0, output);
        var lines = output.Trim().Split('\n');
        int terminals = original.Terminals.Count(t => t);
        double rewards = Math.Round(original.Rewards.Sum(x => (double)x), 3);
        Assert.Equal($"({original.Count}, {original.ObservationSize}) int64 bool {terminals} {rewards.ToString(System.Globalization.CultureInfo.InvariantCulture)}", lines[0].Trim());
        var eps = original.Episodes();
        Assert.Equal($"{eps.Count} ({eps[0].End - eps[0].Start + 1}, {original.ObservationSize}) int64 bool {original.Count}", lines[1].Trim());
    }

    [Fact]
    public void NanRowIsAnErrorNamingFileKeyAndRow()
    {
        string f = _ref["d4rl-nan.hdf5"];
        var e = Assert.Throws<DatasetFileException>(() => DatasetFile.Read(f));
        Assert.Equal("observations", e.Key);
        Assert.Equal(5, e.Row);
        Assert.Contains(f, e.Message);
        Assert.Contains("row 5", e.Message);
    }

    [Fact]
    public void MissingKeyIsAnErrorNamingIt()
    {
        var e = Assert.Throws<DatasetFileException>(() => DatasetFile.Read(_ref["d4rl-no-rewards.hdf5"]));
        Assert.Equal("rewards", e.Key);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void RowCountMismatchIsAnErrorNamingTheKey()
    {
        var e = Assert.Throws<DatasetFileException>(() => DatasetFile.Read(_ref["d4rl-short-actions.hdf5"]));
        Assert.Equal("actions", e.Key);
        Assert.Contains("9 rows", e.Message);
        Assert.Contains("10", e.Message);
    }

    [Fact]
    public void FileOfNeitherLayoutIsRefusedNamingWhatItHolds()
    {
        string f = _ref["not-a-dataset.hdf5"];
        var e = Assert.Throws<DatasetFileException>(() => DatasetFile.DetectLayout(f));
        Assert.Contains("'images'", e.Message);
        Assert.Contains(f, e.Message);
        var notHdf5 = TempFile("text.hdf5");
        File.WriteAllText(notHdf5, "observations,actions\n1,2\n");
        Assert.Contains("not an HDF5 file", Assert.Throws<DatasetFileException>(() => DatasetFile.Read(notHdf5)).Message);
        var emptyDir = TempFile("empty-dir");
        Directory.CreateDirectory(emptyDir);
        Assert.Contains("not a Minari dataset", Assert.Throws<DatasetFileException>(() => DatasetFile.Read(emptyDir)).Message);
    }

    [Fact]
    public void SpaceMismatchWithTheEnvNamesBothSizes()
    {
        var d = DatasetFile.Read(_ref["d4rl.hdf5"]);
        var obs4 = new Astromech.Envs.Spaces.Box(-1f, 1f, new[] { 4 });
        var e = Assert.Throws<ArgumentException>(() => d.Validate(obs4, null, _ref["d4rl.hdf5"]));
        Assert.Contains("3 floats", e.Message);
        Assert.Contains("has 4", e.Message);
        var act = new Astromech.Envs.Spaces.Box(-0.5f, 0.5f, new[] { 1 });
        var e2 = Assert.Throws<ArgumentException>(() => d.Validate(null, act, "x.hdf5"));
        Assert.Contains("actions row 6", e2.Message); // 0.1 · 6 = 0.6 is the first action outside [-0.5, 0.5]
    }

    [Fact]
    public void FailedWriteLeavesNoFileAndKeepsAnOldOne()
    {
        // A D4RL-style dataset whose next observation disagrees with the following row cannot be stored as Minari episodes.
        var b = new OfflineDatasetBuilder(1, 1);
        b.Add(new[] { 0f }, new[] { 0f }, 1f, false, false, new[] { 1f });
        b.Add(new[] { 5f }, new[] { 0f }, 1f, true, false, new[] { 6f });
        var inconsistent = b.Build();
        string file = TempFile("fail.hdf5");
        var e = Assert.Throws<ArgumentException>(() => DatasetFile.Write(inconsistent, file, DatasetLayout.Minari));
        Assert.Contains("row 0", e.Message);
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(file)!, "*.tmp"));

        var good = Recorded(false);
        DatasetFile.Write(good, file, DatasetLayout.Minari);
        long before = new FileInfo(file).Length;
        Assert.Throws<ArgumentException>(() => DatasetFile.Write(inconsistent, file, DatasetLayout.Minari));
        Assert.Equal(before, new FileInfo(file).Length);
        AssertSame(good, DatasetFile.Read(file));
    }

    // ---------------------------------------------------------------- helpers

    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "astromech-ds-" + Guid.NewGuid().ToString("N"));
    private string TempFile(string name) { Directory.CreateDirectory(_tmp); return Path.Combine(_tmp, Guid.NewGuid().ToString("N")[..6] + "-" + name); }

    /// <summary>Three episodes (terminal, timeout, cut off), 4-d observations, 2-d actions, qpos/qvel infos, metadata.</summary>
    internal static OfflineDataset Recorded(bool integerActions)
    {
        var rng = new Random(3);
        int actSize = integerActions ? 1 : 2;
        var b = new OfflineDatasetBuilder(4, actSize) { IntegerActions = integerActions };
        b.Metadata["env_id"] = "InvertedPendulum-v5";
        b.Metadata["policy"] = "test";
        foreach (var (len, terminal) in new[] { (7, true), (5, false), (3, false) })
        {
            var o = Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble()).ToArray();
            for (int t = 0; t < len; t++)
            {
                var next = o.Select(x => x + (float)rng.NextDouble() - 0.5f).ToArray();
                var a = integerActions ? new[] { (float)rng.Next(3) } : new[] { (float)rng.NextDouble(), -(float)rng.NextDouble() };
                bool last = t == len - 1;
                b.Add(o, a, (float)rng.NextDouble(), last && terminal, last && !terminal && len == 5, next);
                b.AddInfo("qpos", new[] { o[0], o[1] });
                b.AddInfo("qvel", new[] { o[2] });
                o = next;
            }
        }
        b.CloseEpisode();
        return b.Build();
    }

    private static void AssertSame(OfflineDataset want, OfflineDataset got)
    {
        Assert.Equal(want.ObservationSize, got.ObservationSize);
        Assert.Equal(want.ActionSize, got.ActionSize);
        Assert.Equal(want.Observations, got.Observations);
        Assert.Equal(want.NextObservations, got.NextObservations);
        Assert.Equal(want.Actions, got.Actions);
        Assert.Equal(want.Rewards, got.Rewards);
        Assert.Equal(want.Terminals, got.Terminals);
        Assert.Equal(want.Timeouts, got.Timeouts);
        Assert.Equal(want.IntegerActions, got.IntegerActions);
        Assert.Equal(want.Infos.Keys.OrderBy(k => k), got.Infos.Keys.OrderBy(k => k));
        foreach (var (k, v) in want.Infos) Assert.Equal(v, got.Infos[k]);
        foreach (var (k, v) in want.Metadata)
            if (k is not "layout" and not "next_observations") Assert.Equal(v, got.Metadata[k]);
    }
}
