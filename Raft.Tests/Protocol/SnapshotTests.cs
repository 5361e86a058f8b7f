using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>Compaction, InstallSnapshot (Figure 13) and the index arithmetic at the snapshot boundary.</summary>
public class SnapshotTests
{
    private static readonly string[] Members = ["s1", "s2", "s3"];

    /// <summary>s1 leads term 1 with entries 1..5 committed on s1 and s2; s3 has nothing.</summary>
    private static ProtocolCluster LeaderWithFiveCommitted()
    {
        var cluster = new ProtocolCluster(Members);
        Assert.True(cluster.Campaign("s1", "s2"));
        cluster.Propose("s1", "c1", "c2", "c3", "c4", "c5");
        cluster.ReplicateUntilCaughtUp("s1", "s2");
        Assert.Equal(5, cluster["s1"].CommitIndex);
        return cluster;
    }

    [Fact]
    public void CompactTo_beyond_commit_index_is_rejected_and_changes_nothing()
    {
        var follower = NodeWithLog("s2", Members, 1, 1, 1, 1);

        Assert.Equal(CompactionResult.BeyondCommitIndex, follower.CompactTo(2, Of("snap")));
        Assert.Equal(0, follower.SnapshotIndex);
        Assert.Null(follower.TakeUnpersisted().Snapshot);
    }

    [Fact]
    public void CompactTo_at_or_below_the_snapshot_is_a_no_op()
    {
        var cluster = LeaderWithFiveCommitted();
        Assert.Equal(CompactionResult.Compacted, cluster["s1"].CompactTo(3, Of("snap3")));

        Assert.Equal(CompactionResult.AlreadyCompacted, cluster["s1"].CompactTo(3, Of("again")));
        Assert.Equal(CompactionResult.AlreadyCompacted, cluster["s1"].CompactTo(2, Of("older")));
        Assert.Equal("snap3", Text(cluster["s1"].SnapshotData!));
    }

    [Fact]
    public void CompactTo_keeps_the_term_of_the_boundary_entry()
    {
        var cluster = LeaderWithFiveCommitted();

        cluster["s1"].CompactTo(3, Of("snap3"));

        var log = cluster["s1"].Log;
        Assert.Equal(3, log.SnapshotIndex);
        Assert.Equal(1, log.SnapshotTerm);
        Assert.Equal(1, log.TermAt(3));
        Assert.Null(log.TermAt(2));
        Assert.Equal(5, log.LastIndex);
    }

    [Fact]
    public void Follower_at_the_snapshot_boundary_gets_AppendEntries_with_the_snapshot_term()
    {
        var cluster = LeaderWithFiveCommitted();
        cluster.ReplicateUntilCaughtUp("s1", "s3");
        cluster.Propose("s1", "c6");
        cluster["s1"].CompactTo(5, Of("snap5"));

        var append = cluster["s1"].BuildOutbound("s3", withEntries: true)!.AppendEntries!;

        Assert.Equal(5, append.PrevLogIndex); // nextIndex 6 = snapshot index + 1: still an append
        Assert.Equal(1, append.PrevLogTerm);
        Assert.Equal([6L], append.Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void Follower_behind_the_snapshot_gets_InstallSnapshot()
    {
        var cluster = LeaderWithFiveCommitted();
        cluster["s1"].CompactTo(4, Of("snap4"));

        // s3's nextIndex is still 1 from election time.
        var outbound = cluster["s1"].BuildOutbound("s3", withEntries: false)!;

        Assert.True(outbound.IsSnapshot);
        Assert.Equal(new InstallSnapshotRequest(1, "s1", 4, 1, outbound.InstallSnapshot!.Data), outbound.InstallSnapshot);
        Assert.Equal("snap4", Text(outbound.InstallSnapshot.Data));
    }

    [Fact]
    public void Backing_off_to_or_below_the_snapshot_reports_NeedsSnapshot()
    {
        var cluster = LeaderWithFiveCommitted();
        // Re-elect s1 so its nextIndex for s3 is optimistic (6), then compact.
        cluster["s1"].HandleRequestVote(new RequestVoteRequest(2, "s3", 0, 0));
        Assert.True(cluster.Campaign("s1", "s2"));
        cluster["s1"].CompactTo(4, Of("snap4"));

        var outcome = cluster.SendOnce("s1", "s3", withEntries: false);

        Assert.Equal(ReplicationOutcome.NeedsSnapshot, outcome); // s3 is empty: its length hint (1) is compacted
        Assert.True(cluster["s1"].BuildOutbound("s3", withEntries: true)!.IsSnapshot);
        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("s1", "s3"));
        Assert.Equal(new PeerProgress(5, 4, ReplicationState.Replicate), cluster["s1"].ProgressOf("s3"));
        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("s1", "s3"));
        Assert.Equal(5, cluster["s3"].Log.LastIndex);
    }

