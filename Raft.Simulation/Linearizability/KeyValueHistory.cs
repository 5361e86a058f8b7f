using Raft.Grains.Interfaces;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Translates between the key-value service's requests and replies and the versioned model's operations, so that a
/// history records everything the service answered (values and versions), not just that it answered.
/// </summary>
public static class KeyValueHistory
{
    /// <summary>The service request for <paramref name="input"/>.</summary>
    public static KvOperation ToOperation(VersionedKvInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Op switch
        {
            VersionedKvOp.Get => new KvGet(input.Key),
            VersionedKvOp.Put => new KvPut(input.Key, input.Value),
            VersionedKvOp.Append => new KvAppend(input.Key, input.Value),
            VersionedKvOp.Delete => new KvDelete(input.Key),
            VersionedKvOp.PutIfVersion => new KvPutIfVersion(input.Key, input.Value, checked((long)input.Version)),
            _ => throw new ArgumentOutOfRangeException(nameof(input), input.Op, "Unknown versioned KV operation."),
        };
    }

    /// <summary>
    /// What the service's <paramref name="response"/> (Ok, NoKey or VersionMismatch, as KeyValueClient returns them)
    /// says about <paramref name="input"/>, for the history.
    /// </summary>
    /// <exception cref="InvalidOperationException">A status the client never returns for a completed operation.</exception>
    public static VersionedKvOutput ToOutput(VersionedKvInput input, KvResponse response)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(response);
        var version = checked((ulong)response.Version);
        return (input.Op, response.Status) switch
        {
            (VersionedKvOp.Get, KvStatus.Ok) => VersionedKvOutput.Found(response.Value ?? "", version),
            (VersionedKvOp.Get or VersionedKvOp.PutIfVersion, KvStatus.NoKey) => VersionedKvOutput.NoKey,
            (VersionedKvOp.Put or VersionedKvOp.PutIfVersion, KvStatus.Ok) => VersionedKvOutput.Written(version),
            (VersionedKvOp.Append, KvStatus.Ok) => VersionedKvOutput.Appended(response.Value ?? "", version),
            (VersionedKvOp.Delete, KvStatus.Ok) => VersionedKvOutput.Deleted,
            (VersionedKvOp.PutIfVersion, KvStatus.VersionMismatch) => VersionedKvOutput.Conflict(response.Value ?? "", version),
            _ => throw new InvalidOperationException($"{input.Op} answered {response.Status}, which the service never answers to it."),
        };
    }
}
