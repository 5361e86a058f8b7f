using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Storage.Blobs;
using Orleans.Storage;
using Raft.Grains;
using Raft.Tests.Peer;
using Raft.Tests.Storage;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// What Orleans' Azure Blob provider (10.4.2, configured as we ship it) does when the account, the endpoint or the
/// stored data is wrong, or an answer is lost, against a real Azurite, and what a Raft peer makes of it.
/// <para>Differences from the suite on our own REST client, and why:</para>
/// <list type="bullet">
/// <item>Error texts: our client named blob, account, container and attempts in a GrainStorageException of its own, and
/// logged each retry. Orleans' provider lets the Azure SDK's <see cref="RequestFailedException"/> (or the transport's
/// exception) through, and the retries are the SDK's, so the tests assert the outcome (which status, failed at all,
/// within how long, ETag untouched, data intact) instead of our wording.</item>
/// <item>A corrupt blob: our records had a checksum; Orleans' binary encoding has none, so only a blob that does not
/// decode is detected (it fails the read instead of passing as a missing record or a default state).</item>
/// <item>A write whose answer was lost: our client recognized the refusal of its retry (412/409) as its own landed
/// write. Orleans' provider does not: the retry fails with <see cref="InconsistentStateException"/>. That is safe for
/// a Raft peer, which stops on it; the next activation reads the landed write and fences it
/// (<see cref="AWriteWhoseAnswerWasLost_StopsThePeer_TheNextActivationReadsAndFencesIt_NothingAcknowledgedLost"/>).</item>
/// <item>Azurite unreachable for a whole group (the peers stop; nothing not durable is acknowledged; everything is back
/// after): <see cref="AzureRaftGroupTests"/>.</item>
/// <item>Not covered: a request held back by the network until after the next activation's fence. The proxy can only
/// lose answers, not delay a request while later ones pass; the fence's guarantee for it (the late write fails its
/// ETag condition) is covered in process by Raft.Tests/Peer/ActivationFenceTests.</item>
/// </list>
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobFailureTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const string StateName = "state";
    private readonly string _container = AzureTestStorage.UniqueContainer("failure");

    public Task InitializeAsync()
    {
        azurite.Start(); // an outage test that failed half-way must not leave this one without Azurite
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        azurite.Start();
        await AzureTestStorage.DeleteContainerAsync(azurite, _container);
    }

    private static GrainId NewGrain() => GrainId.Create("raftpeer", "peer-" + Guid.NewGuid().ToString("N"));

    private static GrainState<StorageTestState> NewState() => new(new StorageTestState());

    [Fact]
    public async Task WrongAccountKey_CreatingTheContainerFailsWith403_AndReadsFailToo()
    {
        var wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        var connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={wrongKey};BlobEndpoint={azurite.BlobEndpoint}";

        var e = await Assert.ThrowsAnyAsync<Exception>(() => AzureTestStorage.CreateAsync(connectionString, _container, clientOptions: AzureTestStorage.FailFast()));
        Assert.Equal(403, Find<RequestFailedException>(e).Status);
        Assert.DoesNotContain(wrongKey, e.ToString(), StringComparison.Ordinal);

        // Not retried into success, and not mistaken for a missing record either: a read with the wrong key fails.
        await (await AzureTestStorage.CreateAsync(azurite, _container)).WriteStateAsync(StateName, NewGrain(), new GrainState<StorageTestState>(StorageTestState.Sample("x", 1)));
        var wrong = new BlobServiceClient(connectionString, AzureTestStorage.FailFast()).GetBlobContainerClient(_container);
        var read = await Assert.ThrowsAsync<RequestFailedException>(() => wrong.GetBlobsAsync().AsPages().GetAsyncEnumerator().MoveNextAsync().AsTask());
        Assert.Equal(403, read.Status);
    }

    [Fact]
    public async Task EndpointWithNothingListening_FailsWithinTheRetryBudget()
    {
        using var refusing = RefusingLoopbackPort();
        var port = ((IPEndPoint)refusing.LocalEndPoint!).Port;

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<Exception>(() =>
            AzureTestStorage.CreateAsync(azurite.Config.GetConnectionString(port), _container, clientOptions: AzureTestStorage.FailFast(maxRetries: 2)));
        clock.Stop();
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {e.GetType().Name}: {e.Message}");
        // Three refused attempts with at most 50 + 100 ms of backoff; the bound leaves room for a loaded machine.
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Contains(Chain(e), x => x is SocketException { SocketErrorCode: SocketError.ConnectionRefused } || x.Message.Contains("refused", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task EndpointThatAcceptsButNeverAnswers_FailsWithinTheNetworkTimeout()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAnyAsync<Exception>(() => AzureTestStorage.CreateAsync(
                azurite.Config.GetConnectionString(port), _container,
                clientOptions: AzureTestStorage.FailFast(maxRetries: 0, networkTimeout: TimeSpan.FromSeconds(1.5))));
            clock.Stop();
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: {e.GetType().Name}: {e.Message}");
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(1.5) + TimeSpan.FromSeconds(2));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task BlobOverwrittenWithGarbage_TheReadFails_InsteadOfPassingForAMissingOrDefaultState()
    {
        var storage = await AzureTestStorage.CreateAsync(azurite, _container);
        var grain = NewGrain();
        await storage.WriteStateAsync(StateName, grain, new GrainState<StorageTestState>(StorageTestState.Sample("good", 1)));
        var blob = AzureTestStorage.Container(azurite, _container).GetBlobClient($"{StateName}-{grain}.json");
        await blob.UploadAsync(BinaryData.FromBytes("{\"Count\":2} hand-edited"u8.ToArray()), overwrite: true);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => storage.ReadStateAsync(StateName, grain, NewState()));
        output.WriteLine($"{e.GetType().Name}: {e.Message}");
    }

    [Fact]
    public async Task AzuriteStoppedMidRun_WritesFailAfterRetries_AndAfterRestartSucceedWithEarlierDataIntact()
    {
        var storage = await AzureTestStorage.CreateAsync(azurite.ConnectionString, _container, clientOptions: AzureTestStorage.FailFast(maxRetries: 3));
        var before = NewGrain();
        var beforeState = new GrainState<StorageTestState>(StorageTestState.Sample("before", 1));
        await storage.WriteStateAsync(StateName, before, beforeState);
        var grain = NewGrain();
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("during", 1));
        await storage.WriteStateAsync(StateName, grain, state);
        var eTagBeforeOutage = state.ETag;

        azurite.Stop();
        try
        {
            state.State!.Count = 2;
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAnyAsync<Exception>(() => storage.WriteStateAsync(StateName, grain, state));
            output.WriteLine($"write during the outage failed after {clock.ElapsedMilliseconds} ms: {e.GetType().Name}: {e.Message}");
            Assert.IsNotType<InconsistentStateException>(e);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            Assert.Equal(eTagBeforeOutage, state.ETag);

            await Assert.ThrowsAnyAsync<Exception>(() => storage.ReadStateAsync(StateName, before, NewState()));
        }
        finally
        {
            azurite.Start();
        }

        await storage.WriteStateAsync(StateName, grain, state);
        Assert.NotEqual(eTagBeforeOutage, state.ETag);

        var fresh = await AzureTestStorage.CreateAsync(azurite, _container);
        var readBefore = NewState();
        await fresh.ReadStateAsync(StateName, before, readBefore);
        Assert.True(readBefore.RecordExists);
        beforeState.State!.AssertEqual(readBefore.State);
        Assert.Equal(beforeState.ETag, readBefore.ETag);
        var readGrain = NewState();
        await fresh.ReadStateAsync(StateName, grain, readGrain);
        Assert.Equal(2, readGrain.State!.Count);
        Assert.Equal(state.ETag, readGrain.ETag);
    }

    [Theory]
    [InlineData(false, AnswerLoss.Silence)]
    [InlineData(true, AnswerLoss.Silence)]
    [InlineData(false, AnswerLoss.ConnectionReset)]
    [InlineData(true, AnswerLoss.ConnectionReset)]
    public async Task WriteWhoseAnswerWasLost_TheSdksRetryIsRefusedByItsOwnLandedWrite(bool blobExisted, AnswerLoss loss)
    {
        await using var proxy = new AnswerLosingProxy(azurite.Port);
        var storage = await ThroughProxyAsync(proxy);
        var grain = NewGrain();
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("lost answer", 1));
        // Only the staged write goes through the proxy's client: its 2 s network timeout would turn a merely slow answer
        // (a loaded Azurite) into the same lost-answer retry, in a step that must succeed.
        var direct = await AzureTestStorage.CreateAsync(azurite, _container);
        if (blobExisted)
        {
            await direct.WriteStateAsync(StateName, grain, state);
            state.State!.Count = 2;
        }

        // Azurite applies the write; its answer never arrives; the SDK's retry (If-Match the old ETag, or
        // If-None-Match: *) is refused because of that very write, and Orleans' provider reports a conflict.
        proxy.LoseNextAnswer(loss);
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, state));
        Assert.True(proxy.AnswerLost.Task.IsCompleted);
        output.WriteLine($"{e.GetType().Name}: {e.Message}");

        // The write landed: a reader sees it, with an ETag the writer never got.
        var stored = await ReadDirectAsync(grain);
        Assert.True(stored.RecordExists);
        state.State!.AssertEqual(stored.State);
        Assert.NotEqual(stored.ETag, state.ETag);

        // A writer that read again (as a new activation does) writes on.
        stored.State!.Count = 10;
        await direct.WriteStateAsync(StateName, grain, stored);
        Assert.Equal(10, (await ReadDirectAsync(grain)).State!.Count);
    }

    [Fact]
    public async Task WriteWhoseAnswerWasLost_AnotherWriterCameInBetween_IsAConflict_AndTheirsStays()
    {
        await using var proxy = new AnswerLosingProxy(azurite.Port);
        var storage = await ThroughProxyAsync(proxy);
        var grain = NewGrain();
        var state = new GrainState<StorageTestState>(StorageTestState.Sample("mine", 1));
        await storage.WriteStateAsync(StateName, grain, state);

        var other = await AzureTestStorage.CreateAsync(azurite, _container);
        proxy.AfterLostAnswerArrived = async () =>
        {
            var theirs = await ReadDirectAsync(grain);
            theirs.State!.Name = "theirs";
            await other.WriteStateAsync(StateName, grain, theirs);
        };
        proxy.LoseNextAnswer();
        state.State!.Count = 2;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grain, state));
        var stored = await ReadDirectAsync(grain);
        Assert.Equal("theirs", stored.State!.Name);
        Assert.Equal(2, stored.State!.Count);
    }

    /// <summary>
    /// A Raft peer's write whose answer was lost: the SDK's retry meets the landed write, the peer's write fails with a
    /// conflict, and the peer stops (deactivates) rather than answer from state it does not know to be stored. The next
    /// activation reads the landed write and fences it; no acknowledged command is lost, none is served stale, and the
    /// group goes on.
    /// </summary>
    [Fact]
    public async Task AWriteWhoseAnswerWasLost_StopsThePeer_TheNextActivationReadsAndFencesIt_NothingAcknowledgedLost()
    {
        await using var proxy = new AnswerLosingProxy(azurite.Port);
        var direct = await AzureTestStorage.CreateAsync(azurite.ConnectionString, _container, clientOptions: AzureRaft.ClientOptions());
        var proxied = await AzureTestStorage.CreateAsync(azurite.Config.GetConnectionString(proxy.Port), _container, clientOptions: AzureRaft.ClientOptions());
        const string victim = "kv/1";
        var victimGrain = GrainId.Create("raftpeer", victim);
        var storage = new RoutingStorage(grain => grain == victimGrain ? proxied : direct);
        var log = new CapturedLog();
        await using var raft = await RaftTestCluster.StartAsync(
            configureRaft: AzureRaft.ConfigureRaft,
            configureCluster: RaftTestCluster.WithStorage(storage, log, PeerStorageTraits.AzureBlob));
        try
        {
            var acknowledged = new Dictionary<long, string>();
            for (var i = 0; i < 3; i++)
            {
                acknowledged[await raft.OneAsync($"before-{i}", timeout: TimeSpan.FromSeconds(30))] = $"before-{i}";
            }
            var activations = raft.StateMachines.Activations(victim);

            // The victim's next storage request (a write: it read everything at activation) lands, its answer is lost.
            proxy.LoseNextAnswer(AnswerLoss.ConnectionReset);
            acknowledged[await CommitDespiteFailuresAsync(raft, "after-lost-answer")] = "after-lost-answer";
            await proxy.AnswerLost.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // The victim stopped on the conflict and came back from storage (reading the landed write, then fencing it).
            await RaftTestCluster.WaitUntilAsync(async () =>
            {
                try
                {
                    await raft.Peer(victim).Wake();
                }
                catch (Exception exception) when (exception is not XunitException)
                {
                    return false;
                }
                return raft.StateMachines.Activations(victim) > activations;
            }, TimeSpan.FromSeconds(30), $"{victim} to be activated again after its write's answer was lost");
            Assert.Contains(log.Lines, line => line.Message.Contains($"Raft peer {victim}", StringComparison.Ordinal)
                && line.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);

            acknowledged[await CommitDespiteFailuresAsync(raft, "more")] = "more";
            foreach (var id in raft.PeerIds)
            {
                foreach (var (index, command) in acknowledged)
                {
                    Assert.Equal(command, raft.Machine(id).CommandAt(index));
                }
            }
            raft.AssertNoApplyErrors();
        }
        catch
        {
            foreach (var line in log.Lines.TakeLast(200))
            {
                output.WriteLine(line.ToString());
            }
            throw;
        }
    }

    /// <summary>Offers the command until it is committed on every peer; a Start on a peer that stopped fails and is retried, as a client would.</summary>
    private static async Task<long> CommitDespiteFailuresAsync(RaftTestCluster raft, string command)
    {
        var failures = new List<string>();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                return await raft.OneAsync(command, timeout: TimeSpan.FromSeconds(10));
            }
            catch (Exception exception) when (exception is not XunitException)
            {
                failures.Add($"{exception.GetType().Name}: {exception.Message}");
            }
        }
        throw new XunitException($"'{command}' was not committed within 60 s; failures: {string.Join("; ", failures.TakeLast(5))}");
    }

    /// <summary>A provider whose endpoint is the proxy (its container created through the proxy before any answer is lost), retrying quickly.</summary>
    private Task<AzureBlobGrainStorage> ThroughProxyAsync(AnswerLosingProxy proxy) =>
        AzureTestStorage.CreateAsync(azurite.Config.GetConnectionString(proxy.Port), _container,
            clientOptions: AzureTestStorage.FailFast(maxRetries: 3, networkTimeout: TimeSpan.FromSeconds(2)));

    private async Task<GrainState<StorageTestState>> ReadDirectAsync(GrainId grain)
    {
        var direct = await AzureTestStorage.CreateAsync(azurite, _container);
        var state = NewState();
        await direct.ReadStateAsync(StateName, grain, state);
        return state;
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    private static T Find<T>(Exception e)
        where T : Exception =>
        Chain(e).OfType<T>().FirstOrDefault() ?? throw new XunitException($"no {typeof(T).Name} in {e}");

    /// <summary>
    /// A loopback port bound but not listening: connecting to it is refused, and no other process can take it while the
    /// socket is held, as it could a port that was only found free.
    /// </summary>
    private static Socket RefusingLoopbackPort()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>Sends each grain's operations to the provider <paramref name="route"/> picks for it.</summary>
    private sealed class RoutingStorage(Func<GrainId, IGrainStorage> route) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            route(grainId).ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            route(grainId).WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            route(grainId).ClearStateAsync(stateName, grainId, grainState);
    }
}
