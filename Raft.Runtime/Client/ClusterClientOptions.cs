namespace Raft.Runtime.Client;

/// <summary>How a cluster client finds the cluster.</summary>
public sealed class ClusterClientOptions
{
    /// <summary>Gateway endpoints as "host:port"; the client uses the first that answers and fails over to the others.</summary>
    public List<string> Gateways { get; set; } = new() { "127.0.0.1:30000" };

    /// <summary>How long connecting may take before the client gives up with a clear error.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public MessagingOptions Messaging { get; set; } = new();
}
