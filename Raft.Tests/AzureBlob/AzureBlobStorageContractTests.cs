using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>The Orleans grain storage contract, against a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorageContractTests : IAsyncLifetime, IDisposable
{
    private const string StateName = "state";
    private readonly AzuriteFixture _azurite;
    private readonly AzureBlobGrainStorage _storage;

    public AzureBlobStorageContractTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _storage = AzureTestStorage.Create(AzureTestStorage.Options(azurite));
    }

    public Task InitializeAsync() => _storage.InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _storage.Dispose();

    private static GrainId NewGrain() => new("raftpeer", "peer-" + Guid.NewGuid().ToString("N"));

    private static GrainState<AzureTestState> Empty() => new(new AzureTestState());

    [Fact]
    public async Task ReadMissing_GivesFreshStateNullETagAndNoRecord()
    {
        var state = new GrainState<AzureTestState>(new AzureTestState { Name = "leftover" }, "\"stale\"", recordExists: true);
        await _storage.ReadStateAsync(StateName, NewGrain(), state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State.Name);
    }

    [Fact]
    public async Task InitializeAsync_IsIdempotent()
    {
        await _storage.InitializeAsync();
        await _storage.InitializeAsync();
    }

    [Fact]
    public async Task Write_ThenRead_FromAnotherInstance_RoundTrips()
    {
        var grain = NewGrain();
        var written = new GrainState<AzureTestState>(new AzureTestState { Name = "term", Counter = 7, Items = ["a", "b"] });
        await _storage.WriteStateAsync(StateName, grain, written);
        Assert.True(written.RecordExists);
        Assert.False(string.IsNullOrEmpty(written.ETag));

        using var other = AzureTestStorage.Create(AzureTestStorage.Options(_azurite));
        var read = Empty();
        await other.ReadStateAsync(StateName, grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("term", read.State.Name);
        Assert.Equal(7, read.State.Counter);
        Assert.Equal(["a", "b"], read.State.Items);

        var raw = await AzureTestStorage.SendRawAsync(_azurite, HttpMethod.Get, "/grainstate/" + AzureBlobGrainStorage.GetBlobName(StateName, grain));
        Assert.Equal(200, (int)raw.StatusCode);
        var rawBytes = await raw.Content.ReadAsByteArrayAsync();
        Assert.Equal("RORC"u8.ToArray(), rawBytes[..4]);
    }

    [Fact]
    public async Task EveryWrite_ChangesTheETag()
    {
        var grain = NewGrain();
        var state = Empty();
        var eTags = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            state.State.Counter = i;
            await _storage.WriteStateAsync(StateName, grain, state);
            eTags.Add(state.ETag!);
        }
        Assert.Equal(3, eTags.Distinct().Count());

        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(eTags[^1], read.ETag);
        Assert.Equal(2, read.State.Counter);
    }

    [Fact]
    public async Task Write_WithStaleETag_ThrowsInconsistentState_AndLeavesStoredStateAlone()
    {
        var grain = NewGrain();
        var first = Empty();
        await _storage.WriteStateAsync(StateName, grain, first);
        var staleETag = first.ETag;
        first.State.Counter = 1;
        await _storage.WriteStateAsync(StateName, grain, first);

        var stale = new GrainState<AzureTestState>(new AzureTestState { Counter = 99 }, staleETag, recordExists: true);
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, grain, stale));
        Assert.Equal(staleETag, e.CurrentEtag);
        Assert.Contains(AzureBlobGrainStorage.GetBlobName(StateName, grain), e.Message, StringComparison.Ordinal);
        Assert.Equal(staleETag, stale.ETag);

        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(1, read.State.Counter);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_WithNullETag_OverExistingRecord_ThrowsInconsistentState()
    {
        var grain = NewGrain();
        await _storage.WriteStateAsync(StateName, grain, Empty());

        var fresh = new GrainState<AzureTestState>(new AzureTestState { Counter = 5 });
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, grain, fresh));
        Assert.Null(e.CurrentEtag);
        Assert.False(fresh.RecordExists);
    }

    [Fact]
    public async Task Clear_ThenRead_GivesMissingRecord_AndAFreshWriteSucceeds()
    {
        var grain = NewGrain();
        var state = new GrainState<AzureTestState>(new AzureTestState { Counter = 3 });
        await _storage.WriteStateAsync(StateName, grain, state);

        await _storage.ClearStateAsync(StateName, grain, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(0, state.State.Counter);

        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);

        // Clearing what is already gone is fine, and the null ETag allows a new record.
        await _storage.ClearStateAsync(StateName, grain, state);
        await _storage.WriteStateAsync(StateName, grain, state);
        Assert.True(state.RecordExists);
    }

    [Fact]
    public async Task Clear_WithStaleOrNullETag_OverExistingRecord_ThrowsInconsistentState()
    {
        var grain = NewGrain();
        var state = Empty();
        await _storage.WriteStateAsync(StateName, grain, state);
        var staleETag = state.ETag;
        await _storage.WriteStateAsync(StateName, grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _storage.ClearStateAsync(StateName, grain, new GrainState<AzureTestState>(new AzureTestState(), staleETag, true)));
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _storage.ClearStateAsync(StateName, grain, Empty()));
        Assert.Equal(state.ETag, e.StoredEtag);
        Assert.Null(e.CurrentEtag);

        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task Clear_WithoutDelete_WritesAnEmptyStateThatReadsAsMissingButKeepsItsETag()
    {
        var options = AzureTestStorage.Options(_azurite);
        options.DeleteStateOnClear = false;
        using var storage = AzureTestStorage.Create(options);
        var grain = NewGrain();
        var state = new GrainState<AzureTestState>(new AzureTestState { Counter = 4 });
        await storage.WriteStateAsync(StateName, grain, state);
        var writtenETag = state.ETag;

        await storage.ClearStateAsync(StateName, grain, state);
        Assert.False(state.RecordExists);
        Assert.NotNull(state.ETag);
        Assert.NotEqual(writtenETag, state.ETag);

        var read = Empty();
        await storage.ReadStateAsync(StateName, grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(0, read.State.Counter);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, Empty()));
        read.State.Counter = 5;
        await storage.WriteStateAsync(StateName, grain, read);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task TwoMegabyteState_RoundTrips()
    {
        var grain = NewGrain();
        var random = new Random(1234);
        var items = Enumerable.Range(0, 2048).Select(_ => Convert.ToBase64String(RandomBytes(random, 768))).ToList();
        var state = new GrainState<AzureTestState>(new AzureTestState { Name = "big", Items = items });
        await _storage.WriteStateAsync(StateName, grain, state);

        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(items, read.State.Items);
        Assert.True(items.Sum(i => i.Length) >= 2 * 1024 * 1024);
    }

    [Fact]
    public async Task EightConcurrentWriters_WithTheSameETag_ExactlyOneWins()
    {
        var grain = NewGrain();
        var initial = Empty();
        await _storage.WriteStateAsync(StateName, grain, initial);

        var writers = Enumerable.Range(0, 8)
            .Select(i => new GrainState<AzureTestState>(new AzureTestState { Counter = 100 + i }, initial.ETag, recordExists: true))
            .ToList();
        var outcomes = await Task.WhenAll(writers.Select(async writer =>
        {
            try
            {
                await _storage.WriteStateAsync(StateName, grain, writer);
                return (Exception?)null;
            }
            catch (Exception e)
            {
                return e;
            }
        }));

        Assert.Equal(1, outcomes.Count(e => e is null));
        Assert.All(outcomes.Where(e => e is not null), e => Assert.IsType<InconsistentStateException>(e));
        var winner = writers[Array.IndexOf(outcomes, null)];
        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(winner.State.Counter, read.State.Counter);
        Assert.Equal(winner.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_CreatesAMissingContainer()
    {
        var container = AzureTestStorage.UniqueContainer("lazy");
        using var storage = AzureTestStorage.Create(AzureTestStorage.Options(_azurite, container));
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
        await _storage.WriteStateAsync(StateName, grain, state);

        var read = Empty();
        await _storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(key, read.State.Name);

        var raw = await AzureTestStorage.SendRawAsync(_azurite, HttpMethod.Get, "/grainstate?restype=container&comp=list&prefix=" + Uri.EscapeDataString("state-raftpeer/" + key));
        var listing = await raw.Content.ReadAsStringAsync();
        Assert.Contains("<Name>" + System.Security.SecurityElement.Escape(AzureBlobGrainStorage.GetBlobName(StateName, grain)) + "</Name>", listing, StringComparison.Ordinal);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
