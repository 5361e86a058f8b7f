using Raft.Grains.Interfaces;

namespace Raft.Grains.Protocol;

/// <summary>
/// One Raft peer's protocol state machine (Raft paper, Figure 2 and §5.4; snapshots per Figure 13). Pure: no I/O, no
/// clock, no tasks, no randomness. The driver feeds it RPCs, replies, timeouts and proposals, sends what it returns,
/// persists <see cref="TakeUnpersisted"/> before replying, and applies committed entries itself (lastApplied lives there).
/// Not thread-safe: call it from one turn at a time.
/// </summary>
public sealed partial class RaftNode
{
    private readonly RaftLog _log;
    private readonly string[] _peers;
    private readonly Dictionary<string, FollowerProgress> _progress;
    private readonly HashSet<string> _votesReceived = [];
    private readonly HashSet<string> _preVotesReceived = [];

    /// <summary>The term of the pre-vote under way (CurrentTerm + 1), or 0: none, or it ended (won, or a leader or term seen).</summary>
    private long _preVoteTerm;

    /// <summary>
    /// A fresh peer with empty state. <paramref name="members"/> lists every peer of the group, this one included;
    /// <paramref name="limits"/> bound what a leader sends each follower (default <see cref="ReplicationLimits.Default"/>).
    /// </summary>
    public RaftNode(string id, IEnumerable<string> members, ReplicationLimits? limits = null)
        : this(id, members, DurableState.Empty, limits, incarnation: 0)
    {
    }

    private RaftNode(string id, IEnumerable<string> members, DurableState state, ReplicationLimits? limits, long incarnation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(incarnation);
        Incarnation = incarnation;
        ArgumentException.ThrowIfNullOrEmpty(id);
        Limits = limits ?? ReplicationLimits.Default;
        Limits.Validate();
        var all = members.ToArray();
        if (all.Distinct(StringComparer.Ordinal).Count() != all.Length)
        {
            throw new ArgumentException("Group members must be distinct.", nameof(members));
        }
        if (!all.Contains(id, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Group members must include this peer '{id}'.", nameof(members));
        }
        Id = id;
        _peers = all.Where(member => member != id).ToArray();
        _progress = _peers.ToDictionary(peer => peer, _ => new FollowerProgress(1, Limits), StringComparer.Ordinal);

        var snapshot = state.Snapshot;
        _log = new RaftLog(
            snapshot?.Index ?? 0,
            snapshot?.Term ?? 0,
            state.Entries.Where(entry => entry.Index > (snapshot?.Index ?? 0)));
        SnapshotData = snapshot?.Data;
        CurrentTerm = state.HardState.CurrentTerm;
        VotedFor = state.HardState.VotedFor;
        // Only the snapshot is known to be committed after a restart; the commit index is relearned from the leader.
        CommitIndex = _log.SnapshotIndex;
        // Everything restored came from storage, so it is durable.
        LocalDurableIndex = _log.LastIndex;
    }

    /// <summary>
    /// Rebuilds a peer from what it persisted before a crash or deactivation. <paramref name="incarnation"/> names this
    /// life of the peer in its replies (<see cref="Incarnation"/>); each restart should pass a larger one.
    /// </summary>
    public static RaftNode Restore(string id, IEnumerable<string> members, DurableState state, ReplicationLimits? limits = null, long incarnation = 0) =>
        new(id, members, state, limits, incarnation);

    public string Id { get; }

    /// <summary>
    /// This life of the peer, sent in its AppendEntries and InstallSnapshot replies; larger after every restart (0: not
    /// told). A leader that hears a larger one than before knows the follower restarted and lost what was in flight.
    /// </summary>
    public long Incarnation { get; }

    public ReplicationLimits Limits { get; }

    /// <summary>The other members of the group.</summary>
    public IReadOnlyList<string> Peers => _peers;

    public RaftRole Role { get; private set; } = RaftRole.Follower;

    public bool IsLeader => Role == RaftRole.Leader;

    public long CurrentTerm { get; private set; }

    public string? VotedFor { get; private set; }

    /// <summary>The leader of <see cref="CurrentTerm"/> as far as this peer knows (itself when leader), or null.</summary>
    public string? LeaderId { get; private set; }

    public long CommitIndex { get; private set; }

    public IReadOnlyRaftLog Log => _log;

    public long SnapshotIndex => _log.SnapshotIndex;

    public long SnapshotTerm => _log.SnapshotTerm;

    /// <summary>The service's latest snapshot (null before the first one); sent to followers that fell behind it.</summary>
    public byte[]? SnapshotData { get; private set; }

    /// <summary>The number of votes, this node's included, that a decision needs.</summary>
    public int Quorum => (_peers.Length + 1) / 2 + 1;

    /// <summary>
    /// Replication progress per follower. Meaningful only while <see cref="IsLeader"/>; reset on every election win.
    /// </summary>
    public IReadOnlyDictionary<string, PeerProgress> Progress =>
        _progress.ToDictionary(entry => entry.Key, entry => entry.Value.ToView(), StringComparer.Ordinal);

    public PeerProgress ProgressOf(string peer) => ProgressFor(peer).ToView();

    public RaftStatus ToStatus(long lastApplied) =>
        new(Id, CurrentTerm, IsLeader, Role.ToString(), LeaderId, CommitIndex, lastApplied,
            _log.LastIndex, _log.LastTerm, _log.SnapshotIndex, _log.SnapshotTerm);

    /// <summary>Any message with a higher term makes this node a follower in that term with no vote yet (Figure 2, all servers).</summary>
    private void AdoptHigherTerm(long term)
    {
        CurrentTerm = term;
        VotedFor = null;
        LeaderId = null;
        Role = RaftRole.Follower;
        _votesReceived.Clear();
        _preVoteTerm = 0;
        MarkHardStateDirty();
    }

    /// <summary>Called on a valid AppendEntries / InstallSnapshot of the current term: a candidate yields to the leader.</summary>
    private void FollowLeader(string leaderId)
    {
        if (Role == RaftRole.Leader)
        {
            // Two leaders in one term would break election safety: a bug or misconfigured ids, never a protocol path.
            throw new InvalidOperationException(
                $"'{Id}' is leader of term {CurrentTerm} and received a leader message of the same term from '{leaderId}'.");
        }
        Role = RaftRole.Follower;
        LeaderId = leaderId;
        _votesReceived.Clear();
        _preVoteTerm = 0; // a leader is heard: the pre-vote under way is over
    }

    private void BecomeLeader()
    {
        Role = RaftRole.Leader;
        LeaderId = Id;
        _votesReceived.Clear();
        // Figure 2: nextIndex optimistic (just past our log), matchIndex proven from nothing; the first exchange
        // (a heartbeat at NextIndex - 1, or an append) probes where the follower's log matches.
        foreach (var peer in _peers)
        {
            _progress[peer] = new FollowerProgress(_log.LastIndex + 1, Limits);
        }
        // No no-op entry here: the 6.5840 tests count indexes. A driver that wants one proposes it.
        TryAdvanceCommitIndex();
    }

    private FollowerProgress ProgressFor(string peer) =>
        _progress.TryGetValue(peer, out var progress)
            ? progress
            : throw new ArgumentException($"'{peer}' is not a peer of '{Id}'.", nameof(peer));
}
