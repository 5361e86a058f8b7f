using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Raft.Persistence.AzureStorage;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Hosting;

/// <summary>Registers <see cref="AzureBlobGrainStorage"/> with a silo, as Orleans' AddAzureBlobGrainStorage.</summary>
public static class AzureBlobSiloBuilderExtensions
{
    /// <summary>
    /// Registers an Azure Blob grain storage provider named <paramref name="name"/>. Options bind from the configuration
    /// section "Storage:{name}" (ConnectionString, ContainerName, RequestTimeout, MaxRetries, DeleteStateOnClear, ...) and
    /// then <paramref name="configure"/>. The provider uses the silo's <see cref="IGrainStorageSerializer"/>, logger and
    /// <see cref="TimeProvider"/>. The container is created at silo start, so a refused key or an endpoint that does not
    /// answer fails the start with an error naming the account, container and endpoint.
    /// A missing or malformed connection string, or an invalid option, throws <see cref="ArgumentException"/> here.
    /// </summary>
    public static ISiloBuilder AddAzureBlobGrainStorage(this ISiloBuilder builder, string name = "Default", Action<AzureBlobStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var section = $"Storage:{name}";
        var options = new AzureBlobStorageOptions();
        builder.Configuration.GetSection(section).Bind(options);
        configure?.Invoke(options);
        Validate(name, section, options);

        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (services, _) => new AzureBlobGrainStorage(
            options,
            services.GetRequiredService<IGrainStorageSerializer>(),
            services.GetService<ILogger<AzureBlobGrainStorage>>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System));
        builder.Services.AddSingleton<IGrainStorageInitializer>(services =>
            new AzureBlobStorageInitializer(name, (AzureBlobGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(name)));
        return builder;
    }

    private static void Validate(string name, string section, AzureBlobStorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException(
                $"Azure Blob grain storage '{name}' has no connection string: set {section}:ConnectionString " +
                "(a Shared Key connection string, or UseDevelopmentStorage=true for a local Azurite).");
        }
        try
        {
            options.Validate();
            AzureStorageConnectionString.Parse(options.ConnectionString);
        }
        catch (ArgumentException e)
        {
            // The inner messages never include the account key.
            throw new ArgumentException($"Azure Blob grain storage '{name}' ({section}): {e.Message}", e);
        }
    }

    private sealed class AzureBlobStorageInitializer(string name, AzureBlobGrainStorage storage) : IGrainStorageInitializer
    {
        public async Task InitializeAsync(CancellationToken cancellationToken)
        {
            try
            {
                await storage.InitializeAsync(cancellationToken);
            }
            catch (GrainStorageException e)
            {
                throw new GrainStorageException($"Grain storage '{name}' (Azure Blob) could not start: {e.Message}", e);
            }
        }
    }
}
