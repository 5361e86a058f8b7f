namespace Raft.Simulation.Linearizability;

/// <summary>The errors of the versioned key-value service as the client returns them (rpc.Err).</summary>
public enum VersionedKvErr
{
    Ok,

    /// <summary>Get of a missing key; Put with a version &gt; 0 to a missing key.</summary>
    ErrNoKey,

    /// <summary>Put whose version did not match, answered to the first transmission.</summary>
    ErrVersion,

    /// <summary>Put answered ErrVersion on a retransmission: an earlier transmission may have applied it.</summary>
    ErrMaybe,
}

/// <summary>
/// The reply of the versioned key-value service: a Get's value and version with <see cref="VersionedKvErr.Ok"/>
/// (or <see cref="VersionedKvErr.ErrNoKey"/>), or a Put's error. <see cref="Unknown"/> marks an operation whose
/// outcome the client never learned (see <see cref="Operation{TInput, TOutput}"/>).
/// </summary>
public sealed record VersionedKvOutput(VersionedKvErr Err, string Value = "", ulong Version = 0, bool IsUnknown = false)
{
    /// <summary>A Get that found the key.</summary>
    public static VersionedKvOutput Found(string value, ulong version) => new(VersionedKvErr.Ok, value, version);

    /// <summary>A Get of a missing key.</summary>
    public static VersionedKvOutput NoKey { get; } = new(VersionedKvErr.ErrNoKey);

    /// <summary>A Put's reply.</summary>
    public static VersionedKvOutput Reply(VersionedKvErr err) => new(err);

    /// <summary>No reply: the operation may or may not have taken effect, and a Get may have read anything.</summary>
    public static VersionedKvOutput Unknown { get; } = new(VersionedKvErr.ErrMaybe, IsUnknown: true);
}
