using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Training;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

namespace Astromech.Datasets;

/// <summary>The two HDF5 layouts of offline RL data in public use.</summary>
public enum DatasetLayout
{
    /// <summary>
    /// D4RL: one file of flat arrays with a row per step: <c>observations</c>, <c>actions</c>, <c>rewards</c>,
    /// <c>terminals</c>, <c>timeouts</c>, optionally <c>next_observations</c>, and the groups <c>infos/</c> (per-step
    /// arrays such as qpos, qvel) and <c>metadata/</c> (dataset facts).
    /// </summary>
    D4rl,

    /// <summary>
    /// Minari: a dataset folder holding <c>data/main_data.hdf5</c> and <c>data/metadata.json</c>; the file has one group
    /// <c>episode_{i}</c> per episode with T+1 <c>observations</c>, T <c>actions</c>, <c>rewards</c>,
    /// <c>terminations</c>, <c>truncations</c>, and an <c>infos</c> group.
    /// </summary>
    Minari,
}

/// <summary>
/// Reads and writes <see cref="OfflineDataset"/>s in the D4RL and Minari HDF5 layouts (PureHDF: no native HDF5).
/// The rules, in short (docs/datasets.md has them in full):
/// <list type="bullet">
/// <item>D4RL without <c>next_observations</c>: d4rl's <c>qlearning_dataset</c> rule: the next observation of row i is
/// observation i+1; a row flagged <c>timeouts</c> is dropped (its true next observation was never stored: row i+1 is
/// the next episode's first), and so is the file's last row. The kept row before a dropped one ends its episode as a
/// timeout, so episodes stay apart. Terminal rows are kept (their next observation is not bootstrapped from).</item>
/// <item>Minari: episode e's rows are its T steps; the last step of an episode flagged neither terminated nor truncated
/// (recording stopped) is marked a timeout. Infos with T+1 rows (the reset's info first) keep their first T rows, so
/// info row i describes observation i as in D4RL.</item>
/// <item>Every value read must be finite; a NaN or infinity is an error naming the file, the key and the row.</item>
/// <item>Discrete actions are stored as 64-bit integers (<see cref="OfflineDataset.IntegerActions"/>); integer actions in a
/// file set that flag.</item>
/// <item>Writes go to a temporary file renamed into place: a failed write leaves no file (and an old one untouched).</item>
/// </list>
/// </summary>
public static class DatasetFile
{
    private const string MinariFileName = "main_data.hdf5";
    private const string MinariMetadataName = "metadata.json";
    /// <summary>Rows per HDF5 chunk when writing (gzip works on chunks); 4096 rows of HalfCheetah observations is ~280 KB.</summary>
    private const int ChunkRows = 4096;
    /// <summary>Metadata arrays longer than this (e.g. D4RL's stored policy weights under metadata/policy/) are not read.</summary>
    private const int MaxMetadataArray = 64;

    /// <summary>Loads a D4RL file, a Minari <c>main_data.hdf5</c>, or a Minari dataset folder.</summary>
    public static OfflineDataset Read(string path)
    {
        string file = ResolveFile(path);
        using var h5 = Open(file);
        var layout = Detect(h5, file);
        var data = layout == DatasetLayout.D4rl ? ReadD4rl(h5, file) : ReadMinari(h5, file);
        data.Metadata.TryAdd("layout", layout == DatasetLayout.D4rl ? "d4rl" : "minari");
        return data;
    }

    /// <summary>Which layout the file (or Minari folder) at <paramref name="path"/> is in; an error naming what it holds when neither.</summary>
    public static DatasetLayout DetectLayout(string path)
    {
        string file = ResolveFile(path);
        using var h5 = Open(file);
        return Detect(h5, file);
    }

