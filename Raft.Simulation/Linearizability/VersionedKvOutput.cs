namespace Raft.Simulation.Linearizability;

/// <summary>The errors of the versioned key-value service as the client returns them (rpc.Err).</summary>
public enum VersionedKvErr
{
    Ok,

    /// <summary>Get of a missing key; Put with a version &gt; 0 to a missing key.</summary>
    ErrNoKey,

    /// <summary>
    /// Put whose version did not match, answered to the first transmission. This repository's service also reports
    /// the key's current value and version with it (<see cref="VersionedKvOutput.Conflict"/>).
    /// </summary>
    ErrVersion,

    /// <summary>Put answered ErrVersion on a retransmission: an earlier transmission may have applied it.</summary>
    ErrMaybe,
}

/// <summary>
/// The reply of the versioned key-value service: a Get's value and version with <see cref="VersionedKvErr.Ok"/>
/// (or <see cref="VersionedKvErr.ErrNoKey"/>), a write's new version (and an Append's new value), or a conditional
/// put's error. <see cref="Version"/> 0 on a conditional put's reply means the service did not report one (the
/// course's does not). <see cref="Unknown"/> marks an operation whose outcome the client never learned (see
/// <see cref="Operation{TInput, TOutput}"/>).
/// </summary>
public sealed record VersionedKvOutput(VersionedKvErr Err, string Value = "", ulong Version = 0, bool IsUnknown = false)
{
    /// <summary>A Get that found the key.</summary>
    public static VersionedKvOutput Found(string value, ulong version) => new(VersionedKvErr.Ok, value, version);

    /// <summary>A Get of a missing key.</summary>
    public static VersionedKvOutput NoKey { get; } = new(VersionedKvErr.ErrNoKey);

    /// <summary>A conditional put's reply, without value or version (the course's service).</summary>
    public static VersionedKvOutput Reply(VersionedKvErr err) => new(err);

    /// <summary>A Put, or a conditional put that applied, reporting the key's new version.</summary>
    public static VersionedKvOutput Written(ulong version) => new(VersionedKvErr.Ok, Version: version);

    /// <summary>An Append, reporting the key's new value and version.</summary>
    public static VersionedKvOutput Appended(string value, ulong version) => new(VersionedKvErr.Ok, value, version);

    /// <summary>A conditional put refused because the key exists at another version, reporting its current value and version.</summary>
    public static VersionedKvOutput Conflict(string value, ulong version) => new(VersionedKvErr.ErrVersion, value, version);

    /// <summary>A Delete's reply.</summary>
    public static VersionedKvOutput Deleted { get; } = new(VersionedKvErr.Ok);

    /// <summary>No reply: the operation may or may not have taken effect, and a Get may have read anything.</summary>
    public static VersionedKvOutput Unknown { get; } = new(VersionedKvErr.ErrMaybe, IsUnknown: true);
}
