using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// The grain storage contract for a provider whose clear leaves a cleared marker with an ETag of its own
/// (it declares ClearKeepsRecord), as a Raft peer's fence needs of storage whose writes may outlive
/// their writer (Raft.Grains/Peer/PERSISTENCE.md).
/// </summary>
public abstract class ClearKeepsMarkerContractTests : GrainStorageContractTests
{
    [Fact]
    public void The_provider_declares_that_a_clear_keeps_a_marker() => Assert.True(ProviderDeclaresClearKeepsRecord);

    [Fact]
    public async Task A_clear_leaves_a_marker_that_reads_as_missing_but_keeps_its_etag()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("doomed", 4));
        var writtenEtag = state.ETag;

        await Storage.ClearStateAsync(StateName, Grain, state);
        Assert.False(state.RecordExists);
        Assert.NotNull(state.ETag);
        Assert.NotEqual(writtenEtag, state.ETag);

        var read = await ReadAsync(StateName, Grain);
        Assert.False(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Null(read.State!.Name);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, Fresh()));
        Assert.Equal(state.ETag, conflict.StoredEtag);
        var stale = new GrainState<StorageTestState>(StorageTestState.Sample("zombie", 3), writtenEtag) { RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, stale));
        read.State = StorageTestState.Sample("reborn", 5);
        await Storage.WriteStateAsync(StateName, Grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal("reborn", (await ReadAsync(StateName, Grain)).State!.Name);
    }

    [Fact]
    public async Task Clear_with_null_etag_of_a_missing_record_leaves_a_marker()
    {
        var missing = Fresh();
        await Storage.ClearStateAsync(StateName, Grain, missing);

        Assert.NotNull(missing.ETag);
        Assert.False(missing.RecordExists);
        Assert.Equal(missing.ETag, (await ReadAsync(StateName, Grain)).ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, Fresh()));
    }

    /// <summary>
    /// The fence of a Raft peer's activation (Raft.Grains/Peer/PERSISTENCE.md): a crashed activation may still have a
    /// write on its way, conditioned on the ETag it held or on "must not exist". The new activation rewrites what it read
    /// under the ETag it read: the same state again, or a clear where it read no record. The late write then fails.
    /// </summary>
    [Fact]
    public async Task A_fence_refuses_a_late_write_and_a_late_creation()
    {
        var written = await WriteNewAsync("written", Grain, StorageTestState.Sample("written", 1));
        var lateWrite = new GrainState<StorageTestState>(StorageTestState.Sample("late", 2), written.ETag) { RecordExists = true };
        var cleared = await WriteNewAsync("cleared", Grain, StorageTestState.Sample("cleared", 3));
        await Storage.ClearStateAsync("cleared", Grain, cleared);

        foreach (var name in new[] { "written", "cleared", "never-written" })
        {
            var read = await ReadAsync(name, Grain);
            await (read.RecordExists ? Storage.WriteStateAsync(name, Grain, read) : Storage.ClearStateAsync(name, Grain, read));
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("written", Grain, lateWrite));
        foreach (var name in new[] { "cleared", "never-written" })
        {
            var lateCreation = new GrainState<StorageTestState>(StorageTestState.Sample("late", 4));
            await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(name, Grain, lateCreation));
            Assert.False((await ReadAsync(name, Grain)).RecordExists);
        }
        Assert.Equal("written", (await ReadAsync("written", Grain)).State!.Name);
    }
}
