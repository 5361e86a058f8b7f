using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>Fast backup with the conflict hints: one round trip per conflicting term, not per entry.</summary>
public class ConflictBackupTests
{
    /// <summary>
    /// The leader and followers (a)-(f) of Figure 7 of the Raft paper; the leader is elected in term 8 by a, b, e.
    /// Expected round trips until the follower holds the whole leader log.
    /// </summary>
    [Theory]
    [InlineData("a", new long[] { 1, 1, 1, 4, 4, 5, 5, 6, 6 }, 2)]             // too short by one
    [InlineData("b", new long[] { 1, 1, 1, 4 }, 2)]                            // too short: jump to its length at once
    [InlineData("c", new long[] { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6 }, 1)]       // extra entry, prefix matches
    [InlineData("d", new long[] { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7 }, 1)]    // extra term-7 entries
    [InlineData("e", new long[] { 1, 1, 1, 4, 4, 4, 4 }, 3)]                   // short, then leader has XTerm 4
    [InlineData("f", new long[] { 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3 }, 3)]       // terms 3 and 2 the leader never had
    public void Figure7_followers_converge_in_one_round_trip_per_conflicting_term(string follower, long[] followerTerms, int expectedRoundTrips)
    {
        var cluster = Figure7Cluster();
        cluster.Install(NodeWithLog(follower, cluster.Ids, 7, followerTerms));
        Assert.True(cluster.Campaign("leader", "a", "b", "e"));
        Assert.Equal(8, cluster["leader"].CurrentTerm);

        var rounds = cluster.ReplicateUntilCaughtUp("leader", follower);

        Assert.Equal(expectedRoundTrips, rounds);
        Assert.Equal(Terms(cluster["leader"].Log).Take(10), Terms(cluster[follower].Log).Take(10));
    }

    [Fact]
    public void Many_conflicting_entries_over_several_terms_take_one_round_trip_per_term()
    {
        // Leader: 10 entries of term 1, then 50 of term 10. Follower: the same 10, then 20 each of terms 2..6 (110 entries).
        string[] members = ["leader", "follower", "voter"];
        var leaderTerms = Enumerable.Repeat(1L, 10).Concat(Enumerable.Repeat(10L, 50)).ToArray();
        var followerTerms = Enumerable.Repeat(1L, 10)
            .Concat(Enumerable.Range(2, 5).SelectMany(term => Enumerable.Repeat((long)term, 20))).ToArray();
        var cluster = new ProtocolCluster(members);
        cluster.Install(NodeWithLog("leader", members, 10, leaderTerms));
        cluster.Install(NodeWithLog("follower", members, 10, followerTerms));
        cluster.Install(NodeWithLog("voter", members, 10, leaderTerms));
        Assert.True(cluster.Campaign("leader", "voter"));

        var rounds = cluster.ReplicateUntilCaughtUp("leader", "follower");

        // Rejections at prev 60 (term 4), 50 (term 3), 30 (term 2), then success from prev 10. One by one would take 51.
        Assert.Equal(4, rounds);
        Assert.Equal(leaderTerms, Terms(cluster["follower"].Log));
    }

    [Fact]
    public void Heartbeat_conflict_escalates_to_a_full_append()
    {
        var cluster = Figure7Cluster();
        cluster.Install(NodeWithLog("f", cluster.Ids, 7, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));
        Assert.True(cluster.Campaign("leader", "a", "b", "e"));

        // replicateToPeer: a heartbeat that hits a conflict keeps going with entries until the follower is caught up.
        Assert.Equal(ReplicationOutcome.BackedOff, cluster.SendOnce("leader", "f", withEntries: false));
        Assert.Equal(ReplicationOutcome.BackedOff, cluster.SendOnce("leader", "f", withEntries: false));
        Assert.Equal(4, cluster["leader"].ProgressOf("f").NextIndex);
        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("leader", "f", withEntries: true));
        Assert.Equal(Terms(cluster["leader"].Log), Terms(cluster["f"].Log));
    }

    private static ProtocolCluster Figure7Cluster()
    {
        string[] members = ["leader", "a", "b", "c", "d", "e", "f"];
        var cluster = new ProtocolCluster(members);
        cluster.Install(NodeWithLog("leader", members, 7, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6));
        cluster.Install(NodeWithLog("a", members, 7, 1, 1, 1, 4, 4, 5, 5, 6, 6));
        cluster.Install(NodeWithLog("b", members, 7, 1, 1, 1, 4));
        cluster.Install(NodeWithLog("e", members, 7, 1, 1, 1, 4, 4, 4, 4));
        return cluster;
    }
}
