using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Grains;
using Raft.Grains.Interfaces;
using Raft.Persistence.AzureStorage;
using Raft.Runtime;
using Raft.Runtime.Hosting;
using Raft.TestingHost;
using Raft.Tests.Lab3;
using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// The peers of a <see cref="RaftTestHarness"/> on Azure Blob storage in Azurite: the only grain storage ("Default",
/// no memory storage), with <see cref="AzureRaft.ConfigureStorage"/>'s timeouts and retries, in a container of
/// its own that is deleted after the test, and <see cref="AzureRaft.ConfigureRaft"/>'s timing (RPCs may take 750 ms
/// rather than 250 ms, to cover the responder's Azure write, and elections start after 1–2 s rather than 300–600 ms).
/// </summary>
public sealed class AzureLabStorage(AzuriteFixture azurite, ITestOutputHelper output) : LabStorage
{
    private readonly string _container = AzureTestStorage.UniqueContainer("lab3");
    private readonly SiloLog _log = new();

    public override string Name => "azure";

    public override void ConfigureCluster(TestClusterOptions options)
    {
        options.MemoryStorageNames.Clear();
        var inner = options.ConfigureSilo;
        options.ConfigureSilo = silo =>
        {
            inner?.Invoke(silo);
            silo.AddAzureBlobGrainStorage("Default", o => AzureRaft.ConfigureStorage(o, azurite, _container));
            silo.Services.AddSingleton<ILoggerProvider>(_log);
        };
    }

    public override void ConfigureRaft(RaftOptions options) => AzureRaft.ConfigureRaft(options);

    /// <summary>
    /// Elections start after 1–2 s of silence instead of 300–600 ms, and an RPC may take 750 ms instead of 250: every
    /// leader change takes about three times as long, so the lab's 120 s become 360 s. SnapshotInstall3D, 65–75 s here
    /// as a rule, once took 150 s while other test runs kept the 2-core machine at a load average near 20.
    /// </summary>
    public override TimeSpan TestTimeLimit => TimeSpan.FromSeconds(360);

    /// <summary>Lists the container: blob "{state}-{grainType}/{key}" of Content-Length n is record (state, grain, n).</summary>
    public override async Task<IReadOnlyList<(string StateName, GrainId GrainId, long Bytes)>> StoredRecordsAsync(TestCluster cluster)
    {
        var records = new List<(string, GrainId, long)>();
        foreach (var (name, length) in await AzureRaft.ListBlobsAsync(azurite, _container))
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var dash = slash < 0 ? -1 : name.LastIndexOf('-', slash);
            if (dash <= 0)
            {
                throw new InvalidOperationException($"Blob '{name}' in container {_container} is not named '{{state}}-{{grainType}}/{{key}}'.");
            }
            records.Add((name[..dash], new GrainId(name[(dash + 1)..slash], name[(slash + 1)..]), length));
        }
        return records;
    }

    public override async ValueTask DisposeAsync()
    {
        // Storage trouble during the test (retries, failed writes, peers that stopped), for whoever reads a failure.
        var trouble = _log.Lines.Where(line => line.Level >= LogLevel.Warning
            && !line.Message.Contains(" lost: ", StringComparison.Ordinal)).ToArray();
        if (trouble.Length > 0)
        {
            output.WriteLine($"{trouble.Length} storage-related warnings and errors in the silo log (the first 100):");
            foreach (var line in trouble.Take(100))
            {
                output.WriteLine("  " + line);
            }
        }
        azurite.Start();
        await AzureTestStorage.DeleteContainerAsync(azurite, _container);
    }
}

/// <summary>The 6.5840 3C persistence tests with every peer persisting to Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class Lab3COnAzure(ITestOutputHelper output, AzuriteFixture azurite) : Lab3C(output)
{
    protected override LabStorage Storage { get; } = new AzureLabStorage(azurite, output);
}

/// <summary>The 6.5840 3D snapshot tests with every peer persisting to Azurite (the log-size bound read from the blobs).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class Lab3DOnAzure(ITestOutputHelper output, AzuriteFixture azurite) : Lab3D(output)
{
    protected override LabStorage Storage { get; } = new AzureLabStorage(azurite, output);
}
