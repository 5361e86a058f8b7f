using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

/// <summary>Check-quorum (thesis §6.2): a leader that hears from no majority over an interval steps down.</summary>
public class CheckQuorumTests
{
    [Fact]
    public void A_new_leader_passes_its_first_check_and_stays_while_a_majority_answers()
    {
        var cluster = new ProtocolCluster(5);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        var leader = cluster["s1"];

        Assert.True(leader.CheckQuorum()); // a whole interval is judged only from the first check on
        cluster.SendOnce("s1", "s2", withEntries: false);
        cluster.SendOnce("s1", "s3", withEntries: false);

        Assert.True(leader.CheckQuorum());
        Assert.True(leader.IsLeader);
    }

    [Fact]
    public void A_leader_without_replies_from_a_majority_since_the_last_check_steps_down_in_its_term()
    {
        var cluster = new ProtocolCluster(5);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        var leader = cluster["s1"];
        Assert.True(leader.CheckQuorum());
        cluster.SendOnce("s1", "s2", withEntries: false); // one follower answers: 2 of 5

        Assert.False(leader.CheckQuorum());

        Assert.Equal((RaftRole.Follower, 1L, null, false), (leader.Role, leader.CurrentTerm, leader.LeaderId, leader.HasUnpersistedChanges));
        Assert.False(leader.Propose(Of("x")).IsLeader);
        Assert.Null(leader.NextAppend("s2"));
    }
}
