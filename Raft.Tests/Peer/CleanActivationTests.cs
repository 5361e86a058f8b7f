using Raft.Grains;
using Raft.Grains.Protocol;
using Orleans.Storage;
using Raft.TestingHost;
using Xunit;
using static Raft.Tests.Peer.RaftPeerStoreTests;

namespace Raft.Tests.Peer;

/// <summary>
/// On providers whose writes end with their process (memory, SQLite) there is no fence: an activation on records that
/// need no repair must not write anything, or every restart of every peer would pay for writes it does not need.
/// Both declare <see cref="PeerStorageTraits.InProcessOrdered"/>, as LabTestCluster and the SQLite silo registration do.
/// </summary>
public sealed class CleanActivationTests
{
    [Fact]
    public async Task OnMemoryStorage_ACleanActivationWritesNothing()
    {
        var storage = new SharedMemoryGrainStorage(RaftStorageSerializer.Create());

        Assert.Equal(0, await WriteALogThenActivateAgainAsync(storage));
    }

    [Fact]
    public async Task OnSqliteStorage_ACleanActivationWritesNothing()
    {
        await using var sqlite = await TemporarySqliteStorage.CreateAsync("raft-clean-activation");

        Assert.Equal(0, await WriteALogThenActivateAgainAsync(sqlite.Storage));
    }

    /// <summary>Writes ten entries in three segments and a compaction through entry 5, then returns what a new activation writes.</summary>
    private static async Task<long> WriteALogThenActivateAgainAsync(IGrainStorage storage)
    {
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        var first = await ActivateAsync(storage);
        Assert.Equal(0, first.Store.RecordWrites);
        Append(node, 1, 10, 0);
        Append(node, 1, 0, 10);
        await Flush(node, first.Store);
        Assert.Equal(CompactionResult.Compacted, node.CompactTo(5, [5]));
        await Flush(node, first.Store);

        var (store, state) = await ActivateAsync(storage);
        Assert.Equal((5L, 10L), (state.Snapshot!.Index, state.Entries[^1].Index));
        return store.RecordWrites;
    }

    private static Task<(RaftPeerStore Store, DurableState State)> ActivateAsync(IGrainStorage storage) =>
        LoadStoreAsync(PeerStorage(storage, PeerStorageTraits.InProcessOrdered), entriesPerSegment: 4);
}
