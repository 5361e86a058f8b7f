namespace Raft.Simulation.Linearizability;

/// <summary>The operations of the versioned key-value service (6.5840 2025).</summary>
public enum VersionedKvOp
{
    Get,
    Put,
}

/// <summary>
/// One request to the versioned key-value service: Get(key), or Put(key, value, version), which applies only
/// when <paramref name="Version"/> equals the key's current version (0 for a missing key, which creates it).
/// </summary>
public sealed record VersionedKvInput(VersionedKvOp Op, string Key, string Value = "", ulong Version = 0)
{
    public static VersionedKvInput Get(string key) => new(VersionedKvOp.Get, key);

    public static VersionedKvInput Put(string key, string value, ulong version) => new(VersionedKvOp.Put, key, value, version);
}
