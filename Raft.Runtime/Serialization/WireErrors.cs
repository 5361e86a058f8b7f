namespace Raft.Runtime.Serialization;

/// <summary>
/// Builds the exceptions thrown while reading. Kept out of line so the hot read methods stay small enough to inline.
/// </summary>
internal static class WireErrors
{
    public static WireSerializationException Truncated(int needed, int remaining) =>
        new($"Malformed payload: needed {needed} more byte(s) but only {remaining} remain.");

    public static WireSerializationException Malformed(string detail) => new($"Malformed payload: {detail}");

    public static WireSerializationException UnexpectedWireType(Type type, WireType expected, WireType actual) =>
        new($"Malformed payload: expected wire type {expected} for {TypeNames.Display(type)} but found {actual}.");

    public static WireSerializationException UnexpectedWireType(Type type, WireType actual) =>
        new($"Malformed payload: wire type {actual} cannot hold a {TypeNames.Display(type)}.");

    public static WireSerializationException TooDeep() =>
        new($"Values nest deeper than {WireLimits.MaxDepth} levels (a cyclic object graph, or a forged payload).");
}

/// <summary>Bounds that keep a forged payload from exhausting the stack or memory.</summary>
internal static class WireLimits
{
    /// <summary>
    /// Nested objects, sequences and typed values. Each level costs a few stack frames, on both writing and
    /// reading (and skipping), so this keeps well inside the smallest thread-pool stack.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Longest type tag accepted from the wire, in UTF-8 bytes.</summary>
    public const int MaxTagBytes = 512;
}
