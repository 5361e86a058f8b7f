using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Raft.Grains;
using Raft.Persistence.Sqlite;

namespace Raft.Silo;

/// <summary>
/// The silo's grain storage named "Default" (where the Raft peers keep their records, RaftOptions.StorageName), chosen by
/// Storage:Provider: Sqlite (default; Storage:Default:Path, SynchronousFull, BusyTimeout), Memory (not durable), or
/// AzureBlob (Storage:Default:ConnectionString, ContainerName). Settings that cannot work throw
/// <see cref="SiloConfigurationException"/> before the silo is built.
/// </summary>
public static class StorageConfiguration
{
    public const string ProviderKey = "Storage:Provider";
    public const string SectionKey = "Storage:Default";
    public const string ConnectionStringKey = "Storage:Default:ConnectionString";

    /// <summary>Registers the provider and returns what it talks to, for error messages (null when it is in-process).</summary>
    public static string? AddDefaultStorage(ISiloBuilder silo, IConfiguration configuration)
    {
        const string name = "Default";
        var section = configuration.GetSection(SectionKey);
        var provider = configuration[ProviderKey] ?? "Sqlite";
        switch (provider.ToLowerInvariant())
        {
            case "sqlite":
                // Path, SynchronousFull and BusyTimeout bind from Storage:Default; a relative path resolves against the
                // current directory (./data/raft.db where the silo was started). The provider opens the file at silo
                // start, so an unusable path stops the silo there, naming the full path.
                silo.AddSqliteGrainStorage(name, options => section.Bind(options));
                silo.AddRaftStorageTraits(name, PeerStorageTraits.InProcessOrdered);
                return null;

            case "memory":
                // Orleans' memory storage keeps state in storage grains spread over the silos: lost with a silo, for trying
                // things out on one silo. There its storage grains live in the silo's process, so a write ends with it (no
                // fence needed); records are spread over several storage grains, so issue order across records is not kept.
                silo.AddMemoryGrainStorage(name);
                silo.AddRaftStorageTraits(name, new PeerStorageTraits(PreservesIssueOrder: false, WritesMayOutliveWriter: false, ClearKeepsRecord: false));
                return null;

            case "azureblob":
                var client = CreateBlobServiceClient(configuration[ConnectionStringKey]);
                silo.AddAzureBlobGrainStorage(name, optionsBuilder => optionsBuilder.Configure<Serializer>((options, serializer) =>
                {
                    section.Bind(options);
                    options.BlobServiceClient = client;
                    // A clear leaves an empty blob instead of deleting it: a write of a crashed activation that lands late
                    // (If-None-Match: *) then fails instead of bringing a cleared log segment back. Raft peers refuse to start
                    // on a provider that deletes while its writes may outlive the writer (Raft.Grains/Peer/PERSISTENCE.md).
                    options.DeleteStateOnClear = false;
                    // Orleans' binary serializer instead of the provider's default (Newtonsoft JSON with $type names): log
                    // segments hold entries as byte arrays, which it writes as they are where JSON would base64 every one,
                    // and stored records stay readable as the types evolve ([Id] members, [Alias] type names survive a
                    // rename that breaks JSON $type). It is the serializer every grain call already uses.
                    options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                }));
                silo.AddRaftStorageTraits(name, PeerStorageTraits.AzureBlob);
                return $"Azure Blob storage at {client.Uri} ({ConnectionStringKey})";

            default:
                throw new SiloConfigurationException(
                    $"{ProviderKey}: unknown storage provider '{provider}'; use Sqlite, Memory or AzureBlob.");
        }
    }

    private static BlobServiceClient CreateBlobServiceClient(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new SiloConfigurationException(
                $"{ConnectionStringKey} is required with {ProviderKey}=AzureBlob (UseDevelopmentStorage=true for a local Azurite).");
        }
        try
        {
            return new BlobServiceClient(connectionString, AzureClientDefaults.Apply(new BlobClientOptions()));
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new SiloConfigurationException($"{ConnectionStringKey} is not a valid Azure Storage connection string: {exception.Message}", exception);
        }
    }
}
