using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Raft.Grains;
using Raft.Runtime.Hosting;

namespace Raft.Silo;

/// <summary>
/// Turns configuration into a silo: grains, storage provider, endpoints. Storage:Provider picks the "Default" grain
/// storage: Sqlite (the default; Storage:Default:Path), Memory, or AzureBlob (Storage:Default:ConnectionString,
/// optionally Storage:Default:ContainerName). An unknown provider or an unusable setting throws ArgumentException.
/// </summary>
public static class SiloConfiguration
{
    public static void Configure(IHostApplicationBuilder builder)
    {
        var provider = builder.Configuration["Storage:Provider"] ?? "Sqlite";
        var raft = new RaftOptions();
        builder.Configuration.GetSection("Raft").Bind(raft);
        builder.UseSilo(silo =>
        {
            silo.AddRaftKeyValueService();
            silo.UsePlacement(RaftSiloBuilderExtensions.PeerPlacement(raft));
            switch (provider.ToLowerInvariant())
            {
                case "sqlite":
                    silo.AddSqliteGrainStorage("Default", options =>
                    {
                        if (!Path.IsPathRooted(options.Path))
                        {
                            options.Path = Path.GetFullPath(options.Path, Environment.CurrentDirectory);
                        }
                    });
                    break;
                case "memory":
                    silo.AddMemoryGrainStorage("Default");
                    break;
                case "azureblob":
                    // Storage:Default:ConnectionString (UseDevelopmentStorage=true for Azurite), Storage:Default:ContainerName, ...
                    silo.AddAzureBlobGrainStorage("Default");
                    break;
                default:
                    throw new ArgumentException($"Unknown storage provider '{provider}' (Storage:Provider): use Sqlite, Memory or AzureBlob.");
            }
        });
    }
}
