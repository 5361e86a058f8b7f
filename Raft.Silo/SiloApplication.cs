using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Raft.Silo;

/// <summary>
/// Builds the silo: Orleans with the Raft key-value service (<see cref="SiloHostBuilder"/>), its web pages
/// (<see cref="SiloWebHost"/>) and telemetry (<see cref="TelemetryConfiguration"/>), from appsettings.json, RAFT_
/// environment variables and the command line. Program runs it; tests build the same silo in process.
/// </summary>
public static class SiloApplication
{
    /// <param name="configure">Runs last before the host is built (tests add call filters here).</param>
    /// <returns>The application, and the external services it depends on (for start-up error messages).</returns>
    /// <exception cref="SiloConfigurationException">A setting that cannot work.</exception>
    public static (WebApplication App, IReadOnlyList<string> Dependencies) Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Added after the defaults, so RAFT_ variables override appsettings.json and the command line overrides both.
        builder.Configuration.AddEnvironmentVariables("RAFT_");
        builder.Configuration.AddCommandLine(args);
        var dependencies = SiloHostBuilder.Configure(builder);
        var web = SiloWebHost.Configure(builder);
        var telemetry = TelemetryConfiguration.Configure(builder, web, builder.Configuration[$"{SiloSettings.Section}:{nameof(SiloSettings.SiloName)}"] ?? "silo0");
        configure?.Invoke(builder);
        var app = builder.Build();
        SiloWebHost.Map(app, web);
        TelemetryConfiguration.Map(app, telemetry);
        return (app, dependencies);
    }
}
