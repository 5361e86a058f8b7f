using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Storage;
using Raft.Tests.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The shared grain storage contract (<see cref="GrainStorageContractTests"/>) against a real Azurite with
/// DeleteStateOnClear = true, each test in a container of its own that is deleted afterwards, plus what only the Azure
/// provider has: the blob layout, container creation and URL escaping of grain keys. The default mode, which keeps a
/// cleared marker, runs the contract in <see cref="AzureBlobStorageKeepingMarkersContractTests"/>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorageContractTests : ClearDeletesContractTests
{
    private readonly AzuriteFixture _azurite;
    private readonly string _container = AzureTestStorage.UniqueContainer("contract");
    private readonly List<(AzureBlobGrainStorage Storage, string Container)> _extra = [];

    public AzureBlobStorageContractTests(AzuriteFixture azurite) => _azurite = azurite;

    private AzureBlobGrainStorage Azure => (AzureBlobGrainStorage)Storage;

    protected override async Task<IGrainStorage> CreateStorageAsync()
    {
        var options = AzureTestStorage.Options(_azurite, _container);
        options.DeleteStateOnClear = true;
        var storage = AzureTestStorage.Create(options);
        await storage.InitializeAsync();
        return storage;
    }

    protected override async Task DisposeStorageAsync(IGrainStorage storage)
    {
        await base.DisposeStorageAsync(storage);
        var containers = new HashSet<string> { _container };
        foreach (var (extra, container) in _extra)
        {
            extra.Dispose();
            containers.Add(container);
        }
        foreach (var container in containers)
        {
            await AzureTestStorage.DeleteContainerAsync(_azurite, container);
        }
    }

    /// <summary>Another provider instance on this test's container (or on <paramref name="container"/>), disposed after the test.</summary>
    private AzureBlobGrainStorage Another(Action<AzureBlobStorageOptions>? configure = null, string? container = null)
    {
        var options = AzureTestStorage.Options(_azurite, container ?? _container);
        configure?.Invoke(options);
        var storage = AzureTestStorage.Create(options);
        _extra.Add((storage, options.ContainerName));
        return storage;
    }

    private static GrainId NewGrain() => new("raftpeer", "peer-" + Guid.NewGuid().ToString("N"));

    private static GrainState<AzureTestState> Empty() => new(new AzureTestState());

    [Fact]
    public async Task InitializeAsync_IsIdempotent()
    {
        await Azure.InitializeAsync();
        await Azure.InitializeAsync();
    }

    [Fact]
    public async Task AnotherInstance_ReadsTheSameBlob_WhichHoldsTheRecordEnvelope()
    {
        var grain = NewGrain();
        var written = new GrainState<AzureTestState>(new AzureTestState { Name = "term", Counter = 7, Items = ["a", "b"] });
        await Storage.WriteStateAsync(StateName, grain, written);

        var read = Empty();
        await Another().ReadStateAsync(StateName, grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("term", read.State.Name);
        Assert.Equal(7, read.State.Counter);
        Assert.Equal(["a", "b"], read.State.Items);

        using var raw = await AzureTestStorage.SendRawAsync(_azurite, HttpMethod.Get, Azure.GetBlobPath(AzureBlobGrainStorage.GetBlobName(StateName, grain)));
        Assert.Equal(200, (int)raw.StatusCode);
        Assert.Equal(written.ETag, raw.Headers.ETag?.ToString());
        var rawBytes = await raw.Content.ReadAsByteArrayAsync();
        Assert.Equal("RORC"u8.ToArray(), rawBytes[..4]);
    }

    [Fact]
    public async Task Conflict_MessageNamesTheBlobAndTheContainer()
    {
        var grain = NewGrain();
        var first = await WriteNewAsync(StateName, grain, StorageTestState.Sample("first", 1));
        var staleETag = first.ETag;
        await Storage.WriteStateAsync(StateName, grain, first);

        var stale = new GrainState<StorageTestState>(StorageTestState.Sample("stale", 2), staleETag, recordExists: true);
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, stale));

        Assert.Contains($"blob '{AzureBlobGrainStorage.GetBlobName(StateName, grain)}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"container '{_container}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("412", e.Message, StringComparison.Ordinal);
        Assert.Equal(first.ETag, e.StoredEtag);
    }

    [Fact]
    public async Task Write_CreatesAMissingContainer()
    {
        var storage = Another(container: AzureTestStorage.UniqueContainer("lazy"));
        var grain = NewGrain();

        var missing = Empty();
        await storage.ReadStateAsync(StateName, grain, missing);
        Assert.False(missing.RecordExists);

        var state = new GrainState<AzureTestState>(new AzureTestState { Counter = 1 });
        await storage.WriteStateAsync(StateName, grain, state);
        var read = Empty();
        await storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(1, read.State.Counter);
    }

    [Theory]
    [InlineData("cluster-a/peer 1")]
    [InlineData("a?b#c%d+e&f=g")]
    [InlineData("pée-ünï-日本")]
    public async Task Keys_NeedingEscaping_RoundTrip_UnderTheirBlobName(string key)
    {
        var grain = new GrainId("raftpeer", key + "-" + Guid.NewGuid().ToString("N")[..8]);
        var state = new GrainState<AzureTestState>(new AzureTestState { Name = key });
        await Storage.WriteStateAsync(StateName, grain, state);

        var read = Empty();
        await Storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(key, read.State.Name);

        using var raw = await AzureTestStorage.SendRawAsync(
            _azurite, HttpMethod.Get, $"/{_container}?restype=container&comp=list&prefix=" + Uri.EscapeDataString($"{StateName}-raftpeer/" + key));
        var listing = await raw.Content.ReadAsStringAsync();
        Assert.Contains("<Name>" + System.Security.SecurityElement.Escape(AzureBlobGrainStorage.GetBlobName(StateName, grain)) + "</Name>", listing, StringComparison.Ordinal);
    }
}