    /// <summary>
    /// Writes <paramref name="data"/> in <paramref name="layout"/>. D4RL: <paramref name="path"/> is the file. Minari: a path
    /// ending in <c>.hdf5</c>/<c>.h5</c> is the file itself (the metadata then goes into its root attributes only);
    /// any other path is a dataset folder, written as <c>PATH/data/main_data.hdf5</c> plus <c>PATH/data/metadata.json</c>.
    /// </summary>
    public static void Write(OfflineDataset data, string path, DatasetLayout layout)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException($"{path}: the dataset has no rows; nothing to write");
        data.Validate(source: path);
        if (layout == DatasetLayout.D4rl)
        {
            var h5 = BuildD4rl(data);
            AtomicFile.Write(path, s => h5.Write(s));
            return;
        }
        bool isFile = path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase);
        string file = isFile ? path : System.IO.Path.Combine(path, "data", MinariFileName);
        var metadata = MinariMetadata(data);
        var minari = BuildMinari(data, metadata);
        AtomicFile.Write(file, s => minari.Write(s));
        if (!isFile)
            AtomicFile.WriteAllText(System.IO.Path.Combine(path, "data", MinariMetadataName), metadata.ToJsonString(new JsonSerializerOptions
            {
                WriteIndented = true,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // quotes inside the space strings stay readable
            }));
    }

    // ---------------------------------------------------------------- opening and detecting

    private static string ResolveFile(string path)
    {
        if (Directory.Exists(path))
        {
            foreach (var candidate in new[] { System.IO.Path.Combine(path, "data", MinariFileName), System.IO.Path.Combine(path, MinariFileName) })
                if (File.Exists(candidate)) return candidate;
            throw new DatasetFileException(path, null, null, $"a folder, but not a Minari dataset: it holds neither data/{MinariFileName} nor {MinariFileName}");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such dataset file or folder", path);
        return path;
    }

    private static NativeFile Open(string file)
    {
        try { return H5File.OpenRead(file); }
        catch (Exception e) when (e is not IOException)
        {
            throw new DatasetFileException(file, null, null, $"not an HDF5 file ({e.Message})");
        }
    }

    private static DatasetLayout Detect(NativeFile h5, string file)
    {
        var names = h5.Children().Select(c => c.Name).ToList();
        if (names.Contains("observations")) return DatasetLayout.D4rl;
        if (names.Any(n => n.StartsWith("episode_", StringComparison.Ordinal))) return DatasetLayout.Minari;
        throw new DatasetFileException(file, null, null,
            "neither layout: a D4RL file has 'observations' at its root, a Minari file has 'episode_{i}' groups; this one has " +
            (names.Count == 0 ? "nothing" : string.Join(", ", names.Take(12).Select(n => $"'{n}'")) + (names.Count > 12 ? ", ..." : "")));
    }

    // ---------------------------------------------------------------- D4RL

    private static OfflineDataset ReadD4rl(NativeFile h5, string file)
    {
        var obs = ReadArray(h5, file, "observations");
        var act = ReadArray(h5, file, "actions");
        var rew = ReadArray(h5, file, "rewards");
        var term = ReadArray(h5, file, "terminals");
        var time = h5.LinkExists("timeouts") ? ReadArray(h5, file, "timeouts")
            : throw new DatasetFileException(file, "timeouts", null, "missing: D4RL files since v1 flag time-limit ends in 'timeouts' (older v0 files without it need the env's time limit to split episodes, which this reader does not guess)");
        long n = obs.Rows;
        foreach (var a in new[] { act, rew, term, time })
            if (a.Rows != n) throw new DatasetFileException(file, a.Key, null, $"has {a.Rows} rows but 'observations' has {n}: every key holds one row per step");
        RequireWidth(file, rew, 1);
        RequireWidth(file, term, 1);
        RequireWidth(file, time, 1);
        NumericArray? next = null;
        if (h5.LinkExists("next_observations"))
        {
            next = ReadArray(h5, file, "next_observations");
            if (next.Rows != n || next.Width != obs.Width)
                throw new DatasetFileException(file, "next_observations", null, $"has shape {next.ShapeText} but 'observations' has {obs.ShapeText}");
        }
        foreach (var a in next is null ? new[] { obs, act, rew } : new[] { obs, act, rew, next }) a.RequireFinite(file);
        var infos = ReadInfoGroup(h5, file, "infos", n);

        // Which rows of the file become rows of the dataset, and which close their episode as a timeout.
        var keep = new List<int>((int)n);
        var closes = new List<bool>((int)n);
        if (next is null)
            for (int i = 0; i < n - 1; i++)
            {
                if (time.Flag(i)) { if (keep.Count > 0 && keep[^1] == i - 1) closes[^1] = !term.Flag(i - 1); continue; }
                keep.Add(i);
                closes.Add(false);
            }
        if (next is null && keep.Count > 0 && keep[^1] == n - 2 && !term.Flag((int)n - 2)) closes[^1] = true; // the dropped last row
        int rows = keep.Count;
        if (next is not null)
        {
            // Every row kept as stored: the arrays read are the dataset's (no second copy of a large file in memory).
            var all = new OfflineDataset(obs.Width, act.Width, obs.Values, act.Values, rew.Values,
                Flags(term), Flags(time), next.Values) { IntegerActions = act.Integer };
            foreach (var (key, info) in infos) all.Infos[key] = info.Values;
            ReadD4rlMetadata(h5, all);
            return all;
        }
        if (rows == 0) throw new DatasetFileException(file, "observations", null, $"no usable rows: {n} row(s), and without 'next_observations' the last row of the file and every timeout row are dropped");

        int ow = obs.Width, aw = act.Width;
        var o = new float[(long)rows * ow];
        var o2 = new float[(long)rows * ow];
        var a2 = new float[(long)rows * aw];
        var r = new float[rows];
        var t = new bool[rows];
        var to = new bool[rows];
        for (int j = 0; j < rows; j++)
        {
            int i = keep[j];
            Array.Copy(obs.Values, (long)i * ow, o, (long)j * ow, ow);
            Array.Copy(obs.Values, (long)(i + 1) * ow, o2, (long)j * ow, ow);
            Array.Copy(act.Values, (long)i * aw, a2, (long)j * aw, aw);
            r[j] = rew.Values[i];
            t[j] = term.Flag(i);
            to[j] = closes[j];
        }
        var d = new OfflineDataset(ow, aw, o, a2, r, t, to, o2) { IntegerActions = act.Integer };
        foreach (var (key, info) in infos)
        {
            var v = new float[(long)rows * info.Width];
            for (int j = 0; j < rows; j++) Array.Copy(info.Values, (long)keep[j] * info.Width, v, (long)j * info.Width, info.Width);
            d.Infos[key] = v;
        }
        ReadD4rlMetadata(h5, d);
        d.Metadata["next_observations"] = "derived (qlearning_dataset rule: timeout rows and the last row dropped)";
        return d;
    }

    private static bool[] Flags(NumericArray a)
    {
        var f = new bool[a.Rows];
        for (int i = 0; i < f.Length; i++) f[i] = a.Values[i] != 0f;
        return f;
    }

    private static void ReadD4rlMetadata(NativeFile h5, OfflineDataset d)
    {
        if (h5.LinkExists("metadata") && h5.Get("metadata") is IH5Group meta) ReadMetadataGroup(meta, "", d.Metadata);
        ReadAttributes(h5, d.Metadata);
    }

    private static H5File BuildD4rl(OfflineDataset data)
    {
        var h5 = new H5File
        {
            ["observations"] = Matrix(data.Observations, data.Count, data.ObservationSize),
            ["actions"] = ActionsDataset(data),
            ["rewards"] = Vector(data.Rewards),
            ["terminals"] = Vector(H5Bools(data.Terminals)),
            ["timeouts"] = Vector(H5Bools(data.Timeouts)),
            ["next_observations"] = Matrix(data.NextObservations, data.Count, data.ObservationSize),
        };
        if (data.Infos.Count > 0)
        {
            var infos = new H5Group();
            foreach (var (key, values) in data.Infos) infos[key] = Matrix(values, data.Count, values.Length / data.Count);
            h5["infos"] = infos;
        }
        if (data.Metadata.Count > 0)
        {
            var meta = new H5Group();
            foreach (var (key, value) in data.Metadata)
            {
                // A key with slashes (policy/name) is a path of groups, as d4rl's own files nest them.
                var parts = key.Split('/');
                var g = meta;
                foreach (var part in parts[..^1])
                {
                    if (!g.TryGetValue(part, out var sub) || sub is not H5Group sg) { sg = new H5Group(); g[part] = sg; }
                    g = sg;
                }
                g[parts[^1]] = value;
            }
            h5["metadata"] = meta;
        }
        return h5;
    }

    // ---------------------------------------------------------------- Minari

    private static OfflineDataset ReadMinari(NativeFile h5, string file)
    {
        var episodes = new List<(int Index, IH5Group Group)>();
        foreach (var child in h5.Children())
        {
            if (!child.Name.StartsWith("episode_", StringComparison.Ordinal)) continue;
            if (child is not IH5Group g || !int.TryParse(child.Name.AsSpan("episode_".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int idx))
                throw new DatasetFileException(file, child.Name, null, "is not an episode group named episode_{i}");
            episodes.Add((idx, g));
        }
        episodes.Sort((x, y) => x.Index.CompareTo(y.Index));

        if (episodes.Count == 0) throw new DatasetFileException(file, null, null, "a Minari file with no episode_{i} groups");

        // First every episode is read and checked, then the rows are laid out: infos that not every episode has cannot
        // be rows of the whole dataset, so only the keys all episodes share are kept.
        var read = new List<(NumericArray Obs, NumericArray Act, NumericArray Rew, NumericArray Term, NumericArray Trunc, Dictionary<string, NumericArray> Infos)>();
        foreach (var (idx, g) in episodes)
        {
            string ep = $"episode_{idx}";
            foreach (var required in new[] { "observations", "actions", "rewards", "terminations", "truncations" })
            {
                if (!g.LinkExists(required)) throw new DatasetFileException(file, $"{ep}/{required}", null, "missing (a Minari episode holds observations, actions, rewards, terminations and truncations)");
                if (g.Get(required) is not IH5Dataset)
                    throw new DatasetFileException(file, $"{ep}/{required}", null, "is a group (a Dict or Tuple space); only flat Box and Discrete spaces are supported");
            }
            var obs = ReadArray(g, file, "observations", ep);
            var act = ReadArray(g, file, "actions", ep);
            var rew = ReadArray(g, file, "rewards", ep);
            var term = ReadArray(g, file, "terminations", ep);
            var trunc = ReadArray(g, file, "truncations", ep);
            long steps = act.Rows;
            if (obs.Rows != steps + 1) throw new DatasetFileException(file, $"{ep}/observations", null, $"has {obs.Rows} rows for {steps} actions; a Minari episode stores T+1 observations for T steps");
            foreach (var a in new[] { rew, term, trunc })
                if (a.Rows != steps) throw new DatasetFileException(file, a.Key, null, $"has {a.Rows} rows for {steps} actions");
            RequireWidth(file, rew, 1);
            RequireWidth(file, term, 1);
            RequireWidth(file, trunc, 1);
            if (steps == 0) throw new DatasetFileException(file, ep, null, "has no steps");
            foreach (var a in new[] { obs, act, rew }) a.RequireFinite(file);
            for (int i = 0; i < steps - 1; i++)
                if (term.Flag(i) || trunc.Flag(i))
                    throw new DatasetFileException(file, term.Flag(i) ? term.Key : trunc.Key, i, $"ends the episode at step {i} of {steps}; a Minari episode ends only at its last step");
            if (read.Count > 0)
            {
                if (obs.Width != read[0].Obs.Width) throw new DatasetFileException(file, obs.Key, null, $"has {obs.Width} floats per observation but {read[0].Obs.Key} has {read[0].Obs.Width}");
                if (act.Width != read[0].Act.Width) throw new DatasetFileException(file, act.Key, null, $"has {act.Width} floats per action but {read[0].Act.Key} has {read[0].Act.Width}");
            }
            var infos = g.LinkExists("infos") && g.Get("infos") is IH5Group ? ReadInfoGroup(g, file, "infos", steps, ep, allowOneMore: true) : new();
            read.Add((obs, act, rew, term, trunc, infos));
        }
        var shared = read[0].Infos.Keys.Where(k => read.All(r => r.Infos.TryGetValue(k, out var v) && v.Width == read[0].Infos[k].Width)).ToList();
        int ow = read[0].Obs.Width, aw = read[0].Act.Width;
        // Rows laid out straight into the dataset's arrays (episode after episode), without per-value list growth.
        long total = read.Sum(r => r.Act.Rows);
        if (total > int.MaxValue) throw new DatasetFileException(file, null, null, $"{total} steps are more rows than one dataset holds");
        int rows = (int)total;
        var o = new float[(long)rows * ow];
        var o2 = new float[(long)rows * ow];
        var a2 = new float[(long)rows * aw];
        var rw = new float[rows];
        var tm = new bool[rows];
        var to = new bool[rows];
        var inf = shared.ToDictionary(k => k, k => new float[(long)rows * read[0].Infos[k].Width]);
        int row = 0;
        foreach (var (obs, act, rew, term, trunc, infos) in read)
        {
            int steps = (int)act.Rows;
            Array.Copy(obs.Values, 0, o, (long)row * ow, (long)steps * ow);
            Array.Copy(obs.Values, ow, o2, (long)row * ow, (long)steps * ow);
            Array.Copy(act.Values, 0, a2, (long)row * aw, (long)steps * aw);
            Array.Copy(rew.Values, 0, rw, row, steps);
            for (int i = 0; i < steps; i++)
            {
                tm[row + i] = term.Flag(i);
                to[row + i] = trunc.Flag(i) || (i == steps - 1 && !tm[row + i]);
            }
            foreach (var key in shared)
            {
                int w = infos[key].Width;
                Array.Copy(infos[key].Values, 0, inf[key], (long)row * w, (long)steps * w); // the first T rows of T or T+1
            }
            row += steps;
        }
        var built = new OfflineDataset(ow, aw, o, a2, rw, tm, to, o2) { IntegerActions = read[0].Act.Integer };
        foreach (var (k, v) in inf) built.Infos[k] = v;
        ReadAttributes(h5, built.Metadata);
        string json = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!, MinariMetadataName);
        if (System.IO.Path.GetFileName(file) == MinariFileName && File.Exists(json)) ReadMetadataJson(json, built.Metadata);
        if (built.Metadata.TryGetValue("env_spec", out var spec) && built.EnvId is null)
            try { if (JsonNode.Parse(spec)?["id"]?.GetValue<string>() is string id) built.EnvId = id; } catch (JsonException) { }
        return built;
    }

    /// <summary>One episode_{e} group per episode of <paramref name="data"/>, and the dataset metadata as root attributes.</summary>
    private static H5File BuildMinari(OfflineDataset data, JsonObject metadata)
    {
        var h5 = new H5File();
        var eps = data.Episodes();
        int ow = data.ObservationSize, aw = data.ActionSize;
        for (int e = 0; e < eps.Count; e++)
        {
            var (start, end) = eps[e];
            int steps = end - start;
            var obs = new float[(steps + 1) * ow];
            for (int i = start; i < end; i++)
            {
                if (i > start && !data.NextObservation(i - 1).SequenceEqual(data.Observation(i)))
                    throw new ArgumentException($"dataset row {i - 1}: its next observation differs from row {i}'s observation in the same episode; Minari stores one observation sequence per episode, so this data cannot be written in that layout");
                data.Observation(i).CopyTo(obs.AsSpan((i - start) * ow));
            }
            data.NextObservation(end - 1).CopyTo(obs.AsSpan(steps * ow));
            var g = new H5Group
            {
                ["observations"] = Matrix(obs, steps + 1, ow),
                ["actions"] = ActionsDataset(data, start, steps),
                ["rewards"] = Vector(data.Rewards.AsSpan(start, steps).ToArray().Select(x => (double)x).ToArray()),
                ["terminations"] = Vector(H5Bools(data.Terminals.AsSpan(start, steps).ToArray())),
                ["truncations"] = Vector(H5Bools(data.Timeouts.AsSpan(start, steps).ToArray().Select((x, k) => x && !data.Terminals[start + k]).ToArray())),
                Attributes = new() { ["id"] = (long)e, ["total_steps"] = (long)steps },
            };
            var infos = new H5Group();
            foreach (var (key, values) in data.Infos)
            {
                int w = values.Length / data.Count;
                infos[key] = Matrix(values.AsSpan(start * w, steps * w).ToArray(), steps, w);
            }
            g["infos"] = infos;
            h5[$"episode_{e}"] = g;
        }
        // Minari 0.4 kept the dataset metadata in the file's root attributes; later versions in metadata.json. Both are written.
        foreach (var (key, value) in metadata)
            h5.Attributes[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : value is JsonValue n && n.TryGetValue<long>(out var l) ? l
                : value?.ToJsonString() ?? "";
        return h5;
    }

    /// <summary>metadata.json's fields (Minari's names) from the dataset's metadata and counts.</summary>
    private static JsonObject MinariMetadata(OfflineDataset data)
    {
        var m = new JsonObject();
        foreach (var (key, value) in data.Metadata)
            if (key != "layout" && key != "next_observations") m[key] = value;
        m["total_episodes"] = data.Episodes().Count;
        m["total_steps"] = data.Count;
        m["data_format"] = "hdf5";
        if (data.EnvId is string id && !m.ContainsKey("env_spec")) m["env_spec"] = new JsonObject { ["id"] = id }.ToJsonString();
        if (!m.ContainsKey("dataset_id")) m["dataset_id"] = (data.EnvId ?? "astromech") + "-v0";
        return m;
    }

    // ---------------------------------------------------------------- shared: arrays, infos, metadata

    /// <summary>One HDF5 dataset read as floats: rows × width, whatever its stored numeric type.</summary>
    private sealed class NumericArray
    {
        public required string Key { get; init; }
        public required float[] Values { get; init; }
        public required long Rows { get; init; }
        public required int Width { get; init; }
        public required bool Integer { get; init; }
        public required ulong[] Shape { get; init; }
        public string ShapeText => "(" + string.Join(", ", Shape) + ")";
        public bool Flag(int row) => Values[row] != 0f;

        public void RequireFinite(string file)
        {
            for (long k = 0; k < Values.LongLength; k++)
                if (!float.IsFinite(Values[k]))
                    throw new DatasetFileException(file, Key, k / Width, $"holds {Values[k]}; every value must be finite");
        }
    }

    private static void RequireWidth(string file, NumericArray a, int width)
    {
        if (a.Width != width) throw new DatasetFileException(file, a.Key, null, $"has shape {a.ShapeText}; one value per step was expected");
    }

    private static NumericArray ReadArray(IH5Group group, string file, string name, string? prefix = null)
    {
        string key = prefix is null ? name : $"{prefix}/{name}";
        if (!group.LinkExists(name)) throw new DatasetFileException(file, key, null, "missing");
        if (group.Get(name) is not IH5Dataset ds) throw new DatasetFileException(file, key, null, "is a group, not an array");
        return ReadDataset(ds, file, key);
    }

    private static NumericArray ReadDataset(IH5Dataset ds, string file, string key)
    {
        var dims = ds.Space.Dimensions;
        if (dims.Length == 0) throw new DatasetFileException(file, key, null, "is a scalar; an array with one row per step was expected");
        long rows = (long)dims[0];
        long width = 1;
        for (int k = 1; k < dims.Length; k++) width *= (long)dims[k];
        if (width > int.MaxValue || rows * width > Array.MaxLength) throw new DatasetFileException(file, key, null, $"shape ({string.Join(", ", dims)}) is too large to load");
        var (values, integer) = ReadNumbers(ds, file, key);
        if (values.LongLength != rows * width) throw new DatasetFileException(file, key, null, $"read {values.LongLength} values for shape ({string.Join(", ", dims)})");
        return new NumericArray { Key = key, Values = values, Rows = rows, Width = (int)width, Integer = integer, Shape = dims };
    }

    private static (float[] Values, bool Integer) ReadNumbers(IH5Dataset ds, string file, string key)
    {
        var type = ds.Type;
        var cls = type.Class;
        if (cls == H5DataTypeClass.Enumerated) { type = type.Enumeration.BaseType; cls = type.Class; } // h5py's bool: an enum on int8
        try
        {
            switch (cls)
            {
                case H5DataTypeClass.FloatingPoint when type.Size == 4: return (ds.Read<float[]>(), false);
                case H5DataTypeClass.FloatingPoint when type.Size == 8: return (Convert(ds.Read<double[]>(), x => (float)x), false);
                case H5DataTypeClass.FloatingPoint when type.Size == 2: return (Convert(ds.Read<Half[]>(), x => (float)x), false);
                case H5DataTypeClass.FixedPoint or H5DataTypeClass.BitField:
                    bool signed = cls == H5DataTypeClass.FixedPoint && type.FixedPoint.IsSigned;
                    return (type.Size, signed) switch
                    {
                        (1, true) => (Convert(ds.Read<sbyte[]>(), x => (float)x), true),
                        (1, false) => (Convert(ds.Read<byte[]>(), x => (float)x), true),
                        (2, true) => (Convert(ds.Read<short[]>(), x => (float)x), true),
                        (2, false) => (Convert(ds.Read<ushort[]>(), x => (float)x), true),
                        (4, true) => (Convert(ds.Read<int[]>(), x => (float)x), true),
                        (4, false) => (Convert(ds.Read<uint[]>(), x => (float)x), true),
                        (8, true) => (Convert(ds.Read<long[]>(), x => (float)x), true),
                        (8, false) => (Convert(ds.Read<ulong[]>(), x => (float)x), true),
                        _ => throw new DatasetFileException(file, key, null, $"holds {type.Size}-byte integers, which no layout uses"),
                    };
            }
        }
        catch (Exception e) when (e is not DatasetFileException)
        {
            throw new DatasetFileException(file, key, null, $"could not be read ({e.Message})");
        }
        throw new DatasetFileException(file, key, null, $"holds {cls} values; numbers were expected");
    }

    private static float[] Convert<T>(T[] src, Func<T, float> f)
    {
        var dst = new float[src.LongLength];
        for (long i = 0; i < src.LongLength; i++) dst[i] = f(src[i]);
        return dst;
    }

    /// <summary>
    /// The numeric arrays of an infos group (nested groups give keys such as <c>goal/x</c>) that have one row per step
    /// (or one more, the reset's, when <paramref name="allowOneMore"/>: Minari). Non-numeric arrays are skipped.
    /// </summary>
    private static Dictionary<string, NumericArray> ReadInfoGroup(IH5Group parent, string file, string name, long rows, string? prefix = null, bool allowOneMore = false)
    {
        var result = new Dictionary<string, NumericArray>(StringComparer.Ordinal);
        if (!parent.LinkExists(name) || parent.Get(name) is not IH5Group g) return result;
        void Walk(IH5Group group, string path)
        {
            foreach (var child in group.Children())
            {
                string sub = path.Length == 0 ? child.Name : $"{path}/{child.Name}";
                if (child is IH5Group cg) { Walk(cg, sub); continue; }
                if (child is not IH5Dataset ds || ds.Type.Class is not (H5DataTypeClass.FloatingPoint or H5DataTypeClass.FixedPoint or H5DataTypeClass.Enumerated or H5DataTypeClass.BitField)) continue;
                string key = $"{(prefix is null ? "" : prefix + "/")}{name}/{sub}";
                var a = ReadDataset(ds, file, key);
                if (a.Rows != rows && !(allowOneMore && a.Rows == rows + 1))
                    throw new DatasetFileException(file, key, null, $"has {a.Rows} rows for {rows} steps");
                a.RequireFinite(file);
                result[sub] = a;
            }
        }
        Walk(g, "");
        return result;
    }

    private static void ReadMetadataGroup(IH5Group group, string path, Dictionary<string, string> into)
    {
        foreach (var child in group.Children())
        {
            string key = path.Length == 0 ? child.Name : $"{path}/{child.Name}";
            if (child is IH5Group g) { ReadMetadataGroup(g, key, into); continue; }
            if (child is IH5Dataset ds && ValueText(ds.Type, ds.Space, () => ds.Read<string>(), () => ds.Read<string[]>(), t => ReadAny(ds, t)) is string text)
                into[key] = text;
        }
        foreach (var attr in group.Attributes())
            if (ValueText(attr.Type, attr.Space, () => attr.Read<string>(), () => attr.Read<string[]>(), t => ReadAnyAttr(attr, t)) is string text)
                into[path.Length == 0 ? attr.Name : $"{path}/{attr.Name}"] = text;
    }

    private static void ReadAttributes(IH5Object obj, Dictionary<string, string> into)
    {
        foreach (var attr in obj.Attributes())
            if (ValueText(attr.Type, attr.Space, () => attr.Read<string>(), () => attr.Read<string[]>(), t => ReadAnyAttr(attr, t)) is string text)
                into.TryAdd(attr.Name, text);
    }

    private static void ReadMetadataJson(string json, Dictionary<string, string> into)
    {
        JsonObject? o;
        try { o = JsonNode.Parse(File.ReadAllText(json)) as JsonObject; }
        catch (JsonException e) { throw new DatasetFileException(json, null, null, $"not valid JSON ({e.Message})"); }
        if (o is null) throw new DatasetFileException(json, null, null, "must hold a JSON object");
        foreach (var (k, v) in o)
            into[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "null";
    }

    /// <summary>A metadata value as text: strings as they are, numbers in invariant culture, short arrays as JSON; null to skip.</summary>
    private static string? ValueText(IH5DataType type, IH5Dataspace space, Func<string> readString, Func<string[]> readStrings, Func<IH5DataType, double[]?> readNumbers)
    {
        try
        {
            ulong count = 1;
            foreach (var d in space.Dimensions) count *= d;
            if (space.Type == H5DataspaceType.Null || count > MaxMetadataArray) return null;
            bool scalar = space.Dimensions.Length == 0 || count == 1;
            // h5py and PureHDF write str as a variable-length string, whose class is VariableLength.
            if (type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength)
                return scalar && space.Dimensions.Length == 0 ? readString() : JsonSerializer.Serialize(readStrings());
            var numbers = readNumbers(type);
            if (numbers is null) return null;
            string Fmt(double x) => x.ToString("R", CultureInfo.InvariantCulture);
            return space.Dimensions.Length == 0 ? Fmt(numbers[0]) : "[" + string.Join(", ", numbers.Select(Fmt)) + "]";
        }
        catch (Exception)
        {
            return null; // an exotic metadata type (compound, reference, ...) is not worth failing the load for
        }
    }

    private static double[]? ReadAny(IH5Dataset ds, IH5DataType t) => NumberKind(t) switch
    {
        'f' => ds.Read<double[]>(),
        'g' => ds.Read<float[]>().Select(x => (double)x).ToArray(),
        'l' => ds.Read<long[]>().Select(x => (double)x).ToArray(),
        'i' => ds.Read<int[]>().Select(x => (double)x).ToArray(),
        'b' => ds.Read<byte[]>().Select(x => (double)x).ToArray(),
        _ => null,
    };

    private static double[]? ReadAnyAttr(IH5Attribute a, IH5DataType t) => NumberKind(t) switch
    {
        'f' => a.Read<double[]>(),
        'g' => a.Read<float[]>().Select(x => (double)x).ToArray(),
        'l' => a.Read<long[]>().Select(x => (double)x).ToArray(),
        'i' => a.Read<int[]>().Select(x => (double)x).ToArray(),
        'b' => a.Read<byte[]>().Select(x => (double)x).ToArray(),
        _ => null,
    };

    private static char NumberKind(IH5DataType t)
    {
        if (t.Class == H5DataTypeClass.Enumerated) t = t.Enumeration.BaseType;
        return (t.Class, t.Size) switch
        {
            (H5DataTypeClass.FloatingPoint, 8) => 'f',
            (H5DataTypeClass.FloatingPoint, 4) => 'g',
            (H5DataTypeClass.FixedPoint, 8) => 'l',
            (H5DataTypeClass.FixedPoint, 4) => 'i',
            (H5DataTypeClass.FixedPoint, 1) => 'b',
            _ => '?',
        };
    }

    // ---------------------------------------------------------------- writing helpers

    /// <summary>
    /// h5py stores numpy's bool as an HDF5 enum over int8 with members FALSE = 0 and TRUE = 1; PureHDF writes a C# enum
    /// as such an enum, so flags written this way read back in Python as bool arrays (a bool[] would arrive as uint8).
    /// The base is unsigned because PureHDF 2.2.0's enum writer casts every value to byte (an sbyte enum throws);
    /// h5py still maps it to bool (tested).
    /// </summary>
    private enum H5Bool : byte { FALSE = 0, TRUE = 1 }

    private static H5Bool[] H5Bools(bool[] flags) => flags.Select(f => f ? H5Bool.TRUE : H5Bool.FALSE).ToArray();

    private static H5DatasetCreation Gzip() => new(Filters: new List<H5Filter> { new(DeflateFilter.Id, new() { [DeflateFilter.COMPRESSION_LEVEL] = 1 }) });

    private static uint ChunkFor(long rows) => (uint)Math.Max(1, Math.Min(rows, ChunkRows));

    /// <summary>A rows × width array (width 1 still stored as two dimensions, as D4RL stores e.g. 1-d actions).</summary>
    private static H5Dataset Matrix(float[] values, int rows, int width) =>
        new(values, chunks: new[] { ChunkFor(rows), (uint)width }, fileDims: new[] { (ulong)rows, (ulong)width }, datasetCreation: Gzip());

    private static H5Dataset Vector<T>(T[] values) =>
        new(values, chunks: new[] { ChunkFor(values.Length) }, fileDims: new[] { (ulong)values.Length }, datasetCreation: Gzip());

    private static H5Dataset ActionsDataset(OfflineDataset data, int start = 0, int? rows = null)
    {
        int n = rows ?? data.Count, w = data.ActionSize;
        var span = data.Actions.AsSpan(start * w, n * w);
        if (!data.IntegerActions) return Matrix(span.ToArray(), n, w);
        var ints = new long[span.Length];
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] != MathF.Round(span[i])) throw new ArgumentException($"dataset row {start + i / w}: action {span[i]} is not an integer, but the dataset says its actions are integers");
            ints[i] = (long)span[i];
        }
        // A single discrete action per step is stored one-dimensional (N,), as Minari and gym-style discrete data do.
        return w == 1 ? Vector(ints) : new H5Dataset(ints, chunks: new[] { ChunkFor(n), (uint)w }, fileDims: new[] { (ulong)n, (ulong)w }, datasetCreation: Gzip());
    }
}
