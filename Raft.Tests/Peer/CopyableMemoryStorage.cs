using System.Globalization;
using Raft.Runtime;
using Raft.Runtime.Storage;

namespace Raft.Tests.Peer;

/// <summary>
/// Records of one grain as encoded bytes with ETags (the memory provider's contract) behind <see cref="IPersistentStateFactory"/>,
/// for <see cref="Raft.Grains.RaftPeerStore"/> tests: copyable for replaying a write from the same starting point, with
/// a write budget after which every write or clear "crashes" (the one refused is kept as <see cref="Refused"/>, the write
/// that was on its way when the process died), and counting writes and clears per record. With
/// <see cref="Fenced"/> it declares what Azure Blob storage declares: writes may outlive their writer, and a clear leaves
/// a cleared marker with an ETag of its own.
/// </summary>
internal sealed class CopyableMemoryStorage : IPersistentStateFactory
{
    private readonly WireGrainStorageSerializer _serializer = new();
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
    public void WriteUnder<T>(string name, string? etag, T state)
    {
        var record = new RecordState<T>(this, name) { State = state };
        record.Present(etag);
        record.WriteStateAsync().GetAwaiter().GetResult();
    }

    /// <summary>Lands a write sent earlier, as a late write lands: applied if its ETag condition holds, else refused.</summary>
    public void Land(SentWrite write) => Apply(write);

    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration configuration) =>
        new RecordState<TState>(this, configuration.StateName);

    public bool WritesMayOutliveWriter(string storageName) => Fenced;

    public bool ClearKeepsRecord(string storageName) => Fenced;

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
            throw new InconsistentStateException($"ETag conflict on {write.Name}: stored {stored ?? "none"}, presented {write.ETag ?? "none"}", stored, write.ETag);
        }
        if (write.Bytes is null && !Fenced)
        {
            _records.Remove(write.Name);
            return null;
        }
        var etag = NextETag();
        _records[write.Name] = (write.Bytes, etag);
        return etag;
    }

    private string NextETag() => (++_etags).ToString(CultureInfo.InvariantCulture);

    private sealed class RecordState<T>(CopyableMemoryStorage owner, string name) : IPersistentState<T>
    {
        public T State { get; set; } = FreshState.Create<T>();

        public string? Etag { get; private set; }

        public bool RecordExists { get; private set; }

        public void Present(string? etag) => Etag = etag;

        public Task ReadStateAsync()
        {
            owner.ReadOrder.Add(name);
            owner._records.TryGetValue(name, out var record);
            RecordExists = record.Bytes is not null;
            State = record.Bytes is { } bytes ? GrainStateCodec.Decode<T>(owner._serializer, bytes, name) : FreshState.Create<T>();
            Etag = record.ETag;
            return Task.CompletedTask;
        }

        public Task WriteStateAsync()
        {
            Etag = owner.Send(new SentWrite(name, Etag, GrainStateCodec.Encode(owner._serializer, State, name)));
            RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync()
        {
            Etag = owner.Send(new SentWrite(name, Etag, null));
            State = FreshState.Create<T>();
            RecordExists = false;
            return Task.CompletedTask;
        }
    }
}

/// <summary>A write as sent to <see cref="CopyableMemoryStorage"/>: the record, the ETag condition it carries, and its bytes (null for a clear).</summary>
internal sealed record SentWrite(string Name, string? ETag, byte[]? Bytes);
