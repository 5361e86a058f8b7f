using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>What the node asks the driver to persist, and restoring from it.</summary>
public class PersistenceTests
{
    private static readonly string[] Members = ["s1", "s2", "s3"];

    [Fact]
    public void Granting_a_vote_marks_hard_state_dirty()
    {
        var node = new RaftNode("s2", Members);
        Assert.False(node.HasUnpersistedChanges);

        node.HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0));

        Assert.True(node.HasUnpersistedChanges);
        var delta = node.TakeUnpersisted();
        Assert.Equal(new HardState(1, "s1"), delta.HardState);
        Assert.Null(delta.FirstDirtyIndex);
        Assert.True(node.TakeUnpersisted().IsEmpty);
    }

    [Fact]
    public void Granting_a_vote_in_an_already_persisted_term_marks_hard_state_dirty()
    {
        var cluster = new ProtocolCluster(Members);
        cluster["s2"].HandleAppendEntries(new AppendEntriesRequest(1, "s1", 0, 0, [], 0)); // learns term 1 without voting
        cluster.Persist("s2");

        Assert.True(cluster["s2"].HandleRequestVote(new RequestVoteRequest(1, "s3", 0, 0)).Response.VoteGranted);
        cluster.Persist("s2");
        cluster.CrashAndRestart("s2");

        // The restarted peer remembers its vote, so it cannot vote twice in term 1.
        Assert.Equal("s3", cluster["s2"].VotedFor);
        Assert.False(cluster["s2"].HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0)).Response.VoteGranted);
    }

    [Fact]
    public void Denying_a_vote_in_the_same_term_changes_nothing_durable()
    {
        var node = new RaftNode("s2", Members);
        node.HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0));
        node.TakeUnpersisted();

        node.HandleRequestVote(new RequestVoteRequest(1, "s3", 0, 0));
        node.HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0)); // repeat of the granted vote

        Assert.True(node.TakeUnpersisted().IsEmpty);
    }

    [Fact]
    public void Truncation_reports_the_lowest_changed_index_and_the_new_suffix()
    {
        var cluster = new ProtocolCluster(Members);
        cluster.Install(NodeWithLog("s2", Members, 1, 1, 1, 1, 1, 1));
        var follower = cluster["s2"];

        follower.HandleAppendEntries(new AppendEntriesRequest(2, "s1", 2, 1, [new LogEntry(3, 2, Of("x")), new LogEntry(4, 2, Of("y"))], 0));

        var delta = follower.TakeUnpersisted();
        Assert.Equal(3, delta.FirstDirtyIndex);
        Assert.Equal([3L, 4], delta.Entries.Select(entry => entry.Index));
        Assert.Equal((4L, 2L), (delta.LastLogIndex, delta.LastLogTerm));
        Assert.Equal(new HardState(2, null), delta.HardState);
        cluster.Disk("s2").Apply(delta);
        Assert.Equal([1L, 1, 2, 2], cluster.Disk("s2").StoredEntries.Select(entry => entry.Term));
    }

    [Fact]
    public void Append_then_lower_truncation_in_one_delta_reports_the_lower_index()
    {
        var follower = NodeWithLog("s2", Members, 1, 1, 1, 1);
        follower.HandleAppendEntries(new AppendEntriesRequest(1, "s1", 3, 1, [new LogEntry(4, 1, Of("d"))], 0));

        follower.HandleAppendEntries(new AppendEntriesRequest(2, "s3", 1, 1, [new LogEntry(2, 2, Of("b'"))], 0));

        var delta = follower.TakeUnpersisted();
        Assert.Equal(2, delta.FirstDirtyIndex);
        Assert.Equal([2L], delta.Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void Truncation_lowers_the_durable_index()
    {
        var follower = NodeWithLog("s2", Members, 1, 1, 1, 1, 1);
        Assert.Equal(4, follower.LocalDurableIndex);

        follower.HandleAppendEntries(new AppendEntriesRequest(2, "s1", 1, 1, [new LogEntry(2, 2, Of("x"))], 0));

        Assert.Equal(1, follower.LocalDurableIndex);
        var delta = follower.TakeUnpersisted();
        follower.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm);
        Assert.Equal(2, follower.LocalDurableIndex);
    }

    [Fact]
    public void Compaction_skips_dirty_entries_it_swallowed()
    {
        var follower = new RaftNode("s2", Members);
        follower.HandleAppendEntries(new AppendEntriesRequest(1, "s1", 0, 0, EntriesWithTerms(1, 1, 1, 1, 1), 5));

        Assert.Equal(CompactionResult.Compacted, follower.CompactTo(3, Of("snap3")));

        var delta = follower.TakeUnpersisted();
        Assert.Equal(new RaftSnapshot(3, 1, follower.SnapshotData!), delta.Snapshot);
        Assert.Equal(4, delta.FirstDirtyIndex);
        Assert.Equal([4L, 5], delta.Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void Restore_rebuilds_term_vote_log_and_snapshot_as_a_follower()
    {
        var cluster = new ProtocolCluster(Members);
        Assert.True(cluster.Campaign("s1", "s2"));
        cluster.Propose("s1", "a", "b", "c", "d").ReplicateToAll("s1");
        Assert.Equal(CompactionResult.Compacted, cluster["s1"].CompactTo(2, Of("snap2")));
        cluster.Persist("s1");
        var before = cluster["s1"];

        cluster.CrashAndRestart("s1");

        var after = cluster["s1"];
        Assert.Equal(RaftRole.Follower, after.Role);
        Assert.Equal(before.CurrentTerm, after.CurrentTerm);
        Assert.Equal("s1", after.VotedFor);
        Assert.Equal((2L, 1L), (after.SnapshotIndex, after.SnapshotTerm));
        Assert.Equal("snap2", Text(after.SnapshotData!));
        Assert.Equal(["c", "d"], Enumerable.Range(3, 2).Select(index => Text(after.Log.EntryAt(index).Command)));
        Assert.Equal(2, after.CommitIndex); // only the snapshot is known committed after a restart
        Assert.Equal(4, after.LocalDurableIndex);
        Assert.False(after.HasUnpersistedChanges);
        Assert.Null(after.LeaderId);
    }

    [Fact]
    public void Restore_ignores_stored_entries_covered_by_the_snapshot_and_refuses_gaps()
    {
        var entries = EntriesWithTerms(1, 1, 1, 2);
        var state = new DurableState(new HardState(2, null), new RaftSnapshot(2, 1, Of("s")), entries);

        var node = RaftNode.Restore("s1", Members, state);

        Assert.Equal([1L, 2], Terms(node.Log));
        var gap = state with { Entries = [entries[0], entries[3]], Snapshot = null };
        Assert.Throws<ArgumentException>(() => RaftNode.Restore("s1", Members, gap));
    }

    [Fact]
    public void Unpersisted_entries_are_lost_in_a_crash()
    {
        var cluster = new ProtocolCluster(Members);
        Assert.True(cluster.Campaign("s1", "s2"));
        cluster.Propose("s1", "durable");
        cluster["s1"].Propose(Of("volatile"));

        cluster.CrashAndRestart("s1");

        Assert.Equal(1, cluster["s1"].Log.LastIndex);
    }
}