    [Fact]
    public void InstallSnapshot_keeps_a_matching_suffix()
    {
        var follower = NodeWithLog("s2", Members, 3, 1, 1, 2, 2, 3);

        var result = follower.HandleInstallSnapshot(new InstallSnapshotRequest(3, "s1", 3, 2, Of("snap3")));

        Assert.Equal(3, follower.SnapshotIndex);
        Assert.Equal([2L, 3], Terms(follower.Log));
        Assert.Equal(3, follower.CommitIndex);
        Assert.Equal(ApplyMsg.ForSnapshot(result.SnapshotToApply!.Snapshot!, 3, 2), result.SnapshotToApply);
        Assert.True(result.ResetElectionTimer);
        var delta = follower.TakeUnpersisted();
        Assert.Equal(3, delta.Snapshot!.Index);
        Assert.Null(delta.FirstDirtyIndex); // the stored entries after the snapshot are still right
    }

    [Fact]
    public void InstallSnapshot_discards_a_mismatching_log()
    {
        var follower = NodeWithLog("s2", Members, 3, 1, 1, 1, 1, 1);

        follower.HandleInstallSnapshot(new InstallSnapshotRequest(3, "s1", 3, 2, Of("snap3")));

        Assert.Equal(0, follower.Log.Count);
        Assert.Equal(3, follower.Log.LastIndex);
        Assert.Equal(2, follower.Log.LastTerm);
        var delta = follower.TakeUnpersisted();
        Assert.Equal(4, delta.FirstDirtyIndex); // stored entries 4 and 5 must go
        Assert.Empty(delta.Entries);
    }

    [Fact]
    public void InstallSnapshot_beyond_the_log_replaces_it()
    {
        var follower = NodeWithLog("s2", Members, 3, 1, 1);

        follower.HandleInstallSnapshot(new InstallSnapshotRequest(3, "s1", 10, 3, Of("snap10")));

        Assert.Equal(10, follower.Log.LastIndex);
        Assert.Equal(10, follower.CommitIndex);
        Assert.Equal([ApplyMsg.ForSnapshot(follower.SnapshotData!, 10, 3)], follower.ApplyMessagesAfter(lastApplied: 2));
    }

    [Fact]
    public void InstallSnapshot_at_or_below_commit_index_is_ignored()
    {
        var follower = NodeWithLog("s2", Members, 1, 1, 1, 1);
        follower.HandleAppendEntries(new AppendEntriesRequest(1, "s1", 3, 1, [], 3));

        var result = follower.HandleInstallSnapshot(new InstallSnapshotRequest(1, "s1", 2, 1, Of("old")));

        Assert.Null(result.SnapshotToApply);
        Assert.Equal(0, follower.SnapshotIndex);
        Assert.Equal(3, follower.Log.LastIndex);
        Assert.Null(follower.TakeUnpersisted().Snapshot);
    }

    [Fact]
    public void Lagging_follower_catches_up_through_a_snapshot_then_applies_in_order()
    {
        var cluster = LeaderWithFiveCommitted();
        cluster["s1"].CompactTo(3, Of("snap3"));

        var rounds = cluster.ReplicateUntilCaughtUp("s1", "s3");
        cluster.SendOnce("s1", "s3", withEntries: false);

        Assert.Equal(2, rounds); // snapshot, then entries 4..5
        var s3 = cluster["s3"];
        Assert.Equal(5, s3.CommitIndex);
        var first = s3.ApplyMessagesAfter(lastApplied: 0);
        Assert.True(Assert.Single(first).SnapshotValid);
        var rest = s3.ApplyMessagesAfter(lastApplied: 3);
        Assert.Equal(["c4", "c5"], rest.Select(message => Text(message.Command!)));
        Assert.Equal([4L, 5], rest.Select(message => message.CommandIndex));
        Assert.Empty(s3.ApplyMessagesAfter(lastApplied: 5));
    }

    [Fact]
    public void ApplyMessagesAfter_stops_at_the_commit_index_and_max_count()
    {
        var cluster = LeaderWithFiveCommitted();
        cluster.Propose("s1", "uncommitted");

        Assert.Equal([1L, 2], cluster["s1"].ApplyMessagesAfter(0, maxCount: 2).Select(message => message.CommandIndex));
        Assert.Equal([4L, 5], cluster["s1"].ApplyMessagesAfter(3).Select(message => message.CommandIndex));
    }
}
