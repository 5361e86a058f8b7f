using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Raft.Tests.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The shared grain storage contract (<see cref="GrainStorageContractTests"/>) on Orleans' Azure Blob provider against a
/// real Azurite, with DeleteStateOnClear = true (Orleans' default: a clear deletes the blob), each test in a container
/// of its own that is deleted afterwards. The mode we ship, which keeps a cleared marker, runs the contract in
/// <see cref="AzureBlobStorageKeepingMarkersContractTests"/>; the blob layout is in <see cref="AzureBlobLayoutTests"/>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorageContractTests(AzuriteFixture azurite) : ClearDeletesContractTests
{
    private readonly string _container = AzureTestStorage.UniqueContainer("contract");
    private AzureBlobStorageOptions? _options;

    protected override async Task<IGrainStorage> CreateStorageAsync() =>
        await AzureTestStorage.CreateAsync(azurite, _container, o =>
        {
            o.DeleteStateOnClear = true;
            _options = o;
        });

    // Orleans' provider has no trait of its own: what a clear leaves is its DeleteStateOnClear option.
    protected override bool ProviderDeclaresClearKeepsRecord => !_options!.DeleteStateOnClear;

    protected override bool ReportsStoredEtag => false;

    protected override bool NullEtagClearOfAnExistingRecordConflicts => false;

    // Orleans' provider hands the serializer's error on as it is: the read fails, without naming the blob.
    protected override Task AssertWrongTypeReadFailsAsync(Func<Task> read) => Assert.ThrowsAsync<UnsupportedWireTypeException>(read);

    /// <summary>
    /// With DeleteStateOnClear = true, Orleans' provider deletes with If-None-Match: * when it holds no ETag, and on 10.4.2
    /// with Azurite that deletes an existing blob: a clear without an ETag is not refused. One reason we ship
    /// DeleteStateOnClear = false, where the same clear is a conditional upload and is refused.
    /// </summary>
    [Fact]
    public async Task Clear_with_null_etag_of_an_existing_record_deletes_it()
    {
        await WriteNewAsync(StateName, Grain, StorageTestState.Sample("kept?", 1));

        await Storage.ClearStateAsync(StateName, Grain, Fresh());

        Assert.False((await ReadAsync(StateName, Grain)).RecordExists);
    }

    protected override async Task DisposeStorageAsync(IGrainStorage storage)
    {
        await base.DisposeStorageAsync(storage);
        await AzureTestStorage.DeleteContainerAsync(azurite, _container);
    }
}
