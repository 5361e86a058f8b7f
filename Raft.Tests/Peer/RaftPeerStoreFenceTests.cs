using Raft.Grains;
using Raft.Grains.Protocol;
using Orleans.Storage;
using Raft.TestingHost;
using Xunit;
using static Raft.Tests.Peer.RaftPeerStoreTests;

namespace Raft.Tests.Peer;

/// <summary>
/// <see cref="RaftPeerStore"/> on storage whose writes may land after their writer died and which keeps cleared records
/// (as Azure Blob storage): the fence at activation, and segments created again where a cleared marker stays.
/// </summary>
public sealed class RaftPeerStoreFenceTests
{
    private const int EntriesPerSegment = 4;

    [Fact]
    public async Task TheFenceWritesEveryRecordItReadOnce_SoAWriteUnderAnETagFromBeforeItIsRefused()
    {
        var (storage, _, _) = await TenEntriesInThreeSegmentsAsync();
        string[] read = ["raft-manifest", "raft-hardstate", "raft-snapshot", "raft-log-0", "raft-log-1", "raft-log-2"];
        var before = read.ToDictionary(name => name, name => (ETag: storage.ETagOf(name), Writes: storage.Writes.GetValueOrDefault(name)));
        storage.WriteOrder.Clear();

        var (fenced, state) = await LoadStoreAsync(storage, EntriesPerSegment);

        // Segments first and the manifest last: until every segment is fenced, the manifest still covers them all.
        Assert.Equal(["raft-log-2", "raft-log-1", "raft-log-0", "raft-snapshot", "raft-hardstate", "raft-manifest"], storage.WriteOrder);
        Assert.Equal(read.Length, fenced.RecordWrites);
        foreach (var name in read)
        {
            Assert.Equal(before[name].Writes + 1, storage.Writes[name]);
            Assert.NotEqual(before[name].ETag, storage.ETagOf(name));
        }
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), state.Entries.Select(e => e.Index));
        Assert.Throws<InconsistentStateException>(() => storage.WriteUnder("raft-log-2", before["raft-log-2"].ETag, new RaftLogSegmentRecord(9, 1, [])));
        Assert.Throws<InconsistentStateException>(() => storage.WriteUnder("raft-manifest", before["raft-manifest"].ETag, new RaftLogManifestRecord(0, 1)));
        // No snapshot was ever written: the fences left a cleared marker of it, which a late creation meets.
        Assert.Throws<InconsistentStateException>(() => storage.WriteUnder("raft-snapshot", null, new RaftSnapshotRecord(4, 1, [])));
        Assert.Equal(state.Entries.Select(e => (e.Index, e.Term)), (await LoadStoreAsync(storage, EntriesPerSegment)).State.Entries.Select(e => (e.Index, e.Term)));
    }

    [Fact]
    public async Task WithALeftoverSegment_RepairAndFenceStillWriteEachRecordOnce()
    {
        var (storage, _, _) = await TenEntriesInThreeSegmentsAsync();
        // An interrupted overwrite left raft-log-2 written for another log: it does not link, so it is a leftover.
        storage.WriteUnder("raft-log-2", storage.ETagOf("raft-log-2"), new RaftLogSegmentRecord(9, 7, [new(9, 7, [9])]));
        var writesBefore = storage.Writes.ToDictionary();

        var (repaired, state) = await LoadStoreAsync(storage, EntriesPerSegment);

        Assert.Equal(6, repaired.RecordWrites);
        Assert.All(storage.Writes, written => Assert.Equal(writesBefore.GetValueOrDefault(written.Key) + 1, written.Value));
        Assert.Equal(8, state.Entries.Count);
        Assert.DoesNotContain("raft-log-2", storage.Names);
        Assert.Equal(8, (await LoadStoreAsync(storage, EntriesPerSegment)).State.Entries.Count);
    }

    [Fact]
    public async Task ASegmentClearedEarlier_IsCreatedAgain_InTheSameActivationAndBeyondTheManifestRangeInALaterOne()
    {
        var (storage, node, store) = await TenEntriesInThreeSegmentsAsync();

        Overwrite(node, 2, 4, 0, 0); // log 1..4: raft-log-1 and raft-log-2 cleared, the manifest shrinks to segment 0
        await Flush(node, store);
        Append(node, 2, 2, 0); // raft-log-1 again, over its cleared marker
        await Flush(node, store);
        Overwrite(node, 3, 4, 0, 0); // cleared again; the manifest no longer covers raft-log-1 or raft-log-2
        await Flush(node, store);
        Assert.Equal(["raft-hardstate", "raft-log-0", "raft-manifest"], storage.Names.Order());
        Assert.NotNull(storage.ETagOf("raft-log-2"));

        // A later activation reads only segment 0: it holds no ETag of the markers beyond, and must read them to write.
        var later = await LoadAsync(storage, EntriesPerSegment);
        Append(node, 3, 8, 0);
        await Flush(node, later);

        var (_, state) = await LoadStoreAsync(storage, EntriesPerSegment);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), state.Entries.Select(e => e.Index));
        Assert.Equal(3, state.Entries[^1].Term);
    }

    [Fact]
    public async Task ASegmentThisActivationCleared_AtActivationOrInAFlush_IsWrittenAgainWithoutReadingItsMarker()
    {
        var (storage, _, _) = await TenEntriesInThreeSegmentsAsync();
        // A leftover raft-log-2 (written for another log), which the repair of the next activation clears.
        storage.WriteUnder("raft-log-2", storage.ETagOf("raft-log-2"), new RaftLogSegmentRecord(9, 7, [new(9, 7, [9])]));
        var (store, state) = await LoadStoreAsync(storage, EntriesPerSegment);
        Assert.Equal(8, state.Entries.Count);
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        Append(node, 1, 8, 0); // the same log as loaded
        await Flush(node, store);
        storage.ReadOrder.Clear();

        Append(node, 1, 2, 0); // raft-log-2 again, over the marker the repair left
        await Flush(node, store);
        Overwrite(node, 2, 4, 0, 0); // raft-log-1 and raft-log-2 cleared
        await Flush(node, store);
        Append(node, 2, 6, 0); // both written again
        await Flush(node, store);

        Assert.Empty(storage.ReadOrder);
        var reloaded = (await LoadStoreAsync(storage, EntriesPerSegment)).State;
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), reloaded.Entries.Select(e => e.Index));
        Assert.Equal(2, reloaded.Entries[^1].Term);
    }

    [Fact]
    public void StorageThatMayApplyLateWritesButDeletesOnClear_IsRefused_NamingPeerAndStorage()
    {
        // Traits as Azure Blob storage with DeleteStateOnClear = true would declare them.
        var lateWritesDeleting = new PeerStorageTraits(PreservesIssueOrder: false, WritesMayOutliveWriter: true, ClearKeepsRecord: false);
        var e = Assert.Throws<InvalidOperationException>(() =>
            NewStore(PeerStorage(new SharedMemoryGrainStorage(RaftStorageSerializer.Create()), lateWritesDeleting, "Blobs"), EntriesPerSegment));

        Assert.Contains("Raft peer 'kv/0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("storage 'Blobs'", e.Message, StringComparison.Ordinal);
        Assert.Contains("DeleteStateOnClear = false", e.Message, StringComparison.Ordinal);
    }

    private static async Task<(CopyableMemoryStorage Storage, RaftNode Node, RaftPeerStore Store)> TenEntriesInThreeSegmentsAsync()
    {
        var storage = new CopyableMemoryStorage(fenced: true);
        var node = new RaftNode("kv/0", ["kv/0", "kv/1"]);
        var store = await LoadAsync(storage, EntriesPerSegment);
        Append(node, 1, 10, 0);
        await Flush(node, store);
        return (storage, node, store);
    }
}
