namespace Raft.Simulation.Linearizability;

/// <summary>One key's state in <see cref="VersionedKvModel"/>: version 0 means the key does not exist.</summary>
public readonly record struct VersionedValue(string Value, ulong Version)
{
    public static VersionedValue Missing { get; } = new("", 0);

    public bool Exists => Version != 0;
}
