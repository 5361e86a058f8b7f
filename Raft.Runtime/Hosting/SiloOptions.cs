namespace Raft.Runtime.Hosting;

/// <summary>The identity and endpoints of this silo.</summary>
public sealed class SiloOptions
{
    public string SiloName { get; set; } = "silo";

    /// <summary>Address other silos and clients connect to.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port (Orleans' default 11111). 0 picks a free port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port (Orleans' default 30000). 0 picks a free port; -1 disables the gateway.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How long activation (state load + OnActivateAsync) may take.</summary>
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An activation idle this long is deactivated (Orleans' CollectionAge).</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>One member of a statically configured cluster.</summary>
public sealed class SiloEndpoint
{
    public string Name { get; set; } = "";

    public string Host { get; set; } = "127.0.0.1";

    public int SiloPort { get; set; }

    public int GatewayPort { get; set; }

    public override string ToString() => $"{Name}@{Host}:{SiloPort}";
}

/// <summary>
/// The members of the cluster, configured statically (development clustering). Grain placement is a pure
/// function of the grain id and this list, so every silo and client agrees where a grain lives without a
/// distributed directory. An empty list means a single-silo cluster of this silo alone.
/// </summary>
public sealed class ClusterMembershipOptions
{
    public List<SiloEndpoint> Silos { get; set; } = new();
}
