using Raft.Runtime.Storage;

namespace Raft.Tests.Storage;

/// <summary>Memory storage in the mode where a clear leaves a cleared marker, as Azure Blob storage by default.</summary>
public sealed class MemoryGrainStorageKeepingMarkersContractTests : ClearKeepsMarkerContractTests
{
    protected override Task<IGrainStorage> CreateStorageAsync() =>
        Task.FromResult<IGrainStorage>(new MemoryGrainStorage(new JsonGrainStorageSerializer(), clearKeepsRecord: true));
}
