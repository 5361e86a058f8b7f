using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Raft.Runtime.Client;

public static class ClusterClientHostingExtensions
{
    /// <summary>Adds a cluster client that connects when the host starts; options bind from the "Client" section.</summary>
    public static IHostApplicationBuilder UseClusterClient(this IHostApplicationBuilder builder, Action<ClusterClientOptions>? configure = null)
    {
        var options = new ClusterClientOptions();
        builder.Configuration.GetSection("Client").Bind(options);
        configure?.Invoke(options);
        builder.Services.AddSingleton(sp => new ClusterClient(options, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<IClusterClient>(sp => sp.GetRequiredService<ClusterClient>());
        builder.Services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ClusterClient>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterClient>());
        return builder;
    }
}
