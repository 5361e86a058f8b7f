namespace Raft.Simulation.Linearizability;

/// <summary>
/// The operations of the versioned key-value service: the 2025 course's Get and conditional put
/// (<see cref="PutIfVersion"/>), and this repository's service's unconditional <see cref="Put"/>, <see cref="Append"/>
/// and <see cref="Delete"/>, which bump the version (or, for Delete, remove the key) as its KvStore does.
/// </summary>
public enum VersionedKvOp
{
    Get,

    /// <summary>The course's Put(key, value, version): applies only at the given version.</summary>
    PutIfVersion,

    /// <summary>Sets the value whatever the version; the version goes up by one (to 1 for a missing key).</summary>
    Put,

    /// <summary>Appends to the value ("" for a missing key); the version goes up by one.</summary>
    Append,

    /// <summary>Removes the key: it is missing again, version 0.</summary>
    Delete,
}

/// <summary>
/// One request to the versioned key-value service. <paramref name="Value"/> is empty for Get and Delete;
/// <paramref name="Version"/> is the expected version of a <see cref="VersionedKvOp.PutIfVersion"/> (0 for a missing
/// key, which creates it) and 0 otherwise.
/// </summary>
public sealed record VersionedKvInput(VersionedKvOp Op, string Key, string Value = "", ulong Version = 0)
{
    public static VersionedKvInput Get(string key) => new(VersionedKvOp.Get, key);

    public static VersionedKvInput PutIfVersion(string key, string value, ulong version) => new(VersionedKvOp.PutIfVersion, key, value, version);

    public static VersionedKvInput Put(string key, string value) => new(VersionedKvOp.Put, key, value);

    public static VersionedKvInput Append(string key, string value) => new(VersionedKvOp.Append, key, value);

    public static VersionedKvInput Delete(string key) => new(VersionedKvOp.Delete, key);
}
