namespace Raft.Grains.Protocol;

/// <summary>How the leader sends to one follower (etcd raft's progress states).</summary>
public enum ReplicationState
{
    /// <summary>
    /// The leader does not know where the follower's log matches its own: one append in flight at a time, and
    /// nothing more until it is answered or lost (a rejection backs NextIndex off and sends the next probe).
    /// </summary>
    Probe,

    /// <summary>
    /// The follower accepted the last probe: appends go out optimistically from NextIndex, several at a time, up to
    /// the in-flight window (<see cref="ReplicationLimits"/>). A rejection or a lost append falls back to Probe.
    /// </summary>
    Replicate,

    /// <summary>The follower needs entries the leader compacted: one InstallSnapshot in flight, no appends.</summary>
    Snapshot,
}
