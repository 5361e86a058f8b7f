using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Raft.Tests.AzureBlob;

/// <summary>
/// Orleans' Azure Blob provider (Microsoft.Orleans.Persistence.AzureStorage) configured as we ship it: a
/// <see cref="BlobServiceClient"/> from the connection string and Orleans' binary grain storage serializer, for the
/// tests that use a provider outside a silo (the contract suites, and the storage every silo of a LabTestCluster shares).
/// </summary>
internal static class AzureTestStorage
{
    // The codecs of the test states and of Raft's records and messages; its activator provider makes the fresh state of a missing record.
    private static readonly Lazy<IServiceProvider> Services = new(() =>
        new ServiceCollection()
            .AddSerializer(builder => builder
                .AddAssembly(typeof(AzureTestStorage).Assembly)
                .AddAssembly(typeof(Raft.Grains.RaftHardStateRecord).Assembly)
                .AddAssembly(typeof(Raft.Grains.Interfaces.LogEntry).Assembly))
            .BuildServiceProvider());

    public static Serializer Serializer => Services.Value.GetRequiredService<Serializer>();

    /// <summary>
    /// The provider's settings as we ship them. DeleteStateOnClear = false keeps a cleared marker (an empty blob with an
    /// ETag), which a Raft peer needs of storage whose writes may land after their writer died (Raft.Grains/Peer/PERSISTENCE.md).
    /// </summary>
    public static void Configure(AzureBlobStorageOptions options, string connectionString, string container, BlobClientOptions? clientOptions = null)
    {
        options.BlobServiceClient = new BlobServiceClient(connectionString, clientOptions);
        options.ContainerName = container;
        options.DeleteStateOnClear = false;
        options.GrainStorageSerializer = new OrleansGrainStorageSerializer(Serializer);
    }

    /// <summary>
    /// An initialized provider outside any silo: what its silo lifecycle stage does (the container factory creates the
    /// container), done here because no silo runs it.
    /// </summary>
    public static async Task<AzureBlobGrainStorage> CreateAsync(
        string connectionString, string container, Action<AzureBlobStorageOptions>? configure = null, BlobClientOptions? clientOptions = null)
    {
        var options = new AzureBlobStorageOptions();
        Configure(options, connectionString, container, clientOptions);
        configure?.Invoke(options);
        var containers = options.BuildContainerFactory(Services.Value, options);
        var storage = new AzureBlobGrainStorage(
            "Default", options, containers, Services.Value.GetRequiredService<IActivatorProvider>(), NullLogger<AzureBlobGrainStorage>.Instance);
        await containers.InitializeAsync(options.BlobServiceClient!);
        return storage;
    }

    public static Task<AzureBlobGrainStorage> CreateAsync(AzuriteFixture azurite, string container, Action<AzureBlobStorageOptions>? configure = null) =>
        CreateAsync(azurite.ConnectionString, container, configure);

    /// <summary>Client options that fail fast on an unreachable endpoint: few retries, short delays, a short network timeout.</summary>
    public static BlobClientOptions FailFast(int maxRetries = 2, TimeSpan? networkTimeout = null) => new()
    {
        Retry =
        {
            MaxRetries = maxRetries,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromMilliseconds(400),
            Mode = RetryMode.Exponential,
            NetworkTimeout = networkTimeout ?? TimeSpan.FromSeconds(5),
        },
    };

    public static string UniqueContainer(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];

    /// <summary>The container straight through the Azure SDK, bypassing the provider (to inspect or plant blobs).</summary>
    public static BlobContainerClient Container(AzuriteFixture azurite, string container) =>
        new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container);

    /// <summary>Deletes a container and everything in it (a missing container is fine).</summary>
    public static Task DeleteContainerAsync(AzuriteFixture azurite, string container) => Container(azurite, container).DeleteIfExistsAsync();

    /// <summary>Every blob in the container with its length.</summary>
    public static async Task<IReadOnlyList<(string Name, long Length)>> ListBlobsAsync(AzuriteFixture azurite, string container)
    {
        var client = Container(azurite, container);
        var blobs = new List<(string, long)>();
        if (!await client.ExistsAsync())
        {
            return blobs;
        }
        await foreach (var blob in client.GetBlobsAsync())
        {
            blobs.Add((blob.Name, blob.Properties.ContentLength ?? 0));
        }
        return blobs;
    }
}
