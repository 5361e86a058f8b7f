using Orleans;
using Orleans.Storage;
using Raft.Persistence.Sqlite;
using Raft.TestingHost;
using Xunit;

namespace Raft.Tests.Storage;

public sealed class SharedMemoryGrainStorageContractTests : ClearDeletesContractTests
{
    protected override Task<IGrainStorage> CreateStorageAsync() =>
        Task.FromResult<IGrainStorage>(new SharedMemoryGrainStorage(StorageTestSerializer.Create()));

    protected override bool ProviderDeclaresClearKeepsRecord => Memory.ClearKeepsRecord;

    private SharedMemoryGrainStorage Memory => (SharedMemoryGrainStorage)Storage;

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
        Assert.Equal("sync", read.State!.Name);

        Assert.True(Storage.ClearStateAsync(StateName, Grain, state).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Records_and_record_sizes_report_the_encoded_bytes()
    {
        Assert.Empty(Memory.Records);
        Assert.Equal(0, Memory.GetRecordSize(StateName, Grain));

        var small = await WriteNewAsync("small", Grain, StorageTestState.Sample("s", 1));
        var large = await WriteNewAsync("large", Grain, new StorageTestState { Blob = new byte[10_000] });

        var serializer = StorageTestSerializer.Create();
        var expectedSmall = StoredRecord.HeaderSize + serializer.Serialize(small.State).ToMemory().Length;
        Assert.Equal(expectedSmall, Memory.GetRecordSize("small", Grain));
        Assert.True(Memory.GetRecordSize("large", Grain) > 10_000);
        Assert.Equal(
            new[] { ("large", Grain, Memory.GetRecordSize("large", Grain)), ("small", Grain, expectedSmall) },
            Memory.Records.OrderBy(r => r.StateName, StringComparer.Ordinal).ToArray());

        await Storage.ClearStateAsync("large", Grain, large);
        Assert.Equal(0, Memory.GetRecordSize("large", Grain));
        Assert.Single(Memory.Records);
    }
}
