using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Raft.Grains;

namespace Raft.Silo;

/// <summary>
/// Turns configuration into an Orleans silo hosting the Raft key-value service: endpoints and name (Silo:*), cluster
/// identity, membership and failure detection (Cluster:*), the "Default" grain storage (Storage:*), Raft and key-value
/// settings (Raft:*, KeyValue:*, validated when the silo starts).
/// </summary>
public static class SiloHostBuilder
{
    /// <summary>
    /// Configures <paramref name="builder"/>; throws <see cref="SiloConfigurationException"/> for a setting that cannot
    /// work. Returns the external services the silo depends on (storage, membership), for start-up error messages.
    /// </summary>
    public static IReadOnlyList<string> Configure(IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var endpoints = Bind<SiloSettings>(configuration, SiloSettings.Section);
        var cluster = Bind<ClusterSettings>(configuration, ClusterSettings.Section);
        Validate(endpoints);

        var dependencies = new List<string>();
        builder.UseOrleans(silo =>
        {
            if (ClusterConfiguration.Configure(silo, configuration, endpoints, cluster) is { } membership)
            {
                dependencies.Add(membership);
            }
            if (StorageConfiguration.AddDefaultStorage(silo, configuration) is { } storage)
            {
                dependencies.Add(storage);
            }
            silo.AddRaftKeyValueService();
        });
        builder.Services.AddHostedService<MembershipChangeLogger>();
        return dependencies;
    }

    /// <summary>Binds a settings section; a value the binder cannot convert is a <see cref="SiloConfigurationException"/> naming it.</summary>
    internal static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var settings = new T();
        try
        {
            configuration.GetSection(section).Bind(settings);
        }
        catch (InvalidOperationException exception)
        {
            // The binder names the key and the value it could not convert.
            throw new SiloConfigurationException($"{section}: {exception.Message}", exception);
        }
        return settings;
    }

    private static void Validate(SiloSettings endpoints)
    {
        if (string.IsNullOrWhiteSpace(endpoints.SiloName))
        {
            throw new SiloConfigurationException("Silo:SiloName must not be empty.");
        }
        if (endpoints.SiloPort is <= 0 or > 65535 || endpoints.GatewayPort is <= 0 or > 65535 || endpoints.SiloPort == endpoints.GatewayPort)
        {
            throw new SiloConfigurationException(
                $"Silo:SiloPort ({endpoints.SiloPort}) and Silo:GatewayPort ({endpoints.GatewayPort}) must be distinct TCP ports (1-65535).");
        }
    }
}
