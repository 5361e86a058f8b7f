namespace Raft.Runtime.Serialization;

/// <summary>
/// How a value's body is laid out. It travels in the low three bits of every header so that a reader can
/// skip a value it has no type for (a field added by a newer writer). See the FORMAT comment in WireSerializer.cs.
/// </summary>
public enum WireType : byte
{
    /// <summary>A LEB128 varint (signed integers zigzag-encoded).</summary>
    VarInt = 0,

    /// <summary>Four little-endian bytes.</summary>
    Fixed32 = 1,

    /// <summary>Eight little-endian bytes.</summary>
    Fixed64 = 2,

    /// <summary>A varint n, then n - 1 bytes; n = 0 is null.</summary>
    LengthDelimited = 3,

    /// <summary>A varint field count, then that many values whose headers carry field ids.</summary>
    Object = 4,

    /// <summary>A varint element count, a mode byte, then the elements.</summary>
    Sequence = 5,

    /// <summary>A type tag (length-delimited UTF-8), then one value of the tagged type.</summary>
    Typed = 6,

    /// <summary>No body: a null reference or an empty Nullable.</summary>
    Null = 7,
}
