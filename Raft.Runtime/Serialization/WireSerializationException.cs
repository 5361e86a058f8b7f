namespace Raft.Runtime.Serialization;

/// <summary>
/// A value cannot be serialized (its type is not supported), or a payload cannot be read back (truncated,
/// corrupt, forged, or naming a type this process refuses to create).
/// </summary>
public sealed class WireSerializationException : Exception
{
    public WireSerializationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
