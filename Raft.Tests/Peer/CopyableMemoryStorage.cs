using System.Globalization;
using System.Runtime.CompilerServices;
using Orleans.Storage;
using Raft.Grains;
using Raft.TestingHost;

namespace Raft.Tests.Peer;

/// <summary>
/// Records of one grain as encoded bytes with ETags (the memory provider's contract), an Orleans
/// <see cref="IGrainStorage"/> for <see cref="RaftPeerStore"/> tests: copyable for replaying a write from the same
/// starting point, with a write budget after which every write or clear "crashes" (the one refused is kept as
/// <see cref="Refused"/>, the write that was on its way when the process died), and counting writes and clears per
/// record. With <see cref="Fenced"/> it declares what Azure Blob storage declares (<see cref="Traits"/>): writes may
/// outlive their writer, and a clear leaves a cleared marker with an ETag of its own.
/// </summary>
internal sealed class CopyableMemoryStorage : IGrainStorage
{
    private readonly IGrainStorageSerializer _serializer = RaftStorageSerializer.Create();
    // A null Bytes is a cleared marker (only with Fenced).
    private Dictionary<string, (byte[]? Bytes, string ETag)> _records = new(StringComparer.Ordinal);
    private Dictionary<string, int> _writes = new(StringComparer.Ordinal);
    private long _etags;

    public CopyableMemoryStorage(bool fenced = false)
    {
        Fenced = fenced;
    }

    /// <summary>Declares late writes possible and keeps cleared records.</summary>
    public bool Fenced { get; }

    /// <summary>What this storage declares to the peer store: writes are awaited one by one either way.</summary>
    public PeerStorageTraits Traits => new(PreservesIssueOrder: false, WritesMayOutliveWriter: Fenced, ClearKeepsRecord: Fenced);

    public int? WriteBudget { get; set; }

    /// <summary>The write or clear the spent budget refused: the one in flight at the crash, which may still land late.</summary>
    public SentWrite? Refused { get; private set; }

    /// <summary>The records that exist (cleared markers left out).</summary>
    public IEnumerable<string> Names => _records.Where(record => record.Value.Bytes is not null).Select(record => record.Key);

    public CopyableMemoryStorage Copy() => new(Fenced)
    {
        _records = new(_records, StringComparer.Ordinal),
        _writes = new(_writes, StringComparer.Ordinal),
        _etags = _etags,
    };

    /// <summary>Writes and clears of each record so far.</summary>
    public IReadOnlyDictionary<string, int> Writes => _writes;

    /// <summary>The records written or cleared, in order, since this copy was made.</summary>
    public List<string> WriteOrder { get; } = [];

    /// <summary>The records read, in order, since this copy was made.</summary>
    public List<string> ReadOrder { get; } = [];

    /// <summary>The record's ETag (a cleared marker's included), or null when there is none.</summary>
    public string? ETagOf(string name) => _records.TryGetValue(name, out var record) ? record.ETag : null;

    /// <summary>Writes <paramref name="name"/> as a late write would: under an ETag the writer held, or "must not exist".</summary>
    public void WriteUnder<T>(string name, string? etag, T state) => Apply(new SentWrite(name, etag, Encode(state)));

    /// <summary>Lands a write sent earlier, as a late write lands: applied if its ETag condition holds, else refused.</summary>
    public void Land(SentWrite write) => Apply(write);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ReadOrder.Add(stateName);
        _records.TryGetValue(stateName, out var record);
        grainState.RecordExists = record.Bytes is not null;
        grainState.State = record.Bytes is { } bytes ? _serializer.Deserialize<T>(new BinaryData(bytes)) : Fresh<T>();
        grainState.ETag = record.ETag;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Send(new SentWrite(stateName, grainState.ETag, Encode(grainState.State)));
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Send(new SentWrite(stateName, grainState.ETag, null));
        grainState.State = Fresh<T>();
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>Sends a write or clear: within the budget it is applied and counted; past it the process "crashes" with it in flight.</summary>
    private string? Send(SentWrite write)
    {
        if (WriteBudget is { } budget)
        {
            if (budget <= 0)
            {
                Refused = write;
                throw new SimulatedCrashException();
            }
            WriteBudget = budget - 1;
        }
        _writes[write.Name] = _writes.GetValueOrDefault(write.Name) + 1;
        WriteOrder.Add(write.Name);
        return Apply(write);
    }

    /// <summary>Applies a write (or a clear, with null bytes) under its ETag condition; returns the record's new ETag.</summary>
    private string? Apply(SentWrite write)
    {
        var stored = ETagOf(write.Name);
        if (stored != write.ETag)
        {
            throw new InconsistentStateException($"ETag conflict on {write.Name}: stored {stored ?? "none"}, presented {write.ETag ?? "none"}", stored!, write.ETag!);
        }
        if (write.Bytes is null && !Fenced)
        {
            _records.Remove(write.Name);
            return null;
        }
        var etag = (++_etags).ToString(CultureInfo.InvariantCulture);
        _records[write.Name] = (write.Bytes, etag);
        return etag;
    }

    private byte[] Encode<T>(T state) => _serializer.Serialize(state).ToArray();

    /// <summary>What a missing record reads as: a new instance, or an all-default one for positional records.</summary>
    private static T Fresh<T>() =>
        typeof(T).GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance<T>() : (T)RuntimeHelpers.GetUninitializedObject(typeof(T));
}

/// <summary>A write as sent to <see cref="CopyableMemoryStorage"/>: the record, the ETag condition it carries, and its bytes (null for a clear).</summary>
internal sealed record SentWrite(string Name, string? ETag, byte[]? Bytes);
