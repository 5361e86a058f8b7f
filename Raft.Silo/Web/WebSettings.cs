namespace Raft.Silo;

/// <summary>
/// The silo's HTTP endpoint, bound from the configuration section "Web": the Orleans dashboard at /dashboard, the Raft
/// page at /raft (with /raft/status.json) and, when switched on, Prometheus' /metrics. Loopback only by default: the
/// pages carry no authentication of their own (README, "Pages and metrics").
/// </summary>
public sealed class WebSettings
{
    public const string Section = "Web";

    /// <summary>Off: the silo opens no HTTP port at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address to listen on: an IP address (127.0.0.1, ::1, 0.0.0.0 for every interface) or "localhost".</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8080;

    /// <summary>Off: no Orleans dashboard (its grain-call profiling filter is then not installed either).</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>How often the silo asks every peer for its status, for the /raft page and its leader timeline.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(1);
}
