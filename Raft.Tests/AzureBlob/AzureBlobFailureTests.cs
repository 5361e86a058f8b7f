using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Storage;
using Xunit;

namespace Raft.Tests.AzureBlob;

/// <summary>What the provider does when the account, the endpoint or the stored data is wrong, against a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobFailureTests
{
    private const string StateName = "state";
    private readonly AzuriteFixture _azurite;

    public AzureBlobFailureTests(AzuriteFixture azurite) => _azurite = azurite;

    private static GrainId NewGrain() => new("raftpeer", "peer-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task WrongAccountKey_InitializeAsync_ThrowsNamingAccountAndContainer()
    {
        var wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        var options = AzureTestStorage.Options(_azurite);
        options.ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={wrongKey};BlobEndpoint={_azurite.BlobEndpoint}";
        using var storage = AzureTestStorage.Create(options);

        var e = await Assert.ThrowsAsync<GrainStorageException>(() => storage.InitializeAsync());
        Assert.Contains("authorization failed for account 'devstoreaccount1' container 'grainstate'", e.Message, StringComparison.Ordinal);
        Assert.Contains("check the account key", e.Message, StringComparison.Ordinal);
        Assert.Contains("403", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, e.Message, StringComparison.Ordinal);

        // Not retried, and not mistaken for a missing record either.
        await Assert.ThrowsAsync<GrainStorageException>(() => storage.ReadStateAsync(StateName, NewGrain(), new GrainState<AzureTestState>(new AzureTestState())));
    }

    [Fact]
    public async Task EndpointWithNothingListening_InitializeAsync_FailsWithinTheRequestTimeout()
    {
        using var refusing = RefusingLoopbackPort();
        var port = ((IPEndPoint)refusing.LocalEndPoint!).Port;
        var options = AzureTestStorage.Options(_azurite);
        options.ConnectionString = new AzuriteConfig().GetConnectionString(port);
        options.RequestTimeout = TimeSpan.FromSeconds(2);
        options.MaxRetries = 10;
        using var storage = AzureTestStorage.Create(options);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<GrainStorageException>(() => storage.InitializeAsync());
        clock.Stop();
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(1));
        Assert.Contains($"http://127.0.0.1:{port}/devstoreaccount1", e.Message, StringComparison.Ordinal);
        Assert.Contains("'devstoreaccount1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'grainstate'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionRefused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointThatAcceptsButNeverAnswers_InitializeAsync_FailsWithinTheRequestTimeout()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var options = AzureTestStorage.Options(_azurite);
            options.ConnectionString = new AzuriteConfig().GetConnectionString(port);
            options.RequestTimeout = TimeSpan.FromSeconds(1.5);
            using var storage = AzureTestStorage.Create(options);

            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<GrainStorageException>(() => storage.InitializeAsync());
            clock.Stop();
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(1.5) + TimeSpan.FromSeconds(1));
            Assert.Contains($"http://127.0.0.1:{port}/devstoreaccount1", e.Message, StringComparison.Ordinal);
            Assert.Contains("no response within", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task BlobOverwrittenWithGarbage_ReadThrowsCorruptRecordNamingTheBlob()
    {
        using var storage = AzureTestStorage.Create(AzureTestStorage.Options(_azurite));
        await storage.InitializeAsync();
        var grain = NewGrain();
        await storage.WriteStateAsync(StateName, grain, new GrainState<AzureTestState>(new AzureTestState { Counter = 1 }));
        var blobName = AzureBlobGrainStorage.GetBlobName(StateName, grain);

        using var put = await AzureTestStorage.SendRawAsync(_azurite, HttpMethod.Put, storage.GetBlobPath(blobName), "{\"Counter\":2} hand-edited"u8.ToArray());
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var e = await Assert.ThrowsAsync<CorruptRecordException>(() =>
            storage.ReadStateAsync(StateName, grain, new GrainState<AzureTestState>(new AzureTestState())));
        Assert.Contains(blobName, e.Message, StringComparison.Ordinal);

        // A record whose header is intact but whose payload was altered fails its checksum.
        var record = StoredRecord.Encode("{\"Counter\":3}"u8);
        record[^2] ^= 0x01;
        using var put2 = await AzureTestStorage.SendRawAsync(_azurite, HttpMethod.Put, storage.GetBlobPath(blobName), record);
        var e2 = await Assert.ThrowsAsync<CorruptRecordException>(() =>
            storage.ReadStateAsync(StateName, grain, new GrainState<AzureTestState>(new AzureTestState())));
        Assert.Contains(blobName, e2.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzuriteStoppedMidRun_WritesFailAfterRetries_AndAfterRestartSucceedWithEarlierDataIntact()
    {
        var logger = new ListLogger<AzureBlobGrainStorage>();
        var time = new RecordingTimeProvider();
        var options = AzureTestStorage.Options(_azurite);
        options.MaxRetries = 3;
        options.RequestTimeout = TimeSpan.FromSeconds(3);
        using var storage = AzureTestStorage.Create(options, logger, time);
        await storage.InitializeAsync();

        var before = NewGrain();
        var beforeState = new GrainState<AzureTestState>(new AzureTestState { Name = "before", Counter = 1 });
        await storage.WriteStateAsync(StateName, before, beforeState);
        var grain = NewGrain();
        var state = new GrainState<AzureTestState>(new AzureTestState { Name = "during", Counter = 1 });
        await storage.WriteStateAsync(StateName, grain, state);
        var eTagBeforeOutage = state.ETag;

        _azurite.Stop();
        try
        {
            state.State.Counter = 2;
            var e = await Assert.ThrowsAsync<GrainStorageException>(() => storage.WriteStateAsync(StateName, grain, state));
            var blobName = AzureBlobGrainStorage.GetBlobName(StateName, grain);
            Assert.Contains(blobName, e.Message, StringComparison.Ordinal);
            Assert.Contains("'devstoreaccount1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("'grainstate'", e.Message, StringComparison.Ordinal);
            Assert.Contains("after 4 attempt(s)", e.Message, StringComparison.Ordinal);
            Assert.Contains("ConnectionRefused", e.Message, StringComparison.Ordinal);
            Assert.Equal(eTagBeforeOutage, state.ETag);

            var retries = logger.Entries.Where(entry => entry.EventId.Id == 1).ToList();
            Assert.Equal([1, 2, 3], retries.Select(r => (int)r.Fields["Retry"]!));
            Assert.All(retries, r =>
            {
                Assert.Equal(LogLevel.Warning, r.Level);
                Assert.Equal(blobName, r.Fields["BlobName"]);
                Assert.Equal("write", r.Fields["Operation"]);
                Assert.Equal(3, r.Fields["MaxRetries"]);
            });
            // Backoff goes through the injected TimeProvider: 50, 100, 200 ms nominal, each jittered down to half at most.
            var delays = time.DueTimes.Where(d => d < TimeSpan.FromSeconds(1)).ToList();
            Assert.Equal(3, delays.Count);
            Assert.InRange(delays[0].TotalMilliseconds, 25, 50);
            Assert.InRange(delays[1].TotalMilliseconds, 50, 100);
            Assert.InRange(delays[2].TotalMilliseconds, 100, 200);

            var readDuringOutage = await Assert.ThrowsAsync<GrainStorageException>(() =>
                storage.ReadStateAsync(StateName, before, new GrainState<AzureTestState>(new AzureTestState())));
            Assert.Contains(AzureBlobGrainStorage.GetBlobName(StateName, before), readDuringOutage.Message, StringComparison.Ordinal);
        }
        finally
        {
            _azurite.Start();
        }

        await storage.WriteStateAsync(StateName, grain, state);
        Assert.NotEqual(eTagBeforeOutage, state.ETag);

        using var fresh = AzureTestStorage.Create(AzureTestStorage.Options(_azurite));
        var readBefore = new GrainState<AzureTestState>(new AzureTestState());
        await fresh.ReadStateAsync(StateName, before, readBefore);
        Assert.True(readBefore.RecordExists);
        Assert.Equal("before", readBefore.State.Name);
        Assert.Equal(beforeState.ETag, readBefore.ETag);
        var readGrain = new GrainState<AzureTestState>(new AzureTestState());
        await fresh.ReadStateAsync(StateName, grain, readGrain);
        Assert.Equal(2, readGrain.State.Counter);
        Assert.Equal(state.ETag, readGrain.ETag);
    }

    [Theory]
    [InlineData(false, AnswerLoss.Silence)]
    [InlineData(true, AnswerLoss.Silence)]
    [InlineData(false, AnswerLoss.ConnectionReset)]
    [InlineData(true, AnswerLoss.ConnectionReset)]
    public async Task WriteWhoseAnswerWasLost_RetryIsRefusedByItsOwnWrite_IsRecognizedAsApplied(bool blobExisted, AnswerLoss loss)
    {
        await using var proxy = new AnswerLosingProxy(_azurite.Port);
        var logger = new ListLogger<AzureBlobGrainStorage>();
        using var storage = await ThroughProxyAsync(proxy, logger);
        var grain = NewGrain();
        var state = new GrainState<AzureTestState>(new AzureTestState { Name = "lost answer", Counter = 1 });
        if (blobExisted)
        {
            await storage.WriteStateAsync(StateName, grain, state);
            state.State.Counter = 2;
        }

        // Azurite applies the write; its answer never arrives; the retry (If-Match the old ETag, or If-None-Match: *)
        // is refused because of that very write.
        proxy.LoseNextAnswer(loss);
        await storage.WriteStateAsync(StateName, grain, state);
        Assert.True(proxy.AnswerLost.Task.IsCompleted);

        var stored = await ReadDirectAsync(grain);
        Assert.Equal(state.State.Counter, stored.State.Counter);
        Assert.Equal(stored.ETag, state.ETag);
        var resolved = Assert.Single(logger.Entries, e => e.EventId.Id == 4);
        Assert.Equal(blobExisted ? 412 : 409, resolved.Fields["Status"]);
        var expectedFailure = loss == AnswerLoss.Silence ? "no response within" : "";
        Assert.Contains(logger.Entries, e => e.EventId.Id == 1 && ((string)e.Fields["Failure"]!).Contains(expectedFailure, StringComparison.Ordinal));

        // The ETag taken is the stored one: the next write goes through.
        state.State.Counter = 10;
        await storage.WriteStateAsync(StateName, grain, state);
        Assert.Equal(10, (await ReadDirectAsync(grain)).State.Counter);
    }

    [Fact]
    public async Task WriteWhoseAnswerWasLost_AnotherWriterCameInBetween_IsStillAConflict()
    {
        await using var proxy = new AnswerLosingProxy(_azurite.Port);
        using var storage = await ThroughProxyAsync(proxy);
        var grain = NewGrain();
        var state = new GrainState<AzureTestState>(new AzureTestState { Name = "mine", Counter = 1 });
        await storage.WriteStateAsync(StateName, grain, state);

        using var other = AzureTestStorage.Create(AzureTestStorage.Options(_azurite));
        proxy.AfterLostAnswerArrived = async () =>
        {
            var theirs = await ReadDirectAsync(grain);
            theirs.State.Name = "theirs";
            await other.WriteStateAsync(StateName, grain, theirs);
        };
        proxy.LoseNextAnswer();
        state.State.Counter = 2;
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, state));
        Assert.Contains(AzureBlobGrainStorage.GetBlobName(StateName, grain), e.Message, StringComparison.Ordinal);
        Assert.Equal("theirs", (await ReadDirectAsync(grain)).State.Name);
    }

    /// <summary>
    /// A provider whose endpoint is the proxy. The container is created directly, so only the writes under test go
    /// through the proxy. An attempt whose answer is swallowed lasts the request timeout: 3 s, with room for the attempts
    /// that do get answers on a loaded machine.
    /// </summary>
    private async Task<AzureBlobGrainStorage> ThroughProxyAsync(AnswerLosingProxy proxy, ILogger<AzureBlobGrainStorage>? logger = null)
    {
        using (var direct = AzureTestStorage.Create(AzureTestStorage.Options(_azurite)))
        {
            await direct.InitializeAsync();
        }
        var options = AzureTestStorage.Options(_azurite);
        options.ConnectionString = new AzuriteConfig().GetConnectionString(proxy.Port);
        options.RequestTimeout = TimeSpan.FromSeconds(3);
        options.MaxRetries = 3;
        return AzureTestStorage.Create(options, logger);
    }

    private async Task<GrainState<AzureTestState>> ReadDirectAsync(GrainId grain)
    {
        using var direct = AzureTestStorage.Create(AzureTestStorage.Options(_azurite));
        var state = new GrainState<AzureTestState>(new AzureTestState());
        await direct.ReadStateAsync(StateName, grain, state);
        return state;
    }

    /// <summary>
    /// A loopback port bound but not listening: connecting to it is refused, and no other process (another test run's
    /// Azurite, say) can take it while the socket is held, as it could a port that was only found free.
    /// </summary>
    private static Socket RefusingLoopbackPort()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
