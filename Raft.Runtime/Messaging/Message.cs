namespace Raft.Runtime.Messaging;

internal enum MessageKind : byte
{
    Request = 1,
    OneWay = 2,
    Response = 3,
    Cancel = 4,
}

internal enum ResponseStatus : byte
{
    Ok = 0,
    /// <summary>The grain method threw; the body holds the serialized exception.</summary>
    Error = 1,
    /// <summary>The target could not take the request (silo stopping, activation killed, unknown grain type, expired).</summary>
    Rejected = 2,
}

/// <summary>
/// One message between grains, silos and clients. Bodies are already serialized, so the same message travels
/// in-process (a test cluster) and over TCP without a second encoding.
/// </summary>
internal sealed class Message
{
    public long Id { get; init; }

    public MessageKind Kind { get; init; }

    public ResponseStatus Status { get; init; }

    public GrainId Target { get; init; }

    /// <summary>The calling grain, or null for calls from outside any grain (a client, the silo host, a test).</summary>
    public GrainId? Source { get; init; }

    /// <summary>Where the response goes: the name of a silo or of a client connection.</summary>
    public string ReplyTo { get; init; } = "";

    /// <summary>The gateway silo a client's request came through; its response goes back the same way.</summary>
    public string? ReplyVia { get; init; }

    public string InterfaceName { get; init; } = "";

    public uint MethodId { get; init; }

    /// <summary>Time the sender will wait for a response; the receiver drops the request once it has passed.</summary>
    public TimeSpan Timeout { get; init; }

    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Set by the receiver on arrival: the local time after which the request is no longer wanted.</summary>
    public long ExpiresAtTimestamp { get; set; }

    public override string ToString() => Kind switch
    {
        MessageKind.Response => $"Response#{Id} {Status} to {ReplyTo}",
        _ => $"{Kind}#{Id} {Source?.ToString() ?? ReplyTo} -> {Target} {InterfaceName}:{MethodId}",
    };
}
