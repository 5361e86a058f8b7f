namespace Raft.Runtime;

/// <summary>Overrides the grain type name (by default the class name, lower-cased, without a trailing "grain").</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute : Attribute
{
    public GrainTypeAttribute(string grainType) => GrainType = grainType;

    public string GrainType { get; }
}
