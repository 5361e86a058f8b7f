using Raft.Grains;
using Raft.Runtime;
using Raft.Runtime.Storage;

namespace Raft.Simulation;

/// <summary>
/// One life's view of its peer's <see cref="SimulatedDisk"/>, with memory storage's contract: operations complete at
/// once and in issue order, a clear deletes the record, and an ETag mismatch throws
/// <see cref="InconsistentStateException"/>. A life that ended can no longer touch the disk.
/// </summary>
internal sealed class SimulatedPeerStorage(SimulatedDisk disk, PeerScheduler life) : IPeerStorage
{
    private readonly SimulatedDisk disk = disk;
    private readonly PeerScheduler life = life;

    public string Name => "simulated";

    public bool PreservesIssueOrder => true;

    public bool WritesMayOutliveWriter => false;

    public bool ClearKeepsRecord => false;

    public IPersistentState<T> Open<T>(string recordName) => new Record<T>(this, recordName);

    public long Measure<T>(T record) => MessageSize.Of(record);

    private void EnsureAlive(string name)
    {
        if (life.Stopped)
        {
            throw new GrainStorageException($"{life}: record '{name}' cannot be reached: this life of the peer crashed.");
        }
    }

    private Exception? PlannedFailure(string name) =>
        disk.TakeFailure() ? new GrainStorageException($"{life}: writing record '{name}' failed (a planned disk failure).") : null;

    private sealed class Record<T>(SimulatedPeerStorage storage, string name) : IPersistentState<T>
    {
        public T State { get; set; } = default!;

        public string? Etag { get; private set; }

        public bool RecordExists { get; private set; }

        public Task ReadStateAsync()
        {
            storage.EnsureAlive(name);
            var stored = storage.disk.Read(name);
            State = stored is null ? default! : (T)stored.State;
            Etag = stored?.ETag;
            RecordExists = stored is not null;
            return Task.CompletedTask;
        }

        public Task WriteStateAsync()
        {
            storage.EnsureAlive(name);
            if (storage.PlannedFailure(name) is { } failure)
            {
                return Task.FromException(failure);
            }
            var eTag = storage.disk.TryWrite(name, State!, Etag);
            if (eTag is null)
            {
                return Task.FromException(Conflict());
            }
            Etag = eTag;
            RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync()
        {
            storage.EnsureAlive(name);
            if (storage.PlannedFailure(name) is { } failure)
            {
                return Task.FromException(failure);
            }
            if (!storage.disk.TryClear(name, Etag))
            {
                return Task.FromException(Conflict());
            }
            Etag = null;
            RecordExists = false;
            return Task.CompletedTask;
        }

        private InconsistentStateException Conflict() =>
            new($"{storage.life}: record '{name}' changed since it was read.", Etag, storage.disk.Read(name)?.ETag);
    }
}
