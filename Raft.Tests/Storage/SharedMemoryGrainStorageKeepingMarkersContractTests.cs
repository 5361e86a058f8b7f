using Orleans.Storage;
using Raft.TestingHost;

namespace Raft.Tests.Storage;

/// <summary>Shared memory storage in the mode where a clear leaves a cleared marker, as Azure Blob storage with DeleteStateOnClear = false.</summary>
public sealed class SharedMemoryGrainStorageKeepingMarkersContractTests : ClearKeepsMarkerContractTests
{
    protected override Task<IGrainStorage> CreateStorageAsync() =>
        Task.FromResult<IGrainStorage>(new SharedMemoryGrainStorage(StorageTestSerializer.Create(), clearKeepsRecord: true));

    protected override bool ProviderDeclaresClearKeepsRecord => ((SharedMemoryGrainStorage)Storage).ClearKeepsRecord;
}
