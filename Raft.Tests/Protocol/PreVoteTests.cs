using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;

namespace Raft.Tests.Protocol;

/// <summary>Pre-vote (Raft thesis §9.6): asking before standing changes nobody's term or vote.</summary>
public class PreVoteTests
{
    private static ProtocolCluster ClusterWithLeader()
    {
        var cluster = new ProtocolCluster(3);
        Assert.True(cluster.Campaign("s1", "s2", "s3"));
        cluster.ReplicateToAll("s1");
        return cluster;
    }

    [Fact]
    public void Asking_for_pre_votes_changes_no_term_vote_or_role()
    {
        var cluster = ClusterWithLeader();
        var s2 = cluster["s2"];

        var preVote = s2.StartPreVote();

        Assert.True(preVote.Started);
        Assert.Equal(new RequestVoteRequest(2, "s2", 0, 0, PreVote: true), preVote.VoteRequest);
        Assert.Equal((1L, "s1", RaftRole.Follower, false), (s2.CurrentTerm, s2.VotedFor, s2.Role, s2.HasUnpersistedChanges));
    }

    [Fact]
    public void A_voter_that_still_hears_the_leader_refuses_and_one_that_does_not_grants_without_changing_its_term()
    {
        var cluster = ClusterWithLeader();
        var request = cluster["s2"].StartPreVote().VoteRequest!;
        var s3 = cluster["s3"];

        var refused = s3.HandleRequestVote(request, leaderIsActive: true);
        var granted = s3.HandleRequestVote(request, leaderIsActive: false);

        Assert.Equal(new RequestVoteResponse(1, false), refused.Response);
        Assert.Equal(new RequestVoteResponse(1, true), granted.Response);
        Assert.False(granted.ResetElectionTimer);
        Assert.Equal((1L, "s1", false), (s3.CurrentTerm, s3.LeaderId, s3.HasUnpersistedChanges));
        Assert.Equal(ReplicationOutcome.Accepted, cluster.SendOnce("s1", "s3", withEntries: false)); // s3 still follows s1
    }

    [Fact]
    public void A_voter_with_a_more_up_to_date_log_refuses()
    {
        var cluster = ClusterWithLeader();
        cluster.Propose("s1", "a");
        cluster.ReplicateUntilCaughtUp("s1", "s3");

        var response = cluster["s3"].HandleRequestVote(cluster["s2"].StartPreVote().VoteRequest!).Response;

        Assert.False(response.VoteGranted);
    }

    [Fact]
    public void A_majority_of_yes_wins_the_pre_vote_and_only_then_the_term_moves()
    {
        var cluster = ClusterWithLeader();
        var s2 = cluster["s2"];
        var request = s2.StartPreVote().VoteRequest!;
        var yes = cluster["s3"].HandleRequestVote(request).Response;

        Assert.Equal(PreVoteOutcome.Won, s2.HandlePreVoteResponse("s3", request.Term, yes));
        Assert.Equal(1, s2.CurrentTerm);
        Assert.Equal(PreVoteOutcome.Stale, s2.HandlePreVoteResponse("s1", request.Term, yes)); // already won

        var campaign = s2.ElectionTimeout();
        Assert.Equal((2L, RaftRole.Candidate, false), (campaign.VoteRequest!.Term, s2.Role, campaign.VoteRequest.PreVote));
    }

    [Fact]
    public void A_refusal_from_a_higher_term_makes_the_asker_follow_that_term()
    {
        var cluster = ClusterWithLeader();
        var s2 = cluster["s2"];
        var request = s2.StartPreVote().VoteRequest!;

        Assert.Equal(PreVoteOutcome.SteppedDown, s2.HandlePreVoteResponse("s3", request.Term, new RequestVoteResponse(5, false)));

        Assert.Equal((5L, RaftRole.Follower), (s2.CurrentTerm, s2.Role));
    }

    [Fact]
    public void Hearing_from_the_leader_ends_the_pre_vote()
    {
        var cluster = ClusterWithLeader();
        var s2 = cluster["s2"];
        var request = s2.StartPreVote().VoteRequest!;
        var yes = cluster["s3"].HandleRequestVote(request).Response;

        cluster.SendOnce("s1", "s2", withEntries: false);

        Assert.Equal(PreVoteOutcome.Stale, s2.HandlePreVoteResponse("s3", request.Term, yes));
        Assert.Equal(RaftRole.Follower, s2.Role);
    }

    [Fact]
    public void A_leader_does_not_ask_for_pre_votes()
    {
        var cluster = ClusterWithLeader();

        Assert.False(cluster["s1"].StartPreVote().Started);
    }
}
