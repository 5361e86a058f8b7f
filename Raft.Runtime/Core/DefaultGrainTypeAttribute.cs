namespace Raft.Runtime;

/// <summary>
/// Names the grain type that implements a grain interface, for callers (such as a remote client) that do not
/// load the grain classes. Without it the convention is the interface name without the leading "I" and the
/// trailing "Grain", lower-cased: IRaftPeerGrain → "raftpeer", which matches the class RaftPeerGrain.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class DefaultGrainTypeAttribute : Attribute
{
    public DefaultGrainTypeAttribute(string grainType) => GrainType = grainType;

    public string GrainType { get; }
}
