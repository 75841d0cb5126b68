using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Astromech.Envs;
using TorchSharp;
using TorchSharp.Modules;

namespace Astromech.Training.Checkpoints;

/// <summary>
/// Everything a run needs to resume, as ordered named sections of bytes, with helpers for the usual content:
/// JSON (config, counters), <see cref="Rng"/> state, TorchSharp module parameters and optimizer state.
/// Written and read by <see cref="CheckpointFile"/>.
/// </summary>
public sealed class Checkpoint
{
    private readonly List<Section> _sections = new();

    internal sealed class Section
    {
        public required string Name;
        public byte[]? Data;
        public Action<Stream>? Writer;
    }

    /// <summary>The file this checkpoint was read from, if any (used in error messages).</summary>
    public string? SourcePath { get; internal set; }

    /// <summary>Section names in order.</summary>
    public IReadOnlyList<string> SectionNames => _sections.Select(s => s.Name).ToArray();

    internal IReadOnlyList<Section> Sections => _sections;

    public bool Contains(string name) => Find(name) is not null;

    /// <summary>Adds a section, or replaces the one of the same name in place.</summary>
    public Checkpoint SetBytes(string name, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Put(name, data, null);
        return this;
    }

    /// <summary>
    /// Adds a section whose content is produced when the checkpoint is written (into memory, then the file).
    /// If <paramref name="write"/> throws, the write is abandoned and the target file keeps its old content.
    /// </summary>
    public Checkpoint SetStream(string name, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Put(name, null, write);
        return this;
    }

    public byte[] GetBytes(string name)
    {
        var s = Find(name) ?? throw MissingSection(name);
        if (s.Data is null)
        {
            using var ms = new MemoryStream();
            s.Writer!(ms);
            return ms.ToArray();
        }
        return s.Data;
    }

    public bool TryGetBytes(string name, out byte[] data)
    {
        if (Contains(name)) { data = GetBytes(name); return true; }
        data = Array.Empty<byte>();
        return false;
    }

    public Checkpoint SetText(string name, string text) => SetBytes(name, Encoding.UTF8.GetBytes(text));

    public string GetText(string name) => Decode(name, () => new UTF8Encoding(false, true).GetString(GetBytes(name)));

    /// <summary>Stores a JSON node (e.g. <c>ConfigBinder.ToJson(config)</c> or a counters object).</summary>
    public Checkpoint SetJson(string name, JsonNode node) => SetText(name, node.ToJsonString());

    /// <summary>Stores <paramref name="value"/> serialized with System.Text.Json.</summary>
    public Checkpoint SetJson<T>(string name, T value, JsonSerializerOptions? options = null) =>
        SetBytes(name, JsonSerializer.SerializeToUtf8Bytes(value, options));

    public JsonNode GetJsonNode(string name) =>
        Decode(name, () => JsonNode.Parse(GetBytes(name)) ?? throw new JsonException("the section holds JSON null"));

    public T GetJson<T>(string name, JsonSerializerOptions? options = null) =>
        Decode(name, () => JsonSerializer.Deserialize<T>(GetBytes(name), options) ?? throw new JsonException("the section holds JSON null"));

    /// <summary>Stores the state of <paramref name="rng"/> (4 × 64-bit words).</summary>
    public Checkpoint SetRng(string name, Rng rng)
    {
        var state = rng.GetState();
        var bytes = new byte[state.Length * 8];
        for (int i = 0; i < state.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), state[i]);
        return SetBytes(name, bytes);
    }

    /// <summary>Restores the state stored by <see cref="SetRng"/> into <paramref name="rng"/>.</summary>
    public void RestoreRng(string name, Rng rng)
    {
        var bytes = GetBytes(name);
        if (bytes.Length != 32) throw Corrupt(name, $"an Rng state is 32 bytes, this one has {bytes.Length}");
        var state = new ulong[4];
        for (int i = 0; i < 4; i++) state[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        Decode<object?>(name, () => { rng.SetState(state); return null; });
    }

    /// <summary>Snapshots the parameters and buffers of <paramref name="module"/> now (TorchSharp's own format).</summary>
    public Checkpoint SetModule(string name, torch.nn.Module module)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) module.save(w);
        return SetBytes(name, ms.ToArray());
    }

    /// <summary>Loads parameters saved by <see cref="SetModule"/> into <paramref name="module"/> (names and shapes must match).</summary>
    public void LoadModule(string name, torch.nn.Module module, bool strict = true)
    {
        var bytes = GetBytes(name);
        Decode<object?>(name, () =>
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
            module.load(r, strict);
            return null;
        }, "does not fit this network (was the network architecture changed?)");
    }

    /// <summary>Snapshots the state of <paramref name="optimizer"/> now (step counts, moment estimates, learning rates).</summary>
    public Checkpoint SetOptimizer(string name, OptimizerHelper optimizer)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(w);
        return SetBytes(name, ms.ToArray());
    }

    /// <summary>Loads optimizer state saved by <see cref="SetOptimizer"/>; the optimizer must be built over the same parameters.</summary>
    public void LoadOptimizer(string name, OptimizerHelper optimizer)
    {
        var bytes = GetBytes(name);
        Decode<object?>(name, () =>
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
            optimizer.load_state_dict(r);
            return null;
        }, "does not fit this optimizer (was the optimizer type or the network changed?)");
    }

    /// <summary>
    /// Throws unless the checkpoint's value for <paramref name="key"/> equals this run's, e.g.
    /// "checkpoint was made for env CartPole-v1, but this run uses Acrobot-v1".
    /// </summary>
    /// <param name="key">What is compared ("env", "algo", "observation size").</param>
    /// <param name="expected">The value recorded in the checkpoint.</param>
    /// <param name="actual">The value of the run loading it.</param>
    public static void EnsureMatches(string key, string expected, string actual)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
            throw new CheckpointException($"checkpoint was made for {key} {expected}, but this run uses {actual}");
    }

    /// <inheritdoc cref="EnsureMatches(string, string, string)"/>
    public static void EnsureMatches<T>(string key, T expected, T actual) where T : IEquatable<T>
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new CheckpointException($"checkpoint was made for {key} {expected}, but this run uses {actual}");
    }

    private string From => SourcePath is null ? "" : $" '{SourcePath}'";

    private Section? Find(string name)
    {
        foreach (var s in _sections) if (s.Name == name) return s;
        return null;
    }

    private void Put(string name, byte[]? data, Action<Stream>? writer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > CheckpointFile.MaxNameBytes)
            throw new ArgumentException($"section name is longer than {CheckpointFile.MaxNameBytes} UTF-8 bytes", nameof(name));
        var existing = Find(name);
        if (existing is null) _sections.Add(new Section { Name = name, Data = data, Writer = writer });
        else { existing.Data = data; existing.Writer = writer; }
    }

    private CheckpointException MissingSection(string name) =>
        new($"checkpoint{From} has no section '{name}' (it has: {(_sections.Count == 0 ? "none" : string.Join(", ", _sections.Select(s => s.Name)))})");

    private CheckpointException Corrupt(string name, string detail) => new($"section '{name}' of checkpoint{From} {detail}");

    private T Decode<T>(string name, Func<T> decode, string what = "could not be decoded")
    {
        try { return decode(); }
        catch (CheckpointException) { throw; }
        catch (Exception e) { throw new CheckpointException($"section '{name}' of checkpoint{From} {what}: {e.Message}", e); }
    }
}
