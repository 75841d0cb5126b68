using System.Text.Json.Nodes;
using Astromech.Envs;
using Astromech.Training.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Astromech.Training.Checkpoints;

/// <summary>
/// An agent's checkpoint state, declared once: the config and the keys of it that fix the networks' layout, the
/// spaces' shape, counters, modules, optimizers, RNGs and opaque blobs (replay), each under the agent's prefix
/// (<c>dqn/online</c>). <see cref="Save"/> and <see cref="Load"/> are derived from the declaration, so they cannot
/// drift apart. Load checks first (format version, shape, layout keys) and restores after, naming the first mismatch.
/// The section names and encodings are those the agents wrote before the declaration existed, so their checkpoints
/// still load; a checkpoint of a newer state format is refused naming both versions.
/// </summary>
public sealed class AgentState
{
    /// <summary>The state format this build writes and reads. Checkpoints without a format section are format 1.</summary>
    public const int Format = 1;

    private readonly string _prefix;
    private readonly List<Entry> _entries = new();
    private readonly List<Action<Checkpoint>> _checks = new();
    private object? _lock;
    private Type? _configType;

    private sealed record Entry(string Section, Action<Checkpoint> Save, Action<Checkpoint> Load)
    {
        public object? Lock { get; init; }
    }

    private void Add(string section, Action<Checkpoint> save, Action<Checkpoint> load) => _entries.Add(new(section, save, load) { Lock = _lock });

    public AgentState(string prefix) => _prefix = prefix;

    private string Name(string section) => $"{_prefix}/{section}";

    /// <summary>The entries declared from here on are saved and loaded holding <paramref name="lockObject"/> (the learner's
    /// parameter lock of a threaded agent), consecutive ones under one acquisition; <see cref="Unlocked"/> ends the run.</summary>
    public AgentState LockedBy(object lockObject) { _lock = lockObject; return this; }

    public AgentState Unlocked() { _lock = null; return this; }

    /// <summary>The config (section <c>config</c>); loading refuses a checkpoint whose <paramref name="layoutKeys"/> differ, naming the key.</summary>
    public AgentState Config(object config, params string[] layoutKeys)
    {
        _configType = config.GetType();
        Add(Name("config"), c => c.SetJson(Name("config"), ConfigBinder.ToJson(config)), _ => { });
        _checks.Add(c =>
        {
            var saved = ConfigBinder.Bind(config.GetType(), c.GetJsonNode(Name("config")).AsObject());
            foreach (var key in layoutKeys) // any name of the key: flat, dotted (replay.capacity) or an alias
                Checkpoint.EnsureMatches(key, ConfigBinder.ValueOf(saved, key)?.ToJsonString() ?? "null", ConfigBinder.ValueOf(config, key)?.ToJsonString() ?? "null");
        });
        return this;
    }

    /// <summary>An extra load-time check of the saved config, bound to the type of the config declared with <see cref="Config"/>
    /// (so <typeparamref name="T"/> may be a base type of it).</summary>
    public AgentState CheckConfig<T>(Action<T> check) where T : class
    {
        _checks.Add(c => check((T)ConfigBinder.Bind(_configType ?? typeof(T), c.GetJsonNode(Name("config")).AsObject())));
        return this;
    }

    /// <summary>The shape (section <c>shape</c>): each value must match on load; <c>label</c> names it in the error.</summary>
    public AgentState Shape(params (string Key, string Label, JsonNode Value)[] values)
    {
        Add(Name("shape"), c =>
        {
            var o = new JsonObject();
            foreach (var (key, _, value) in values) o[key] = value.DeepClone();
            c.SetJson(Name("shape"), o);
        }, _ => { });
        _checks.Add(c =>
        {
            var shape = c.GetJsonNode(Name("shape"));
            foreach (var (key, label, value) in values)
                Checkpoint.EnsureMatches(label, shape[key]?.ToString() ?? "(missing)", value.ToString());
        });
        return this;
    }

    /// <summary>Counters (section <c>counters</c>), written and read by the agent.</summary>
    public AgentState Counters(Action<JsonObject> save, Action<JsonNode> load)
    {
        Add(Name("counters"), c => { var o = new JsonObject(); save(o); c.SetJson(Name("counters"), o); }, c => load(c.GetJsonNode(Name("counters"))));
        return this;
    }

