using Raft.Runtime;
using Raft.Runtime.Storage;
using Xunit;

namespace Raft.Tests.Storage;

public sealed class MemoryGrainStorageContractTests : ClearDeletesContractTests
{
    protected override Task<IGrainStorage> CreateStorageAsync() =>
        Task.FromResult<IGrainStorage>(new MemoryGrainStorage(new JsonGrainStorageSerializer()));

    private MemoryGrainStorage Memory => (MemoryGrainStorage)Storage;

    [Fact]
    public void Every_operation_completes_synchronously_even_a_conflict()
    {
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("sync", 1));

        var write = Storage.WriteStateAsync(StateName, Grain, state);
        Assert.True(write.IsCompletedSuccessfully);

        var conflict = Storage.WriteStateAsync(StateName, Grain, Fresh());
        Assert.True(conflict.IsFaulted);
        Assert.IsType<InconsistentStateException>(conflict.Exception!.InnerException);

        var read = Fresh();
        Assert.True(Storage.ReadStateAsync(StateName, Grain, read).IsCompletedSuccessfully);
        Assert.Equal("sync", read.State.Name);

        Assert.True(Storage.ClearStateAsync(StateName, Grain, state).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Records_and_record_sizes_report_the_encoded_bytes()
    {
        Assert.Empty(Memory.Records);
        Assert.Equal(0, Memory.GetRecordSize(StateName, Grain));

        var small = await WriteNewAsync("small", Grain, StorageTestState.Sample("s", 1));
        var large = await WriteNewAsync("large", Grain, new StorageTestState { Blob = new byte[10_000] });

        var serializer = new JsonGrainStorageSerializer();
        var expectedSmall = StoredRecord.HeaderSize + serializer.Serialize(small.State).Length;
        Assert.Equal(expectedSmall, Memory.GetRecordSize("small", Grain));
        Assert.True(Memory.GetRecordSize("large", Grain) > 10_000);
        Assert.Equal(
            new[] { ("large", Grain, Memory.GetRecordSize("large", Grain)), ("small", Grain, expectedSmall) },
            Memory.Records.OrderBy(r => r.StateName, StringComparer.Ordinal).ToArray());

        await Storage.ClearStateAsync("large", Grain, large);
        Assert.Equal(0, Memory.GetRecordSize("large", Grain));
        Assert.Single(Memory.Records);
    }

    [Fact]
    public async Task Missing_record_of_a_positional_record_type_reads_as_default_values()
    {
        var state = new GrainState<HardStateRecord>(new HardStateRecord(7, "x"), "etag", recordExists: true);
        await Storage.ReadStateAsync("hard", Grain, state);
        Assert.Equal(new HardStateRecord(0, null), state.State);

        state.State = new HardStateRecord(3, "b");
        await Storage.WriteStateAsync("hard", Grain, state);
        var read = new GrainState<HardStateRecord>(null!);
        await Storage.ReadStateAsync("hard", Grain, read);
        Assert.Equal(new HardStateRecord(3, "b"), read.State);
    }

    [Fact]
    public async Task A_record_that_does_not_deserialize_as_the_requested_type_is_a_storage_error_naming_the_record()
    {
        await Storage.WriteStateAsync("typed", Grain, new GrainState<string>("just a string"));

        var ex = await Assert.ThrowsAsync<GrainStorageException>(() => ReadAsync("typed", Grain));

        Assert.Contains("typed of peer/a", ex.Message);
        Assert.Contains(nameof(StorageTestState), ex.Message);
    }

    public sealed record HardStateRecord(long Term, string? VotedFor);
}
