using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>
/// The service a Raft peer delivers committed entries and snapshots to, in log order, exactly once per
/// activation (the 6.5840 apply channel). It runs co-located with its peer, called from the peer's applier
/// outside the protocol turn; it may call <see cref="IRaftPeerControl.SnapshotAsync"/> from inside
/// <see cref="ApplyAsync"/> (the 6.5840 tests do, every 10 entries).
/// </summary>
public interface IRaftStateMachine
{
    Task ApplyAsync(ApplyMsg message, IRaftPeerControl peer);

    /// <summary>
    /// Delivers consecutive committed entries (never a snapshot) in one call, so that a state machine can apply them
    /// under one lock and answer their requests together. The default applies them one by one. An exception counts
    /// every entry of the batch as delivered (redelivering would break exactly-once for what it did change).
    /// </summary>
    async Task ApplyBatchAsync(IReadOnlyList<ApplyMsg> messages, IRaftPeerControl peer)
    {
        foreach (var message in messages)
        {
            await ApplyAsync(message, peer);
        }
    }
}

/// <summary>What a state machine may ask of its own peer while applying.</summary>
public interface IRaftPeerControl
{
    /// <summary>The peer's id, e.g. "kv/1".</summary>
    string PeerId { get; }

    /// <summary>The service has a snapshot covering everything up to <paramref name="index"/>; trim the log.</summary>
    Task SnapshotAsync(long index, byte[] snapshot);

    /// <summary>Bytes of persisted Raft state (hard state and log), to decide when to snapshot.</summary>
    long PersistedSize { get; }
}

/// <summary>Creates the state machine of each peer activation; registered in the silo's services.</summary>
public interface IRaftStateMachineFactory
{
    IRaftStateMachine Create(string peerId);
}
