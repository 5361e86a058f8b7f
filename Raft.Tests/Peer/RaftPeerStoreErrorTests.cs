using Raft.Grains;
using Raft.Grains.Protocol;
using Orleans.Storage;
using Raft.TestingHost;
using Xunit;
using static Raft.Tests.Peer.RaftPeerStoreTests;

namespace Raft.Tests.Peer;

/// <summary><see cref="RaftPeerStore"/> used out of order, and a storage failure while it writes the log.</summary>
public sealed class RaftPeerStoreErrorTests
{
    [Fact]
    public async Task PlanAndExecute_AreRefusedUntilRepairAndFenceHasRun()
    {
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        Append(node, 1, 2, 0);
        var delta = node.TakeUnpersisted();
        var store = NewStore(PeerStorage(new SharedMemoryGrainStorage(RaftStorageSerializer.Create()), PeerStorageTraits.InProcessOrdered), entriesPerSegment: 4);

        Assert.Throws<InvalidOperationException>(() => store.Plan(delta, node.Log));
        await store.LoadAsync();
        Assert.Throws<InvalidOperationException>(() => store.Plan(delta, node.Log));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ExecuteAsync(new RaftPeerStore.WritePlan()));
        await store.RepairAndFenceAsync();
        await store.ExecuteAsync(store.Plan(delta, node.Log));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.RepairAndFenceAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.LoadAsync());
    }

    [Fact]
    public async Task AFailedReadWhileWritingTheLog_NamesPeerAndRecord_AndSaysItWasWriting()
    {
        // With cleared records kept, a segment outside the stored set is read for its marker's ETag before it is written.
        var storage = new ReadFailingStorage("raft-log-0");
        var store = NewStore(PeerStorage(storage, ReadFailingStorage.Traits), entriesPerSegment: 4);
        await store.LoadAsync();
        await store.RepairAndFenceAsync();
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        Append(node, 1, 2, 0);

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => Flush(node, store));

        Assert.StartsWith("Raft peer 'kv/0' cannot write its log: record 'raft-log-0' could not be read.", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Memory storage that keeps cleared records and fails every read of one record.</summary>
    private sealed class ReadFailingStorage(string failing) : IGrainStorage
    {
        private readonly SharedMemoryGrainStorage _inner = new(RaftStorageSerializer.Create(), clearKeepsRecord: true);

        public static PeerStorageTraits Traits { get; } = new(PreservesIssueOrder: false, WritesMayOutliveWriter: false, ClearKeepsRecord: true);

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            stateName == failing
                ? Task.FromException(new IOException($"read of {stateName} failed"))
                : _inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
