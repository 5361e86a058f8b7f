using Raft.Grains;
using Raft.TestingHost;
using Raft.Tests.Lab3;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The peers of a <see cref="RaftTestHarness"/> on Orleans' Azure Blob provider in Azurite, shared by every silo of the
/// LabTestCluster as its "Default" storage with <see cref="PeerStorageTraits.AzureBlob"/> (so the peers fence at
/// activation), in a container of its own that is deleted after the test, with <see cref="AzureRaft"/>'s timing.
/// </summary>
public sealed class AzureLabStorage(AzuriteFixture azurite) : LabStorage
{
    private static readonly TimeSpan WritesEndWithin = TimeSpan.FromSeconds(30);
    private readonly string _container = AzureTestStorage.UniqueContainer("lab3");
    private InFlightTrackingStorage? _storage;

    public override string Name => "azure";

    public override void ConfigureCluster(LabTestClusterOptions options)
    {
        azurite.Start(); // an outage test that failed half-way must not leave this one without Azurite
        // LabTestCluster takes a ready provider; creating one creates its container (an async call on a test thread).
        var azure = Task.Run(() => AzureTestStorage.CreateAsync(azurite.ConnectionString, _container, clientOptions: AzureRaft.ClientOptions()))
            .GetAwaiter().GetResult();
        _storage = new InFlightTrackingStorage(azure);
        options.Storage = _storage;
        options.StorageTraits = PeerStorageTraits.AzureBlob;
    }

    public override void ConfigureRaft(RaftOptions options) => AzureRaft.ConfigureRaft(options);

    /// <summary>Elections start after 1–2 s instead of 300–600 ms and RPCs may take 750 ms instead of 250: three times 6.5840's 120 s.</summary>
    public override TimeSpan TestTimeLimit => TimeSpan.FromSeconds(360);

    /// <summary>Lists the container: blob "{state}-{grainType}/{key}.json" of Content-Length n is record (state, grain, n).</summary>
    public override async Task<IReadOnlyList<(string StateName, GrainId GrainId, long Bytes)>> StoredRecordsAsync(LabTestCluster cluster)
    {
        var records = new List<(string, GrainId, long)>();
        foreach (var (name, length) in await AzureTestStorage.ListBlobsAsync(azurite, _container))
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var dash = slash < 0 ? -1 : name.LastIndexOf('-', slash);
            if (dash <= 0 || !name.EndsWith(".json", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Blob '{name}' in container {_container} is not named '{{state}}-{{grainType}}/{{key}}.json'.");
            }
            if (length > 0) // an empty blob is a cleared marker: no record
            {
                records.Add((name[..dash], GrainId.Create(name[(dash + 1)..slash], name[(slash + 1)..^".json".Length]), length));
            }
        }
        return records;
    }

    /// <summary>A crashed peer's Azure writes already sent go on without it: wait until they have ended.</summary>
    public override Task WaitForWritesAsync(LabTestCluster cluster, GrainId peer) =>
        _storage?.WaitForIdleAsync(peer, WritesEndWithin) ?? Task.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        azurite.Start();
        await AzureTestStorage.DeleteContainerAsync(azurite, _container);
    }
}

/// <summary>The 6.5840 3C persistence tests with every peer persisting to Azurite.</summary>
// KnownFlaky (left out of CI until fixed; RAFT_TEST_ALL=1 runs it): on Orleans' blob provider these runs saturate
// Azurite's one Node thread (about 95 percent CPU), single writes then take 2-6 s, and an election can miss the
// harness' 10 s agreement window (Lab3DOnAzure.SnapshotInstallUnCrash3D in the CI run of 35c47b1). Issue 13's note
// has the numbers.
[Collection(AzuriteCollection.Name)]
[Trait("Category", "KnownFlaky")]
public sealed class Lab3COnAzure(ITestOutputHelper output, AzuriteFixture azurite) : Lab3C(output)
{
    protected override LabStorage Storage { get; } = new AzureLabStorage(azurite);
}

/// <summary>The 6.5840 3D snapshot tests with every peer persisting to Azurite (the log-size bound read from the blobs).</summary>
// KnownFlaky (left out of CI until fixed; RAFT_TEST_ALL=1 runs it): on Orleans' blob provider these runs saturate
// Azurite's one Node thread (about 95 percent CPU), single writes then take 2-6 s, and an election can miss the
// harness' 10 s agreement window (Lab3DOnAzure.SnapshotInstallUnCrash3D in the CI run of 35c47b1). Issue 13's note
// has the numbers.
[Collection(AzuriteCollection.Name)]
[Trait("Category", "KnownFlaky")]
public sealed class Lab3DOnAzure(ITestOutputHelper output, AzuriteFixture azurite) : Lab3D(output)
{
    protected override LabStorage Storage { get; } = new AzureLabStorage(azurite);
}
