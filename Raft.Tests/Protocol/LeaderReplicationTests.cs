using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>The leader side: BuildOutbound, HandleAppendReply and the commit rule.</summary>
public class LeaderReplicationTests
{
    private static ProtocolCluster ClusterWithLeader(int size = 3)
    {
        var cluster = new ProtocolCluster(size);
        Assert.True(cluster.Campaign("s1", cluster.Ids[1..]));
        return cluster;
    }

    [Fact]
    public void BuildOutbound_starts_just_past_the_leaders_log_and_heartbeats_carry_no_entries()
    {
        var cluster = ClusterWithLeader();
        cluster["s1"].Propose(Of("a"));

        var heartbeat = cluster["s1"].BuildOutbound("s2", withEntries: false)!.AppendEntries!;
        var append = cluster["s1"].BuildOutbound("s2", withEntries: true)!.AppendEntries!;

        // nextIndex was set to last + 1 = 1 at election time, before the proposal.
        Assert.Equal(0, heartbeat.PrevLogIndex);
        Assert.Empty(heartbeat.Entries);
        Assert.Single(append.Entries);
        Assert.Equal(1, append.Term);
        Assert.Equal("s1", append.LeaderId);
    }

    [Fact]
    public void BuildOutbound_respects_max_entries()
    {
        var cluster = ClusterWithLeader();
        cluster.Propose("s1", "a", "b", "c");

        var append = cluster["s1"].BuildOutbound("s2", withEntries: true, maxEntries: 2)!.AppendEntries!;

        Assert.Equal([1L, 2], append.Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void Non_leader_builds_nothing()
    {
        var cluster = ClusterWithLeader();

        Assert.Null(cluster["s2"].BuildOutbound("s1", withEntries: true));
    }

    [Fact]
    public void Success_advances_match_and_next_and_commits_on_majority()
    {
        var cluster = ClusterWithLeader();
        cluster.Propose("s1", "a", "b");

        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("s1", "s2"));

        var leader = cluster["s1"];
        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Replicate), leader.ProgressOf("s2"));
        Assert.Equal(2, leader.CommitIndex);
        Assert.Equal(new PeerProgress(1, 0), leader.ProgressOf("s3"));
    }

    [Fact]
    public void Leader_counts_itself_only_once_its_own_write_is_durable()
    {
        var cluster = ClusterWithLeader();
        var leader = cluster["s1"];
        leader.Propose(Of("a")); // appended, not yet persisted

        cluster.SendOnce("s1", "s2");
        Assert.Equal(1, leader.ProgressOf("s2").MatchIndex);
        Assert.Equal(0, leader.CommitIndex); // s2 alone is not a majority of 3

        var delta = leader.TakeUnpersisted();
        Assert.True(leader.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm));
        Assert.Equal(1, leader.CommitIndex);
    }

    [Fact]
    public void Late_durability_report_for_a_rewritten_index_is_ignored()
    {
        var follower = new RaftNode("s2", ["s1", "s2", "s3"]);
        follower.HandleAppendEntries(new AppendEntriesRequest(1, "s1", 0, 0, EntriesWithTerms(1, 1), 0));
        var oldDelta = follower.TakeUnpersisted();
        // Before the write of (2, term 1) completes, a new leader replaces entry 2.
        follower.HandleAppendEntries(new AppendEntriesRequest(2, "s3", 1, 1, [new LogEntry(2, 2, Of("x"))], 0));

        follower.OnLocalPersisted(oldDelta.LastLogIndex, oldDelta.LastLogTerm);

        Assert.Equal(0, follower.LocalDurableIndex);
    }

    [Fact]
    public void Match_index_never_moves_backwards_on_a_reordered_success()
    {
        var cluster = ClusterWithLeader();
        var leader = cluster["s1"];
        cluster.Propose("s1", "a");
        var older = leader.BuildOutbound("s2", true)!.AppendEntries!;
        cluster.Propose("s1", "b", "c");
        var newer = leader.BuildOutbound("s2", true)!.AppendEntries!;
        var newerReply = cluster["s2"].HandleAppendEntries(newer).Response;
        var olderReply = cluster["s2"].HandleAppendEntries(older).Response;

        Assert.Equal(ReplicationOutcome.Accepted, leader.HandleAppendReply("s2", newer, newerReply));
        Assert.Equal(ReplicationOutcome.Accepted, leader.HandleAppendReply("s2", older, olderReply));

        Assert.Equal(new PeerProgress(4, 3, ReplicationState.Replicate), leader.ProgressOf("s2"));
    }

    [Fact]
    public void Reply_to_a_request_of_an_older_term_is_stale()
    {
        var cluster = ClusterWithLeader();
        var oldRequest = cluster["s1"].BuildOutbound("s2", true)!.AppendEntries!;
        // s1 loses leadership to s2 in term 2, learns of it, then wins term 3.
        Assert.True(cluster.Campaign("s2", "s3"));
        cluster.SendOnce("s2", "s1", withEntries: false);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        var reply = new AppendEntriesResponse(3, true, AppendEntriesResponse.NoConflictTerm, 0, 0);

        Assert.Equal(ReplicationOutcome.Stale, cluster["s1"].HandleAppendReply("s2", oldRequest, reply));
    }

    [Fact]
    public void Rejection_of_an_outdated_probe_is_stale()
    {
        var cluster = ClusterWithLeader();
        cluster.Propose("s1", "a", "b").ReplicateToAll("s1");
        var leader = cluster["s1"];
        var outdated = new AppendEntriesRequest(1, "s1", 0, 0, [], 0);
        var rejection = new AppendEntriesResponse(1, false, AppendEntriesResponse.NoConflictTerm, 1, 0);

        Assert.Equal(ReplicationOutcome.Stale, leader.HandleAppendReply("s2", outdated, rejection));
        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Replicate), leader.ProgressOf("s2"));
    }

    [Fact]
    public void Conflicting_heartbeat_backs_off_and_the_next_append_succeeds()
    {
        var cluster = ClusterWithLeader();
        cluster.Propose("s1", "a", "b", "c").ReplicateUntilCaughtUp("s1", "s2");
        // s3 holds nothing. Re-elect s1 so that its nextIndex for s3 is optimistic again (last + 1 = 4).
        cluster["s1"].HandleRequestVote(new RequestVoteRequest(2, "s3", 0, 0));
        Assert.True(cluster.Campaign("s1", "s2"));
        Assert.Equal(4, cluster["s1"].ProgressOf("s3").NextIndex);

        Assert.Equal(ReplicationOutcome.BackedOff, cluster.SendOnce("s1", "s3", withEntries: false));
        Assert.Equal(1, cluster["s1"].ProgressOf("s3").NextIndex);
        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("s1", "s3", withEntries: true));
        Assert.Equal(3, cluster["s3"].Log.LastIndex);
    }

    [Fact]
    public void Commit_needs_a_majority_of_five()
    {
        var cluster = ClusterWithLeader(5);
        cluster.Propose("s1", "a");

        cluster.SendOnce("s1", "s2");
        Assert.Equal(0, cluster["s1"].CommitIndex);
        cluster.SendOnce("s1", "s3");
        Assert.Equal(1, cluster["s1"].CommitIndex);

        // Followers learn it from the next message.
        cluster.SendOnce("s1", "s4", withEntries: false);
        cluster.SendOnce("s1", "s2", withEntries: false);
        Assert.Equal(1, cluster["s2"].CommitIndex);
        Assert.Equal(0, cluster["s4"].CommitIndex); // s4 does not hold entry 1 yet: nothing proven
    }
}
