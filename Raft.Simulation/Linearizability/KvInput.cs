namespace Raft.Simulation.Linearizability;

/// <summary>The operations of the string key-value service (6.5840 2024 style, plus Delete).</summary>
public enum KvOp
{
    Get,
    Put,
    Append,
    Delete,
}

/// <summary>One request to the string key-value service. <paramref name="Value"/> is empty for Get and Delete.</summary>
public sealed record KvInput(KvOp Op, string Key, string Value = "")
{
    public static KvInput Get(string key) => new(KvOp.Get, key);

    public static KvInput Put(string key, string value) => new(KvOp.Put, key, value);

    public static KvInput Append(string key, string value) => new(KvOp.Append, key, value);

    public static KvInput Delete(string key) => new(KvOp.Delete, key);
}
