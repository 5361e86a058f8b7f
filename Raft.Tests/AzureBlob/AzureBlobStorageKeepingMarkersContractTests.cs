using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Raft.Tests.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The shared grain storage contract on Orleans' Azure Blob provider as we ship it (DeleteStateOnClear = false): a
/// clear uploads an empty blob, which reads as a missing record with an ETag of its own, the cleared marker a Raft
/// peer's fence needs. Each test in a container of its own.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorageKeepingMarkersContractTests(AzuriteFixture azurite) : ClearKeepsMarkerContractTests
{
    private readonly string _container = AzureTestStorage.UniqueContainer("markers");
    private AzureBlobStorageOptions? _options;

    protected override async Task<IGrainStorage> CreateStorageAsync() =>
        await AzureTestStorage.CreateAsync(azurite, _container, o => _options = o);

    protected override bool ProviderDeclaresClearKeepsRecord => !_options!.DeleteStateOnClear;

    protected override bool ReportsStoredEtag => false;

    // Orleans' provider hands the serializer's error on as it is: the read fails, without naming the blob.
    protected override Task AssertWrongTypeReadFailsAsync(Func<Task> read) => Assert.ThrowsAsync<UnsupportedWireTypeException>(read);

    protected override async Task DisposeStorageAsync(IGrainStorage storage)
    {
        await base.DisposeStorageAsync(storage);
        await AzureTestStorage.DeleteContainerAsync(azurite, _container);
    }
}
