using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;

namespace Raft.Tests.Protocol;

/// <summary>Figure 2, all servers: a higher term in any request or reply makes the node a follower of that term with no vote.</summary>
public class StepDownTests
{
    private const long HigherTerm = 7;

    /// <summary>A 3-node cluster whose s1 is leader of term 1, with one committed entry everywhere.</summary>
    private static ProtocolCluster LeaderOfTermOne()
    {
        var cluster = new ProtocolCluster(3);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.Propose("s1", "a").ReplicateToAll("s1");
        return cluster;
    }

    private static void AssertSteppedDown(RaftNode node)
    {
        Assert.Equal(RaftRole.Follower, node.Role);
        Assert.Equal(HigherTerm, node.CurrentTerm);
        Assert.Null(node.VotedFor);
        Assert.True(node.TakeUnpersisted().HardState is { CurrentTerm: HigherTerm, VotedFor: null });
    }

    [Fact]
    public void On_RequestVote_request()
    {
        var cluster = LeaderOfTermOne();

        // The candidate's log is behind, so no vote, but the term still moves.
        var result = cluster["s1"].HandleRequestVote(new RequestVoteRequest(HigherTerm, "s2", 0, 0));

        Assert.False(result.Response.VoteGranted);
        AssertSteppedDown(cluster["s1"]);
        Assert.Null(cluster["s1"].LeaderId);
    }

    [Fact]
    public void On_RequestVote_reply()
    {
        var candidate = new RaftNode("s1", ["s1", "s2", "s3"]);
        var term = candidate.ElectionTimeout().VoteRequest!.Term;

        var outcome = candidate.HandleVoteResponse("s2", term, new RequestVoteResponse(HigherTerm, false));

        Assert.Equal(VoteOutcome.SteppedDown, outcome);
        AssertSteppedDown(candidate);
    }

    [Fact]
    public void On_AppendEntries_request()
    {
        var cluster = LeaderOfTermOne();
        var request = new AppendEntriesRequest(HigherTerm, "s3", 1, 1, [], 1);

        var result = cluster["s1"].HandleAppendEntries(request);

        Assert.True(result.Response.Success);
        AssertSteppedDown(cluster["s1"]);
        Assert.Equal("s3", cluster["s1"].LeaderId);
    }

    [Fact]
    public void On_AppendEntries_reply()
    {
        var cluster = LeaderOfTermOne();
        var request = cluster["s1"].BuildOutbound("s2", withEntries: true)!.AppendEntries!;

        var outcome = cluster["s1"].HandleAppendReply("s2", request, new AppendEntriesResponse(HigherTerm, false, -1, 0, 1));

        Assert.Equal(ReplicationOutcome.SteppedDown, outcome);
        AssertSteppedDown(cluster["s1"]);
        Assert.Null(cluster["s1"].BuildOutbound("s2", withEntries: true));
    }

    [Fact]
    public void On_InstallSnapshot_request()
    {
        var cluster = LeaderOfTermOne();
        var request = new InstallSnapshotRequest(HigherTerm, "s3", 1, 1, [1]);

        var result = cluster["s1"].HandleInstallSnapshot(request);

        AssertSteppedDown(cluster["s1"]);
        Assert.True(result.ResetElectionTimer);
    }

    [Fact]
    public void On_InstallSnapshot_reply()
    {
        var cluster = LeaderOfTermOne();
        var request = new InstallSnapshotRequest(1, "s1", 1, 1, [1]);

        var outcome = cluster["s1"].HandleInstallSnapshotReply("s2", request, new InstallSnapshotResponse(HigherTerm));

        Assert.Equal(ReplicationOutcome.SteppedDown, outcome);
        AssertSteppedDown(cluster["s1"]);
    }

    [Fact]
    public void Candidate_yields_to_a_leader_of_its_own_term()
    {
        var cluster = new ProtocolCluster(3);
        Assert.True(cluster.Campaign("s1", "s2"));
        cluster["s3"].ElectionTimeout(); // s3 is a candidate in term 1 too, having voted for itself

        var result = cluster["s3"].HandleAppendEntries(new AppendEntriesRequest(1, "s1", 0, 0, [], 0));

        Assert.True(result.Response.Success);
        Assert.True(result.ResetElectionTimer);
        Assert.Equal(RaftRole.Follower, cluster["s3"].Role);
        Assert.Equal("s1", cluster["s3"].LeaderId);
        Assert.Equal("s3", cluster["s3"].VotedFor); // the vote of the term stands
    }

    [Fact]
    public void Stale_term_requests_are_rejected_without_resetting_the_timer()
    {
        var cluster = LeaderOfTermOne();
        cluster["s2"].HandleRequestVote(new RequestVoteRequest(3, "s3", 5, 5));

        var append = cluster["s2"].HandleAppendEntries(new AppendEntriesRequest(1, "s1", 1, 1, [], 1));
        var snapshot = cluster["s2"].HandleInstallSnapshot(new InstallSnapshotRequest(1, "s1", 1, 1, [1]));

        Assert.False(append.Response.Success);
        Assert.Equal(3, append.Response.Term);
        Assert.Equal(AppendEntriesResponse.NoConflictTerm, append.Response.ConflictTerm);
        Assert.False(append.ResetElectionTimer);
        Assert.Equal(3, snapshot.Response.Term);
        Assert.False(snapshot.ResetElectionTimer);
        Assert.Null(snapshot.SnapshotToApply);
    }
}
