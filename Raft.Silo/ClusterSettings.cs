namespace Raft.Silo;

/// <summary>
/// How the silos find each other, bound from the configuration section "Cluster" (failure detection is the
/// sub-section "Cluster:FailureDetection", see <see cref="ClusterConfiguration"/>).
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";

    /// <summary>
    /// Localhost (default): Orleans' development clustering, the membership table held by the primary silo (this one,
    /// unless <see cref="PrimarySiloEndpoint"/> names another); it dies with the primary, so one silo only.
    /// AzureTable: the membership table in Azure Table storage (<see cref="ConnectionString"/>; Azurite on one machine),
    /// which outlives any silo: the mode for several silo processes or machines.
    /// </summary>
    public string Membership { get; set; } = "Localhost";

    /// <summary>Azure Table storage connection string (Membership=AzureTable).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The Azure table holding the membership rows (Orleans' default name).</summary>
    public string TableName { get; set; } = "OrleansSiloInstances";

    /// <summary>Membership=Localhost only: the primary silo's silo endpoint (host:port), when this silo is not it.</summary>
    public string? PrimarySiloEndpoint { get; set; }

    /// <summary>Orleans' ClusterOptions.ClusterId; clients must use the same (raft-client: RAFT_CLUSTER_ID).</summary>
    public string ClusterId { get; set; } = "raft";

    /// <summary>Orleans' ClusterOptions.ServiceId, part of every storage key: keep it stable (raft-client: RAFT_SERVICE_ID).</summary>
    public string ServiceId { get; set; } = "raft";
}
