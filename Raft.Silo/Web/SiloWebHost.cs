using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;

namespace Raft.Silo;

/// <summary>The silo's HTTP side (Web:*): where Kestrel listens, the Orleans dashboard and the Raft status page.</summary>
internal static class SiloWebHost
{
    public static WebSettings Configure(WebApplicationBuilder builder)
    {
        var web = SiloHostBuilder.Bind<WebSettings>(builder.Configuration, WebSettings.Section);
        if (!web.Enabled)
        {
            builder.Services.AddSingleton<IServer, NoHttpServer>();
            return web;
        }
        var address = ParseHost(web.Host);
        if (web.Port is <= 0 or > 65535)
        {
            throw new SiloConfigurationException($"Web:Port ({web.Port}) must be a TCP port (1-65535).");
        }
        if (web.StatusInterval <= TimeSpan.Zero)
        {
            throw new SiloConfigurationException($"Web:StatusInterval ({web.StatusInterval}) must be positive.");
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (address is null)
            {
                kestrel.ListenLocalhost(web.Port);
            }
            else
            {
                kestrel.Listen(address, web.Port);
            }
        });
        if (web.Dashboard)
        {
            builder.UseOrleans(silo => silo.AddDashboard());
        }
        builder.Services.AddRaftStatusPage(web.StatusInterval);
        return web;
    }

    public static void Map(WebApplication app, WebSettings web)
    {
        if (!web.Enabled)
        {
            return;
        }
        if (web.Dashboard)
        {
            app.MapOrleansDashboard(routePrefix: "/dashboard");
        }
        app.MapRaftStatusPage();
    }

    /// <summary>An IP address, or null for "localhost" (Kestrel then listens on both loopback addresses).</summary>
    private static IPAddress? ParseHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return IPAddress.TryParse(host, out var address)
            ? address
            : throw new SiloConfigurationException($"Web:Host '{host}' is not an IP address or 'localhost'.");
    }
}
