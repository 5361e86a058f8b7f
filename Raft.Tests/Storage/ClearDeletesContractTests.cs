using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace Raft.Tests.Storage;

/// <summary>
/// The grain storage contract for a provider whose clear removes the record (it declares ClearKeepsRecord
/// false): afterwards it reads as never written, with a null ETag, and a "must not exist" write creates it again.
/// </summary>
public abstract class ClearDeletesContractTests : GrainStorageContractTests
{
    [Fact]
    public void The_provider_declares_that_a_clear_removes_the_record() => Assert.False(ProviderDeclaresClearKeepsRecord);

    [Fact]
    public async Task Clear_then_read_gives_a_missing_record()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("doomed", 1));

        await Storage.ClearStateAsync(StateName, Grain, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        var read = await ReadAsync(StateName, Grain);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Null(read.State!.Name);
    }

    [Fact]
    public async Task After_clear_the_record_can_be_created_again_and_old_etags_stay_stale()
    {
        var state = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("first life", 1));
        var etagBeforeClear = state.ETag;
        await Storage.ClearStateAsync(StateName, Grain, state);

        var reborn = await WriteNewAsync(StateName, Grain, StorageTestState.Sample("second life", 2));

        var stale = new GrainState<StorageTestState>(StorageTestState.Sample("zombie", 3), etagBeforeClear) { RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, Grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, Grain, stale));
        var read = await ReadAsync(StateName, Grain);
        Assert.Equal("second life", read.State!.Name);
        Assert.Equal(reborn.ETag, read.ETag);
    }

    [Fact]
    public async Task Clear_with_null_etag_of_a_missing_record_is_a_no_op()
    {
        var missing = Fresh();
        await Storage.ClearStateAsync(StateName, GrainId.Create("peer", "nobody"), missing);

        Assert.Null(missing.ETag);
        Assert.False(missing.RecordExists);
        Assert.Null((await ReadAsync(StateName, GrainId.Create("peer", "nobody"))).ETag);
    }
}
