using Raft.Runtime;
using Raft.Runtime.Storage;

namespace Raft.Tests.Peer;

/// <summary>
/// Persistent states straight on one <see cref="IGrainStorage"/>, outside a silo (no activation binding), declaring what
/// the provider declares: for <see cref="Raft.Grains.RaftPeerStore"/> tests on the real providers.
/// </summary>
internal sealed class GrainStorageStateFactory(IGrainStorage storage) : IPersistentStateFactory
{
    public IPersistentState<TState> Create<TState>(IGrainContext context, IPersistentStateConfiguration configuration) =>
        new StorageBackedState<TState>(storage, context.GrainId, configuration.StateName);

    public bool PreservesIssueOrder(string storageName) => storage.PreservesIssueOrder;

    public bool WritesMayOutliveWriter(string storageName) => storage.WritesMayOutliveWriter;

    public bool ClearKeepsRecord(string storageName) => storage.ClearKeepsRecord;

    private sealed class StorageBackedState<T>(IGrainStorage storage, GrainId grainId, string name) : IPersistentState<T>
    {
        private readonly GrainState<T> _state = new(FreshState.Create<T>());

        public T State
        {
            get => _state.State;
            set => _state.State = value;
        }

        public string? Etag => _state.ETag;

        public bool RecordExists => _state.RecordExists;

        public Task ReadStateAsync() => storage.ReadStateAsync(name, grainId, _state);

        public Task WriteStateAsync() => storage.WriteStateAsync(name, grainId, _state);

        public Task ClearStateAsync() => storage.ClearStateAsync(name, grainId, _state);
    }
}
