using Raft.Grains;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Peer.RaftPeerStoreTests;

namespace Raft.Tests.Peer;

/// <summary>
/// One flush can both grow the manifest (appends reach a new segment) and shrink it (a compaction trims the first
/// segments): the manifest record is then written twice in one plan. On SQLite the plan's writes are issued together,
/// so the second manifest write must not go out before the first one's new ETag is known (found by the 1,000-client
/// benchmark: the leader's second write was refused as a conflict with its own first one, and the leader stopped).
/// </summary>
public sealed class ManifestGrowAndShrinkTests
{
    [Fact]
    public async Task OnSqliteStorage_AFlushThatGrowsAndShrinksTheManifestIsWrittenAndLoadsBack()
    {
        await using var sqlite = await TemporarySqliteStorage.CreateAsync("raft-manifest-grow-shrink");
        var factory = PeerStorage(sqlite.Storage, PeerStorageTraits.InProcessOrdered);
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        var (store, _) = await LoadStoreAsync(factory, entriesPerSegment: 4);
        Append(node, 1, 10, 10); // segments 0..2 (4 entries each), all committed
        await Flush(node, store);

        // One delta: the snapshot trims segments 0 and 1, and entries 11..14 reach segment 3.
        Assert.Equal(CompactionResult.Compacted, node.CompactTo(8, [8]));
        Append(node, 1, 4, 14);
        var plan = store.Plan(node.TakeUnpersisted(), node.Log);
        Assert.NotNull(plan.ManifestBefore);
        Assert.NotNull(plan.ManifestAfter);
        await store.ExecuteAsync(plan);

        var (_, loaded) = await LoadStoreAsync(factory, entriesPerSegment: 4);
        Assert.Equal(8, loaded.Snapshot!.Index);
        Assert.Equal(Enumerable.Range(9, 6).Select(i => (long)i), loaded.Entries.Select(entry => entry.Index));
    }
}
