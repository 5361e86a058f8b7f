namespace Raft.Silo;

/// <summary>
/// Where this silo listens and what it is called, bound from the configuration section "Silo". The name is what
/// Raft:PeerSilos refers to, so every silo of a cluster needs its own.
/// </summary>
public sealed class SiloSettings
{
    public const string Section = "Silo";

    public string SiloName { get; set; } = "silo0";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port (raft-client --gateway host:port).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The address other silos and clients reach this silo at (written to the membership table). Loopback suits one
    /// machine; with several machines, give each silo its own reachable address (it then listens on every interface).
    /// </summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";
}
