using Orleans.Serialization;
using Orleans.Storage;

namespace Raft.Grains;

/// <summary>
/// A peer's records in an Orleans grain storage provider, each record a state name of the peer's grain. Orleans' ETag
/// conflicts become <see cref="RecordConflictException"/>, a provider's corrupt record <see cref="CorruptRecordException"/>,
/// every other provider failure <see cref="PeerStorageException"/> naming the record, so the driver needs no provider's types.
/// </summary>
public sealed class GrainPeerStorage(
    IGrainStorage storage, GrainId grainId, string storageName, PeerStorageTraits traits, Serializer serializer) : IPeerStorage
{
    private readonly IGrainStorage _storage = storage;
    private readonly GrainId _grainId = grainId;

    public string Name => storageName;

    public IPeerRecord<T> Open<T>(string recordName) => new Record<T>(this, recordName);

    public bool PreservesIssueOrder => traits.PreservesIssueOrder;

    public bool WritesMayOutliveWriter => traits.WritesMayOutliveWriter;

    public bool ClearKeepsRecord => traits.ClearKeepsRecord;

    /// <summary>The record's size in Orleans' binary encoding, what our SQLite provider and the blob layout store.</summary>
    public long Measure<T>(T record) => serializer.SerializeToArray(record).Length;

    /// <summary>
    /// Our providers (Raft.Persistence.*, which Raft.Grains does not reference) report a record that fails its checksum
    /// or cannot be decoded as a CorruptRecordException of their own: matched by name, so that the peer says the record
    /// is corrupt rather than that storage failed.
    /// </summary>
    private static bool IsCorruption(Exception exception) => exception.GetType().Name == nameof(CorruptRecordException);

    private sealed class Record<T>(GrainPeerStorage owner, string name) : IPeerRecord<T>
    {
        private readonly GrainState<T> _state = new();

        public T State
        {
            get => _state.State!;
            set => _state.State = value;
        }

        public string? Etag => _state.ETag;

        public bool RecordExists => _state.RecordExists;

        public Task ReadStateAsync() => Run(() => owner._storage.ReadStateAsync(name, owner._grainId, _state), "read");

        public Task WriteStateAsync() => Run(() => owner._storage.WriteStateAsync(name, owner._grainId, _state), "write");

        public Task ClearStateAsync() => Run(() => owner._storage.ClearStateAsync(name, owner._grainId, _state), "clear");

        private async Task Run(Func<Task> operation, string kind)
        {
            try
            {
                await operation();
            }
            catch (InconsistentStateException conflict)
            {
                throw new RecordConflictException(
                    $"The {kind} of record '{name}' of {owner._grainId} in storage '{owner.Name}' met another ETag: {conflict.Message}", conflict);
            }
            catch (Exception exception) when (IsCorruption(exception))
            {
                throw new CorruptRecordException(
                    $"The {kind} of record '{name}' of {owner._grainId} in storage '{owner.Name}' found it corrupt: {exception.Message}", exception);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                throw new PeerStorageException(
                    $"The {kind} of record '{name}' of {owner._grainId} in storage '{owner.Name}' failed: {exception.Message}", exception);
            }
        }
    }
}
