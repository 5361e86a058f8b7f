using Raft.Runtime.Storage;
using Raft.Tests.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The shared grain storage contract against a real Azurite in the provider's default mode (DeleteStateOnClear = false),
/// where a clear leaves a cleared marker blob: the mode a Raft peer's fence needs. Each test in a container of its own.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorageKeepingMarkersContractTests(AzuriteFixture azurite) : ClearKeepsMarkerContractTests
{
    private readonly string _container = AzureTestStorage.UniqueContainer("markers");

    protected override async Task<IGrainStorage> CreateStorageAsync()
    {
        var storage = AzureTestStorage.Create(AzureTestStorage.Options(azurite, _container));
        await storage.InitializeAsync();
        return storage;
    }

    protected override async Task DisposeStorageAsync(IGrainStorage storage)
    {
        await base.DisposeStorageAsync(storage);
        await AzureTestStorage.DeleteContainerAsync(azurite, _container);
    }
}
