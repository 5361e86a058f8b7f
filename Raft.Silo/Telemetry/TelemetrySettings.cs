namespace Raft.Silo;

/// <summary>
/// OpenTelemetry export, bound from the configuration section "Telemetry"; both exporters are off by default. What
/// is exported: the meters "RaftOrleans" (Raft.Grains' RaftMetrics) and "Microsoft.Orleans" (the runtime's), and with
/// OTLP also traces of the sources "RaftOrleans" and "Microsoft.Orleans.*".
/// </summary>
public sealed class TelemetrySettings
{
    public const string Section = "Telemetry";

    public OtlpSettings Otlp { get; set; } = new();

    public PrometheusSettings Prometheus { get; set; } = new();

    public sealed class OtlpSettings
    {
        public bool Enabled { get; set; }

        /// <summary>The collector (gRPC, for example http://127.0.0.1:4317); empty uses OTEL_EXPORTER_OTLP_ENDPOINT or the OTLP default.</summary>
        public string? Endpoint { get; set; }
    }

    public sealed class PrometheusSettings
    {
        /// <summary>Serves the scraping endpoint on the silo's web port (needs Web:Enabled).</summary>
        public bool Enabled { get; set; }

        public string Path { get; set; } = "/metrics";
    }
}
