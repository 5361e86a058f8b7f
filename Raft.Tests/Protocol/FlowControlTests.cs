using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>
/// The leader's per-follower flow control (etcd raft's Progress), stepped by hand: Probe (one append until answered),
/// Replicate (optimistic NextIndex, a window bounded in appends and bytes), Snapshot (one InstallSnapshot), and the
/// heartbeats that go out whatever the state.
/// </summary>
public class FlowControlTests
{
    private static readonly ReplicationLimits Small = new(MaxEntriesPerAppend: 2, MaxBytesPerAppend: 1 << 20, MaxInflightAppends: 3, MaxInflightBytes: 1 << 20);

    /// <summary>s1 leads a 3-peer group whose logs are empty; s2 is in Replicate with nothing in flight.</summary>
    private static ProtocolCluster ReplicatingTo_s2(ReplicationLimits? limits = null)
    {
        var cluster = new ProtocolCluster(3, limits ?? Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!));
        Assert.Equal(ReplicationState.Replicate, cluster["s1"].ProgressOf("s2").State);
        return cluster;
    }

    /// <summary>
    /// s1 (log terms 1, 1, 3) leads term 4 with s3's vote; s2 holds 1, 2, 2: entries of a term the leader never had.
    /// </summary>
    private static ProtocolCluster LeaderWithConflictingFollower()
    {
        var members = new[] { "s1", "s2", "s3" };
        var cluster = new ProtocolCluster(3, Small);
        cluster.Install(NodeWithLog("s1", members, 3, 1, 1, 3));
        cluster.Install(NodeWithLog("s2", members, 2, 1, 2, 2));
        Assert.True(cluster.Campaign("s1", "s3"));
        return cluster;
    }

    private static AppendEntriesRequest Append(ProtocolCluster cluster, string follower) =>
        cluster["s1"].NextAppend(follower)!.AppendEntries!;

    [Fact]
    public void A_new_leader_probes_every_follower_from_just_past_its_log()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));

        var leader = cluster["s1"];
        Assert.All(leader.Peers, peer => Assert.Equal(new PeerProgress(1, 0, ReplicationState.Probe), leader.ProgressOf(peer)));
        Assert.Null(leader.NextAppend("s2")); // nothing to send: the heartbeat probes
        var heartbeat = leader.Heartbeat("s2")!;
        Assert.Equal(0, heartbeat.PrevLogIndex);
        Assert.Empty(heartbeat.Entries);
    }

    [Fact]
    public void Probe_sends_one_append_and_pauses_until_it_is_answered_then_replicates()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.Propose("s1", "a", "b", "c");

        var probe = Append(cluster, "s2");
        Assert.Equal([1L, 2], probe.Entries.Select(entry => entry.Index)); // MaxEntriesPerAppend = 2
        Assert.True(cluster["s1"].ProgressOf("s2").IsPaused);
        Assert.Null(cluster["s1"].NextAppend("s2"));

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", probe));

        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Replicate), cluster["s1"].ProgressOf("s2"));
        Assert.Equal([3L], Append(cluster, "s2").Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void A_heartbeat_success_while_the_probe_is_in_flight_replicates_from_the_match_and_sends_the_probes_entries_again()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.Propose("s1", "a", "b", "c");
        var probe = Append(cluster, "s2"); // may have gone to an incarnation of s2 that crashed: nothing says so before a timeout

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!));

        Assert.Equal(new PeerProgress(1, 0, ReplicationState.Replicate), cluster["s1"].ProgressOf("s2"));
        Assert.Equal(probe.PrevLogIndex, Append(cluster, "s2").PrevLogIndex);
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", probe)); // a late answer is still welcome
        Assert.Equal(2, cluster["s1"].ProgressOf("s2").MatchIndex);
    }

    [Fact]
    public void Replicate_sends_optimistically_until_the_window_of_appends_is_full_and_an_ack_reopens_it()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2", "3", "4", "5", "6", "7", "8");

        var first = Append(cluster, "s2");
        var second = Append(cluster, "s2");
        var third = Append(cluster, "s2");
        Assert.Equal([0L, 2, 4], new[] { first, second, third }.Select(append => append.PrevLogIndex));
        var progress = cluster["s1"].ProgressOf("s2");
        Assert.Equal((7L, 0L, 3, true), (progress.NextIndex, progress.MatchIndex, progress.InflightAppends, progress.IsPaused));
        Assert.Null(cluster["s1"].NextAppend("s2")); // window full: 3 appends

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", first));

        progress = cluster["s1"].ProgressOf("s2");
        Assert.Equal((2L, 2, false), (progress.MatchIndex, progress.InflightAppends, progress.IsPaused));
        Assert.Equal(6, Append(cluster, "s2").PrevLogIndex);
    }

    [Fact]
    public void The_window_also_closes_on_bytes()
    {
        var limits = new ReplicationLimits(MaxEntriesPerAppend: 1, MaxBytesPerAppend: 1 << 20, MaxInflightAppends: 100, MaxInflightBytes: 100);
        var cluster = ReplicatingTo_s2(limits);
        cluster.Propose("s1", new string('x', 60), new string('y', 60), "z");

        Append(cluster, "s2"); // 60 + 16 bytes: below 100
        Append(cluster, "s2"); // 152 bytes: full
        var progress = cluster["s1"].ProgressOf("s2");

        Assert.Equal((2, 152L, true), (progress.InflightAppends, progress.InflightBytes, progress.IsPaused));
        Assert.Null(cluster["s1"].NextAppend("s2"));
    }

    [Fact]
    public void An_ack_frees_every_append_it_covers_even_when_earlier_replies_are_lost()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2", "3", "4", "5", "6");
        var first = Append(cluster, "s2");
        var second = Append(cluster, "s2");
        var third = Append(cluster, "s2");
        cluster["s2"].HandleAppendEntries(first); // delivered, reply lost
        cluster["s2"].HandleAppendEntries(second);
        cluster.Persist("s2");

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", third));

        var progress = cluster["s1"].ProgressOf("s2");
        Assert.Equal((6L, 7L, 0, ReplicationState.Replicate), (progress.MatchIndex, progress.NextIndex, progress.InflightAppends, progress.State));
    }

    [Fact]
    public void A_rejection_in_Replicate_falls_back_to_Probe_from_the_hint_and_older_rejections_are_stale()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2", "3", "4");
        var first = Append(cluster, "s2");
        var second = Append(cluster, "s2");

        // The second overtakes the first: s2's log is too short for it.
        Assert.Equal(ReplicationOutcome.BackedOff, cluster.Deliver("s1", "s2", second));

        var progress = cluster["s1"].ProgressOf("s2");
        Assert.Equal(new PeerProgress(1, 0, ReplicationState.Probe), progress);

        // The first arrives after all: its success proves the match and replication resumes from there.
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", first));
        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Replicate), cluster["s1"].ProgressOf("s2"));
    }

    [Fact]
    public void A_rejection_at_or_below_the_match_index_is_stale_in_Replicate()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2");
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", Append(cluster, "s2")));
        var stale = new AppendEntriesRequest(1, "s1", 1, 1, [], 0);

        var outcome = cluster["s1"].HandleAppendReply("s2", stale, new AppendEntriesResponse(1, false, -1, 1, 0));

        Assert.Equal(ReplicationOutcome.Stale, outcome);
        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Replicate), cluster["s1"].ProgressOf("s2"));
    }

    [Fact]
    public void An_append_refused_because_it_overtook_the_one_before_is_sent_again_once_that_one_succeeded()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2", "3", "4");
        var first = Append(cluster, "s2");
        var second = Append(cluster, "s2");
        var follower = cluster["s2"];

        // s2 takes them in the wrong order: the second does not fit yet, then the first does.
        var secondReply = follower.HandleAppendEntries(second).Response;
        var firstReply = follower.HandleAppendEntries(first).Response;
        cluster.Persist("s2");
        Assert.False(secondReply.Success);
        // Their replies reach s1 in the order they were sent.
        Assert.Equal(ReplicationOutcome.Accepted, cluster["s1"].HandleAppendReply("s2", first, firstReply));
        Assert.Equal(ReplicationOutcome.BackedOff, cluster["s1"].HandleAppendReply("s2", second, secondReply));

        // Entries 3 and 4 are in no append s2 took, and no proposal follows: they must go again now.
        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Replicate), cluster["s1"].ProgressOf("s2"));
        var again = Append(cluster, "s2");
        Assert.Equal(2, again.PrevLogIndex);
        Assert.Equal([3L, 4], again.Entries.Select(entry => entry.Index));
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", again));
        Assert.Equal(4, cluster["s1"].ProgressOf("s2").MatchIndex);
    }

    [Fact]
    public void A_conflict_while_probing_backs_off_by_whole_terms_and_sends_the_next_probe()
    {
        var cluster = LeaderWithConflictingFollower();
        var leader = cluster["s1"];

        Assert.Equal(ReplicationOutcome.BackedOff, cluster.Deliver("s1", "s2", leader.Heartbeat("s2")!));
        var progress = leader.ProgressOf("s2");
        Assert.Equal((2L, ReplicationState.Probe, false), (progress.NextIndex, progress.State, progress.IsPaused));

        var probe = Append(cluster, "s2");
        Assert.Equal((1L, 2), (probe.PrevLogIndex, probe.Entries.Length));
        Assert.True(leader.ProgressOf("s2").IsPaused);
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", probe));
        Assert.Equal(new PeerProgress(4, 3, ReplicationState.Replicate), leader.ProgressOf("s2"));
        Assert.Equal([1L, 1, 3], Terms(cluster["s2"].Log));
    }

    [Fact]
    public void A_lost_append_in_Replicate_probes_again_from_the_match_index()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2", "3", "4");
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", Append(cluster, "s2")));
        var lost = Append(cluster, "s2");

        cluster["s1"].ReportAppendLost("s2", lost);

        Assert.Equal(new PeerProgress(3, 2, ReplicationState.Probe), cluster["s1"].ProgressOf("s2"));
        Assert.Equal(2, Append(cluster, "s2").PrevLogIndex);
    }

    [Fact]
    public void A_lost_probe_lets_the_next_one_go_and_a_lost_heartbeat_changes_nothing()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.Propose("s1", "a");
        var probe = Append(cluster, "s2");
        var leader = cluster["s1"];

        leader.ReportAppendLost("s2", leader.Heartbeat("s2")!);
        Assert.True(leader.ProgressOf("s2").IsPaused);

        leader.ReportAppendLost("s2", probe);
        Assert.False(leader.ProgressOf("s2").IsPaused);
        var again = Append(cluster, "s2");
        Assert.Equal((probe.PrevLogIndex, 1L), (again.PrevLogIndex, again.Entries.Single().Index));
    }

    [Fact]
    public void Heartbeats_go_out_while_paused_and_never_fail_on_entries_still_in_flight()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2", "3", "4", "5", "6", "7", "8");
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", Append(cluster, "s2")));
        Append(cluster, "s2");
        Append(cluster, "s2");
        Append(cluster, "s2");
        Assert.True(cluster["s1"].ProgressOf("s2").IsPaused);

        var heartbeat = cluster["s1"].Heartbeat("s2")!;

        Assert.Equal((2L, 0), (heartbeat.PrevLogIndex, heartbeat.Entries.Length)); // at MatchIndex, not NextIndex - 1 = 8
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", heartbeat));
        var progress = cluster["s1"].ProgressOf("s2");
        Assert.Equal((ReplicationState.Replicate, 3, 9L), (progress.State, progress.InflightAppends, progress.NextIndex));
    }

    [Fact]
    public void A_heartbeat_reply_ends_the_pause_of_a_probe_whose_answer_never_came()
    {
        var cluster = LeaderWithConflictingFollower();
        var leader = cluster["s1"];
        Assert.Equal(ReplicationOutcome.BackedOff, cluster.Deliver("s1", "s2", leader.Heartbeat("s2")!));
        Append(cluster, "s2"); // the probe; its reply is lost without a report
        Assert.True(leader.ProgressOf("s2").IsPaused);

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", leader.Heartbeat("s2")!)); // at NextIndex - 1 = 1

        Assert.Equal(new PeerProgress(2, 1, ReplicationState.Replicate), leader.ProgressOf("s2"));
    }

    [Fact]
    public void A_follower_behind_the_snapshot_gets_one_InstallSnapshot_then_replicates_after_it()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.Propose("s1", "1", "2", "3", "4", "5");
        cluster.ReplicateUntilCaughtUp("s1", "s2");
        cluster["s1"].CompactTo(4, Of("snap4"));
        var leader = cluster["s1"];

        var snapshot = leader.NextAppend("s3")!.InstallSnapshot!;

        Assert.Equal(4, snapshot.LastIncludedIndex);
        var progress = leader.ProgressOf("s3");
        Assert.Equal((ReplicationState.Snapshot, 4L, true), (progress.State, progress.PendingSnapshotIndex, progress.IsPaused));
        Assert.Null(leader.NextAppend("s3"));
        Assert.Empty(leader.Heartbeat("s3")!.Entries); // heartbeats go on while the snapshot is on its way

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s3", snapshot));

        Assert.Equal(new PeerProgress(5, 4, ReplicationState.Replicate), leader.ProgressOf("s3"));
        Assert.Equal([5L], Append(cluster, "s3").Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void A_lost_InstallSnapshot_probes_again_which_sends_it_again()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.Propose("s1", "1", "2", "3");
        cluster.ReplicateUntilCaughtUp("s1", "s2");
        cluster["s1"].CompactTo(3, Of("snap3"));
        var leader = cluster["s1"];
        var snapshot = leader.NextAppend("s3")!.InstallSnapshot!;

        leader.ReportSnapshotLost("s3", snapshot);

        Assert.Equal(new PeerProgress(1, 0, ReplicationState.Probe), leader.ProgressOf("s3"));
        Assert.Equal(snapshot, leader.NextAppend("s3")!.InstallSnapshot);
    }

    [Fact]
    public void Losses_and_replies_of_an_older_term_change_nothing()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "1", "2");
        var old = Append(cluster, "s2");
        cluster["s1"].HandleRequestVote(new RequestVoteRequest(5, "s3", 10, 10)); // s1 steps down to term 5

        cluster["s1"].ReportAppendLost("s2", old);

        Assert.Null(cluster["s1"].NextAppend("s2"));
        Assert.Null(cluster["s1"].Heartbeat("s2"));
        Assert.Equal(ReplicationOutcome.Stale, cluster["s1"].HandleAppendReply("s2", old, new AppendEntriesResponse(5, true, -1, 0, 2)));
    }
    [Fact]
    public void A_heartbeat_reply_from_a_restarted_follower_sends_again_what_was_in_flight_to_its_previous_life()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "a", "b", "c", "d");
        Append(cluster, "s2"); // 1..2 and 3..4 go out; s2 crashes before either arrives
        Append(cluster, "s2");
        Assert.Equal(new PeerProgress(5, 0, ReplicationState.Replicate, IsPaused: false, InflightAppends: 2, InflightBytes: cluster["s1"].ProgressOf("s2").InflightBytes),
            cluster["s1"].ProgressOf("s2"));
        cluster.CrashAndRestart("s2");

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!));

        // Without the restart the leader would wait for those two appends until its RPC timeout reported them lost.
        Assert.Equal(new PeerProgress(1, 0, ReplicationState.Replicate), cluster["s1"].ProgressOf("s2"));
        Assert.Equal([1L, 2], Append(cluster, "s2").Entries.Select(entry => entry.Index));
    }

    [Fact]
    public void A_heartbeat_reply_from_the_same_life_leaves_the_appends_in_flight_alone()
    {
        var cluster = ReplicatingTo_s2();
        cluster.Propose("s1", "a", "b", "c", "d");
        Append(cluster, "s2");
        Append(cluster, "s2");
        var before = cluster["s1"].ProgressOf("s2");

        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!));

        Assert.Equal(before, cluster["s1"].ProgressOf("s2"));
        Assert.Equal(2, before.InflightAppends);
        Assert.Null(cluster["s1"].NextAppend("s2"));
    }

    [Fact]
    public void A_late_reply_from_a_previous_life_does_not_count_as_another_restart()
    {
        var cluster = ReplicatingTo_s2();
        var oldHeartbeat = cluster["s1"].Heartbeat("s2")!;
        var oldReply = cluster["s2"].HandleAppendEntries(oldHeartbeat).Response;
        cluster.CrashAndRestart("s2");
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!));
        cluster.Propose("s1", "a", "b", "c", "d");
        Append(cluster, "s2");
        Append(cluster, "s2");
        var inFlight = cluster["s1"].ProgressOf("s2");
        Assert.Equal(2, inFlight.InflightAppends);

        // The previous life's answer to a heartbeat sent before the restart arrives only now.
        Assert.True(oldReply.Incarnation < cluster["s2"].Incarnation);
        Assert.Equal(ReplicationOutcome.Accepted, cluster["s1"].HandleAppendReply("s2", oldHeartbeat, oldReply));

        Assert.Equal(inFlight, cluster["s1"].ProgressOf("s2"));
    }

    [Fact]
    public void A_snapshot_in_flight_to_a_follower_that_restarted_is_sent_again_after_a_probe()
    {
        var cluster = new ProtocolCluster(3, Small);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        Assert.Equal(ReplicationOutcome.Accepted, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!)); // s2 heard from
        cluster.Propose("s1", "a", "b", "c");
        cluster.ReplicateUntilCaughtUp("s1", "s3");
        cluster.Persist("s1");
        cluster["s1"].CompactTo(3, "snapshot through c"u8.ToArray());
        cluster.Persist("s1");
        Assert.NotNull(cluster["s1"].NextAppend("s2")!.InstallSnapshot); // goes to s2, which crashes before it arrives
        Assert.Equal(ReplicationState.Snapshot, cluster["s1"].ProgressOf("s2").State);
        cluster.CrashAndRestart("s2");

        // The heartbeat's PrevLogIndex is the snapshot point, which s2 lacks: a rejection that answers no probe.
        Assert.Equal(ReplicationOutcome.Stale, cluster.Deliver("s1", "s2", cluster["s1"].Heartbeat("s2")!));

        // Without the restart s2 would stay paused in Snapshot state until the InstallSnapshot timeout.
        Assert.NotNull(cluster["s1"].NextAppend("s2")!.InstallSnapshot);
    }
}
