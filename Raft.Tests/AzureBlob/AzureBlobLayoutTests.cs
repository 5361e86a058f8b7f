using Orleans.Storage;
using Raft.Tests.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>Where and how Orleans' Azure Blob provider (10.4.2) stores a record, read back straight through the Azure SDK.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobLayoutTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _container = AzureTestStorage.UniqueContainer("layout");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => AzureTestStorage.DeleteContainerAsync(azurite, _container);

    /// <summary>
    /// Blob "{stateName}-{grainId}.json" (the GrainId's "type/key" makes it a nested name), Content-Type
    /// application/octet-stream, holding exactly Orleans' binary encoding of the state (no envelope, no checksum), with
    /// the ETag the write reported. A clear in the mode we ship leaves an empty blob under the same name.
    /// </summary>
    [Fact]
    public async Task A_record_is_the_blob_stateName_dash_grainId_dot_json_holding_the_binary_encoding()
    {
        var storage = await AzureTestStorage.CreateAsync(azurite, _container);
        var grain = GrainId.Create("raftpeer", "kv/0");
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("layout", 3));
        await storage.WriteStateAsync("raft-hardstate", grain, state);

        var names = (await AzureTestStorage.ListBlobsAsync(azurite, _container)).Select(b => b.Name).ToArray();
        Assert.Equal(["raft-hardstate-raftpeer/kv/0.json"], names);

        var blob = AzureTestStorage.Container(azurite, _container).GetBlobClient("raft-hardstate-raftpeer/kv/0.json");
        var content = (await blob.DownloadContentAsync()).Value;
        Assert.Equal("application/octet-stream", content.Details.ContentType);
        Assert.Equal(state.ETag, content.Details.ETag.ToString());
        Assert.Equal(AzureTestStorage.Serializer.SerializeToArray(state.State), content.Content.ToArray());
        state.State!.AssertEqual(AzureTestStorage.Serializer.Deserialize<StorageTestState>(content.Content.ToArray()));

        await storage.ClearStateAsync("raft-hardstate", grain, state);
        var marker = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(0, marker.ContentLength);
        Assert.Equal(state.ETag, marker.ETag.ToString());
    }
}
