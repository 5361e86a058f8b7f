using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>
/// Figure 8 of the Raft paper, stepped by hand on five peers: an entry from an older term that reaches a majority is
/// not committed by counting replicas; only an entry of the leader's own term commits it (and everything before it).
/// </summary>
public class Figure8Tests
{
    /// <summary>Runs Figure 8 (a)-(c): ends with s1 leader of term 4 and entry 2 (term 2) on s1, s2, s3.</summary>
    private static ProtocolCluster ThroughStepC()
    {
        var cluster = new ProtocolCluster(5);
        Assert.True(cluster.Campaign("s1", "s2", "s3", "s4", "s5"));
        cluster.Propose("s1", "first").ReplicateToAll("s1");
        Assert.All(cluster.Ids, id => Assert.Equal(1, cluster[id].CommitIndex));

        // (a) s1 leads term 2 and gets entry 2 only to s2.
        cluster.CrashAndRestart("s1");
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        Assert.Equal(2, cluster["s1"].CurrentTerm);
        cluster.Propose("s1", "term2");
        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("s1", "s2"));

        // (b) s1 crashes; s5 wins term 3 with s3 and s4 (term 2 fails: s3 voted for s1) and appends a different entry 2.
        Assert.False(cluster.Campaign("s5", "s3", "s4"));
        Assert.True(cluster.Campaign("s5", "s3", "s4"));
        Assert.Equal(3, cluster["s5"].CurrentTerm);
        cluster.Propose("s5", "term3");

        // (c) s5 crashes; s1 restarts and wins term 4 (term 3 fails: s3, s4 voted for s5), then spreads entry 2 to s3.
        cluster.CrashAndRestart("s1");
        Assert.False(cluster.Campaign("s1", "s2", "s3", "s4"));
        Assert.True(cluster.Campaign("s1", "s2", "s3", "s4"));
        Assert.Equal(4, cluster["s1"].CurrentTerm);
        cluster.ReplicateUntilCaughtUp("s1", "s2");
        cluster.ReplicateUntilCaughtUp("s1", "s3");
        return cluster;
    }

    [Fact]
    public void Old_term_entry_on_a_majority_is_not_committed_and_may_be_overwritten()
    {
        var cluster = ThroughStepC();
        var s1 = cluster["s1"];
        Assert.Equal(2, s1.ProgressOf("s2").MatchIndex);
        Assert.Equal(2, s1.ProgressOf("s3").MatchIndex);
        Assert.Equal(2, s1.LocalDurableIndex);

        // Three of five hold entry 2, but it is from term 2: counting replicas does not commit it. (The commit index is
        // volatile, so the restarted s1 does not even know entry 1 is committed until an entry of term 4 commits.)
        Assert.Equal(0, s1.CommitIndex);

        // (d) s1 crashes; s5 restarts, wins term 5 (its last term 3 beats their 2) and overwrites entry 2 everywhere.
        cluster.CrashAndRestart("s5");
        Assert.False(cluster.Campaign("s5", "s2", "s3", "s4")); // term 4: they all voted for s1
        Assert.True(cluster.Campaign("s5", "s2", "s3", "s4"));
        foreach (var follower in new[] { "s2", "s3", "s4" })
        {
            cluster.ReplicateUntilCaughtUp("s5", follower);
            Assert.Equal(3, cluster[follower].Log.TermAt(2));
            Assert.Equal("term3", Text(cluster[follower].Log.EntryAt(2).Command));
        }
    }

    [Fact]
    public void Current_term_entry_commits_the_older_entry_before_it()
    {
        var cluster = ThroughStepC();

        // (e) s1 appends an entry of term 4 and gets it to a majority: entries 2 and 3 commit together.
        cluster.Propose("s1", "term4");
        cluster.ReplicateUntilCaughtUp("s1", "s2");
        Assert.Equal(0, cluster["s1"].CommitIndex); // s1 and s2: not yet a majority
        cluster.ReplicateUntilCaughtUp("s1", "s3");
        Assert.Equal(3, cluster["s1"].CommitIndex);

        // Now s5 can never win: a majority holds a log more up to date than its (last term 3).
        cluster.CrashAndRestart("s5");
        Assert.False(cluster.Campaign("s5", "s2", "s3", "s4"));
        Assert.False(cluster.Campaign("s5", "s2", "s3", "s4"));
        Assert.NotEqual(RaftRole.Leader, cluster["s5"].Role);
    }
}
