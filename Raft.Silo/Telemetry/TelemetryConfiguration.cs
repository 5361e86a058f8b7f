using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Raft.Grains;

namespace Raft.Silo;

/// <summary>Turns Telemetry:* into OpenTelemetry exporters (nothing at all when both are off).</summary>
internal static class TelemetryConfiguration
{
    /// <summary>The meters exported: ours beside Orleans' runtime meter.</summary>
    public static readonly string[] Meters = [RaftMetrics.MeterName, "Microsoft.Orleans"];

    /// <summary>The activity sources traced: client operations (Raft.Client's KeyValueClientTracing) and Orleans'.</summary>
    public static readonly string[] Sources = ["RaftOrleans", "Microsoft.Orleans.*"];

    public static TelemetrySettings Configure(WebApplicationBuilder builder, WebSettings web, string serviceInstance)
    {
        var telemetry = SiloHostBuilder.Bind<TelemetrySettings>(builder.Configuration, TelemetrySettings.Section);
        var otlp = telemetry.Otlp;
        var prometheus = telemetry.Prometheus;
        Uri? endpoint = null;
        if (otlp.Enabled && !string.IsNullOrWhiteSpace(otlp.Endpoint) && !Uri.TryCreate(otlp.Endpoint, UriKind.Absolute, out endpoint))
        {
            throw new SiloConfigurationException($"Telemetry:Otlp:Endpoint '{otlp.Endpoint}' is not an absolute URI (for example http://127.0.0.1:4317).");
        }
        if (prometheus.Enabled && !web.Enabled)
        {
            throw new SiloConfigurationException("Telemetry:Prometheus:Enabled needs Web:Enabled: the scraping endpoint is served on the web port.");
        }
        if (prometheus.Enabled && !prometheus.Path.StartsWith('/'))
        {
            throw new SiloConfigurationException($"Telemetry:Prometheus:Path '{prometheus.Path}' must start with '/'.");
        }
        if (!otlp.Enabled && !prometheus.Enabled)
        {
            return telemetry;
        }
        var open = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("raft-silo", serviceInstanceId: serviceInstance))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters);
                if (otlp.Enabled)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = endpoint ?? o.Endpoint);
                }
                if (prometheus.Enabled)
                {
                    metrics.AddPrometheusExporter(o => o.ScrapeEndpointPath = prometheus.Path);
                }
            });
        if (otlp.Enabled)
        {
            open.WithTracing(tracing => tracing.AddSource(Sources).AddOtlpExporter(o => o.Endpoint = endpoint ?? o.Endpoint));
        }
        return telemetry;
    }

    public static void Map(WebApplication app, TelemetrySettings telemetry)
    {
        if (telemetry.Prometheus.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(telemetry.Prometheus.Path);
        }
    }
}
