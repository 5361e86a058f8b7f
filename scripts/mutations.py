"""The planted bugs of scripts/mutate.sh, all in this one table.

Each mutation is an exact-text replacement in one file: `old` must occur exactly once in that file of the scratch
copy, otherwise the mutation is reported as "did not apply" (so a refactor that moves or rewrites the code makes the
harness fail loudly instead of silently running an unmutated tree). Keep `old` long enough to be unique and short
enough to survive unrelated edits. A mutation must still compile under TreatWarningsAsErrors (no unused awaits: assign
a task to `_` or start it in the background; no constant conditions that make code unreachable).

Fields: name (the --only argument), area, file, old, new, what (one line: the bug, as a reviewer would describe it).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    name: str
    area: str
    file: str
    old: str
    new: str
    what: str


RPC = "Raft.Grains/Peer/RaftPeer.Rpc.cs"
LEADER = "Raft.Grains/Protocol/RaftNode.Leader.cs"
ELECTION = "Raft.Grains/Protocol/RaftNode.Election.cs"
FOLLOWER = "Raft.Grains/Protocol/RaftNode.Follower.cs"
NODE = "Raft.Grains/Protocol/RaftNode.cs"
LOG = "Raft.Grains/Protocol/RaftLog.cs"
KVSTORE = "Raft.Grains/KeyValue/KvStore.cs"
KVSERVICE = "Raft.Grains/KeyValue/KeyValueService.cs"

MUTATIONS = [
    # --- durability -------------------------------------------------------------------------------------------------
    Mutation(
        name="vote-before-durable",
        area="durability",
        file=RPC,
        old="""        // Term and vote are durable before the vote leaves.
        await PersistAsync();
        return result.Response;""",
        new="""        PersistInBackground(); // MUTATION: the vote leaves before term and vote are durable
        await Task.CompletedTask;
        return result.Response;""",
        what="RequestVote replies without waiting for PersistAsync (the vote may be lost in a crash after it was granted)",
    ),
    Mutation(
        name="append-ack-before-durable",
        area="durability",
        file=RPC,
        old="""        // Entries are durable before success is reported (and so is everything an earlier request is still writing).
        await PersistAsync();
        WakeApplier();""",
        new="""        PersistInBackground(); // MUTATION: success is reported before the entries are durable
        await Task.CompletedTask;
        WakeApplier();""",
        what="AppendEntries acknowledges entries before they are durable (the leader may count a copy a crash loses)",
    ),
    # --- commit rule ------------------------------------------------------------------------------------------------
    Mutation(
        name="figure8-rule-removed",
        area="commit",
        file=LEADER,
        old="if (majorityIndex <= CommitIndex || _log.TermAt(majorityIndex) != CurrentTerm)",
        new="if (majorityIndex <= CommitIndex)",
        what="the leader commits an earlier term's entry by counting replicas (Raft Figure 8 rule removed)",
    ),
    Mutation(
        name="commit-without-majority",
        area="commit",
        file=LEADER,
        old="var majorityIndex = matches[matches.Length - Quorum];",
        new="var majorityIndex = matches[matches.Length - Quorum + 1];",
        what="quorum off by one: an index held by one member fewer than a majority commits",
    ),
    # --- elections and terms ----------------------------------------------------------------------------------------
    Mutation(
        name="vote-without-up-to-date-check",
        area="election",
        file=ELECTION,
        old="var grant = mayVote && IsAtLeastAsUpToDate(request.LastLogTerm, request.LastLogIndex);",
        new="var grant = mayVote;",
        what="RequestVote grants a vote without the election restriction (candidate's log not checked, §5.4.1)",
    ),
    Mutation(
        name="up-to-date-check-off",
        area="election",
        file=ELECTION,
        old="""        lastLogTerm > _log.LastTerm || (lastLogTerm == _log.LastTerm && lastLogIndex >= _log.LastIndex);""",
        new="""        lastLogTerm >= 0 && lastLogIndex >= 0; // MUTATION: every log counts as up to date, for votes and pre-votes""",
        what="the election restriction is off for votes and pre-votes alike (IsAtLeastAsUpToDate always true)",
    ),
    Mutation(
        name="leader-ignores-higher-term-reply",
        area="terms",
        file=LEADER,
        old="""    public ReplicationOutcome HandleAppendReply(string peer, AppendEntriesRequest request, AppendEntriesResponse reply)
    {
        var progress = ProgressFor(peer);
        if (reply.Term > CurrentTerm)""",
        new="""    public ReplicationOutcome HandleAppendReply(string peer, AppendEntriesRequest request, AppendEntriesResponse reply)
    {
        var progress = ProgressFor(peer);
        if (reply.Term > CurrentTerm && Role != RaftRole.Leader) // MUTATION: a leader ignores a higher term in a reply""",
        what="a leader does not step down when an AppendEntries reply carries a higher term",
    ),
    Mutation(
        name="stale-term-append-accepted",
        area="terms",
        file=FOLLOWER,
        old="""        if (request.Term < CurrentTerm)
        {
            return new(Reject(AppendEntriesResponse.NoConflictTerm, conflictIndex: 0), ResetElectionTimer: false);
        }
        FollowLeader(request.LeaderId);""",
        new="""        if (request.Term < CurrentTerm && Role == RaftRole.Leader) // MUTATION: only a leader refuses a stale term
        {
            return new(Reject(AppendEntriesResponse.NoConflictTerm, conflictIndex: 0), ResetElectionTimer: false);
        }
        FollowLeader(request.LeaderId);""",
        what="a follower or candidate accepts AppendEntries from a deposed leader of an older term",
    ),
    # --- the follower's log repair ----------------------------------------------------------------------------------
    Mutation(
        name="conflicting-entries-kept",
        area="log repair",
        file=FOLLOWER,
        old="""            if (_log.TermAt(entry.Index) != entry.Term)
            {
                TruncateLogFrom(entry.Index);
                AppendToLog(entries.AsSpan(i));
                return;
            }""",
        new="""            if (_log.TermAt(entry.Index) != entry.Term)
            {
                continue; // MUTATION: a conflicting entry is kept instead of truncating the log from it
            }""",
        what="AppendEntries keeps a conflicting entry (no truncation) and still reports success",
    ),
    Mutation(
        name="prev-log-term-unchecked",
        area="log repair",
        file=FOLLOWER,
        old="""            var localTerm = _log.TermAt(prevIndex)!.Value;
            if (localTerm != request.PrevLogTerm)""",
        new="""            var localTerm = _log.TermAt(prevIndex)!.Value;
            if (localTerm < 0) // MUTATION: the consistency check ignores PrevLogTerm (only the index is checked)""",
        what="the AppendEntries consistency check looks at PrevLogIndex only, not PrevLogTerm",
    ),
    Mutation(
        name="conflict-hint-one-back",
        area="log repair",
        file=FOLLOWER,
        old="return new(Reject(AppendEntriesResponse.NoConflictTerm, conflictIndex: _log.LastIndex + 1), ResetElectionTimer: true);",
        new="return new(Reject(AppendEntriesResponse.NoConflictTerm, conflictIndex: prevIndex), ResetElectionTimer: true); // MUTATION",
        what="wrong conflict hint for a short log (PrevLogIndex instead of its length): backup goes one entry per round trip",
    ),
    # --- snapshots and restarts -------------------------------------------------------------------------------------
    Mutation(
        name="install-snapshot-keeps-log",
        area="snapshots",
        file=LOG,
        old="""        _entries.Clear();
        SnapshotIndex = index;
        SnapshotTerm = term;""",
        new="""        _entries.RemoveRange(0, (int)Math.Min(index - SnapshotIndex, _entries.Count)); // MUTATION: the suffix is kept
        SnapshotIndex = index;
        SnapshotTerm = term;""",
        what="InstallSnapshot whose point conflicts with the log does not discard the log: entries after it are kept",
    ),
    Mutation(
        name="restore-drops-snapshot",
        area="restarts",
        file=NODE,
        old="        SnapshotData = snapshot?.Data;",
        new="        SnapshotData = null; // MUTATION: the restored snapshot's data is ignored",
        what="a restarting peer ignores its persisted snapshot's data (the state machine restarts from an empty snapshot)",
    ),
    Mutation(
        name="restart-commits-whole-log",
        area="restarts",
        file=NODE,
        old="        CommitIndex = _log.SnapshotIndex;",
        new="        CommitIndex = _log.LastIndex; // MUTATION: a restarted peer takes its whole log as committed",
        what="a restarting peer treats every persisted entry as committed and applies it",
    ),
    # --- key-value sessions and reads -------------------------------------------------------------------------------
    Mutation(
        name="kv-duplicate-detection-off",
        area="key-value",
        file=KVSTORE,
        old="        if (command.Sequence == session.LastSequence)\n",
        new="        if (command.Sequence == session.LastSequence && command.Sequence < 0) // MUTATION: duplicates execute again\n",
        what="the session does not recognise a retried request: it executes again (an append applied twice)",
    ),
    Mutation(
        name="kv-read-bypasses-log",
        area="key-value",
        file=KVSERVICE,
        old="        var command = new KvCommand(request.ClientId, request.Sequence, request.Operation);",
        new="""        // MUTATION: a Get is answered from the local replica, without the log.
        if (request.Operation is KvGet localGet)
        {
            return machine.ReadLocal(localGet.Key) is { } local
                ? new KvResponse(KvStatus.Ok, local.Value, local.Version, null)
                : KvResponse.Of(KvStatus.NoKey);
        }
        var command = new KvCommand(request.ClientId, request.Sequence, request.Operation);""",
        what="a Get is served from the replica's local state without going through the log (a follower or deposed leader reads stale)",
    ),
]