    public AgentState Module(string section, nn.Module module)
    {
        Add(Name(section), c => c.SetModule(Name(section), module), c => c.LoadModule(Name(section), module));
        return this;
    }

    /// <summary>An optimizer; a null one (not used by this config) is neither saved nor loaded.</summary>
    public AgentState Optimizer(string section, OptimizerHelper? optimizer)
    {
        if (optimizer is not null) Add(Name(section), c => c.SetOptimizer(Name(section), optimizer), c => c.LoadOptimizer(Name(section), optimizer));
        return this;
    }

    public AgentState Rng(string section, Rng rng)
    {
        Add(Name(section), c => c.SetRng(Name(section), rng), c => c.RestoreRng(Name(section), rng));
        return this;
    }

    /// <summary>A torch generator's state (its raw bytes), so sampling continues where it was.</summary>
    public AgentState Generator(string section, torch.Generator generator) => Bytes(section,
        () => { using var s = generator.get_state(); return s.data<byte>().ToArray(); },
        state => { using var t = torch.tensor(state, dtype: torch.ScalarType.Byte); generator.set_state(t); });

    /// <summary>Raw bytes (an exploration-noise state).</summary>
    public AgentState Bytes(string section, Func<byte[]> save, Action<byte[]> load)
    {
        Add(Name(section), c => c.SetBytes(Name(section), save()), c => load(c.GetBytes(Name(section))));
        return this;
    }

    /// <summary>
    /// A blob serialized now (not when the file is written), so the checkpoint is a snapshot of this moment: a replay.
    /// Optional on load (a checkpoint saved without it keeps the agent's own); a bad blob is refused naming the section.
    /// </summary>
    public AgentState Blob(string section, Action<Stream> save, Action<Stream> load)
    {
        Add(Name(section), c =>
        {
            using var ms = new MemoryStream();
            save(ms);
            c.SetBytes(Name(section), ms.ToArray());
        }, c =>
        {
            if (!c.Contains(Name(section))) return;
            using var ms = new MemoryStream(c.GetBytes(Name(section)));
            load(ms); // a blob that does not decode is named by Load, with the file
        });
        return this;
    }

    /// <summary>State with its own section layout (a replay shard writing several sections).</summary>
    public AgentState Custom(Action<Checkpoint> save, Action<Checkpoint> load)
    {
        Add(Name("custom state"), save, load);
        return this;
    }

    public void Save(Checkpoint c)
    {
        Run(e => e.Save(c));
        c.SetJson(Name("state"), new JsonObject { ["format"] = Format });
    }

    /// <summary>Runs the entries in declaration order, each run of consecutive entries with the same lock under one acquisition.</summary>
    private void Run(Action<Entry> act)
    {
        for (int i = 0; i < _entries.Count;)
        {
            int j = i;
            while (j < _entries.Count && ReferenceEquals(_entries[j].Lock, _entries[i].Lock)) j++;
            if (_entries[i].Lock is { } gate)
                lock (gate) for (int k = i; k < j; k++) act(_entries[k]);
            else
                for (int k = i; k < j; k++) act(_entries[k]);
            i = j;
        }
    }

    public void Load(Checkpoint c)
    {
        if (c.Contains(Name("state")))
        {
            int format = (int?)c.GetJsonNode(Name("state"))["format"] ?? 0;
            if (format != Format)
                throw new CheckpointException($"checkpoint section '{Name("state")}' has state format {format}; this build reads format {Format}"
                    + (format > Format ? " (the checkpoint was written by a newer Astromech)" : ""));
        }
        string file = c.SourcePath is null ? "" : $" of checkpoint '{c.SourcePath}'";
        foreach (var check in _checks)
        {
            try { check(c); }
            catch (Exception ex) when (ex is not CheckpointException)
            {
                throw new CheckpointException($"section '{Name("config")}' or '{Name("shape")}'{file} does not decode: {ex.Message}", ex);
            }
        }
        Run(e =>
        {
            // Content whose CRC is right but which does not decode (a crafted or mis-written section) is a checkpoint
            // error naming the file and the section, whatever the decoder threw (EndOfStream, NullReference, a
            // length that asks for more memory than there is).
            try { e.Load(c); }
            catch (Exception ex) when (ex is not CheckpointException)
            {
                throw new CheckpointException($"section '{e.Section}'{file} does not decode: {ex.GetType().Name}: {ex.Message}", ex);
            }
        });
    }
}
