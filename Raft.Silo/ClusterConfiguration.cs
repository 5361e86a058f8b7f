using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Raft.Silo;

/// <summary>
/// Endpoints, cluster identity, membership (Cluster:Membership = Localhost | AzureTable) and failure detection.
/// </summary>
public static class ClusterConfiguration
{
    public const string MembershipKey = "Cluster:Membership";
    public const string ConnectionStringKey = "Cluster:ConnectionString";
    public const string FailureDetectionSection = "Cluster:FailureDetection";

    /// <summary>Configures the silo and returns what its membership talks to, for error messages (null when in-process).</summary>
    public static string? Configure(ISiloBuilder silo, IConfiguration configuration, SiloSettings endpoints, ClusterSettings cluster)
    {
        silo.Configure<SiloOptions>(o => o.SiloName = endpoints.SiloName);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            ApplyFailureDetectionDefaults(o);
            configuration.GetSection(FailureDetectionSection).Bind(o);
        });

        switch (cluster.Membership.ToLowerInvariant())
        {
            case "localhost":
                // Development clustering: the membership table lives in the primary silo, so it cannot outlive it.
                var primary = cluster.PrimarySiloEndpoint is { } text ? ParseEndpoint(text, "Cluster:PrimarySiloEndpoint") : null;
                silo.UseLocalhostClustering(endpoints.SiloPort, endpoints.GatewayPort, primary, cluster.ServiceId, cluster.ClusterId);
                return null;

            case "azuretable":
                var client = CreateTableServiceClient(cluster.ConnectionString);
                silo.UseAzureStorageClustering(o =>
                {
                    o.TableServiceClient = client;
                    o.TableName = cluster.TableName;
                });
                var advertised = ResolveAdvertisedAddress(endpoints.AdvertisedHost);
                // On loopback, listen where we advertise; any other address is a multi-machine set-up: listen on every interface.
                silo.ConfigureEndpoints(advertised, endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
                return $"Azure Table membership at {client.Uri} table {cluster.TableName} ({ConnectionStringKey})";

            default:
                throw new SiloConfigurationException($"{MembershipKey}: unknown membership '{cluster.Membership}'; use Localhost or AzureTable.");
        }
    }

    /// <summary>
    /// Failure detection tuned so that a silo killed with kill -9 is declared dead within a few seconds (Orleans' defaults
    /// take 15 s or more, and a Raft peer on that silo's group then waits that long for calls to stop going there):
    /// <list type="bullet">
    /// <item>ProbeTimeout 1 s (Orleans adapts it per silo between MinProbeTimeout 0.5 s and MaxProbeTimeout 2 s): a killed
    /// process refuses connections at once, so a probe fails fast; a live one on a loaded machine answers well within 1 s.</item>
    /// <item>NumMissedProbesLimit 2: two missed probes in a row make a silo suspect (one could be a GC pause).</item>
    /// <item>NumVotesForDeathDeclaration 2: two silos must agree (Orleans needs fewer when fewer silos are active).</item>
    /// <item>TableRefreshTimeout 2 s: a silo that missed the gossip reads the verdict from the table soon after.</item>
    /// <item>IAmAliveTablePublishTimeout 5 s: the heartbeat column joining silos use to ignore stale entries.</item>
    /// </list>
    /// Any of them can be overridden under Cluster:FailureDetection (for example Cluster:FailureDetection:ProbeTimeout=00:00:02).
    /// </summary>
    public static void ApplyFailureDetectionDefaults(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.MinProbeTimeout = TimeSpan.FromMilliseconds(500);
        o.MaxProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 2;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }

    private static TableServiceClient CreateTableServiceClient(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new SiloConfigurationException(
                $"{ConnectionStringKey} is required with {MembershipKey}=AzureTable (an Azure Storage connection string; Azurite's table service on one machine).");
        }
        try
        {
            return new TableServiceClient(connectionString, AzureClientDefaults.Apply(new TableClientOptions()));
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new SiloConfigurationException($"{ConnectionStringKey} is not a valid Azure Storage connection string: {exception.Message}", exception);
        }
    }

    private static IPAddress ResolveAdvertisedAddress(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                ?? throw new SiloConfigurationException($"Silo:AdvertisedHost '{host}' has no IPv4 address.");
        }
        catch (System.Net.Sockets.SocketException exception)
        {
            throw new SiloConfigurationException($"Silo:AdvertisedHost '{host}' cannot be resolved: {exception.Message}", exception);
        }
    }

    private static IPEndPoint ParseEndpoint(string text, string setting) =>
        IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new SiloConfigurationException($"{setting}: '{text}' is not an IP address and port (127.0.0.1:11111).");
}
