namespace Raft.Runtime;

/// <summary>
/// Marks a class, record or struct as serializable by the wire serializer. Members are the ones with
/// <see cref="IdAttribute"/>; a record's primary constructor parameters count as members with ids in their order.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum, Inherited = false)]
public sealed class GenerateSerializerAttribute : Attribute
{
}

/// <summary>The stable field id of a serialized member. Ids never change once data is on the wire or on disk.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class IdAttribute : Attribute
{
    public IdAttribute(uint id) => Id = id;

    public uint Id { get; }
}

/// <summary>A stable name for a type on the wire, used when the declared type does not fix the runtime type.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface | AttributeTargets.Enum | AttributeTargets.Method, Inherited = false)]
public sealed class AliasAttribute : Attribute
{
    public AliasAttribute(string alias) => Alias = alias;

    public string Alias { get; }
}

/// <summary>
/// The value is never mutated after construction, so calls inside one process may pass it without a deep copy.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Parameter | AttributeTargets.ReturnValue, Inherited = false)]
public sealed class ImmutableAttribute : Attribute
{
}
