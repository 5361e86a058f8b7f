using Raft.Grains.Interfaces;
using Raft.Grains.Protocol;
using Xunit;
using static Raft.Tests.Protocol.Commands;

namespace Raft.Tests.Protocol;

public class ElectionTests
{
    private static readonly string[] Members = ["s1", "s2", "s3"];

    [Fact]
    public void Election_timeout_starts_a_new_term_voting_for_itself()
    {
        var node = new RaftNode("s1", Members);

        var campaign = node.ElectionTimeout();

        Assert.True(campaign.Started);
        Assert.False(campaign.BecameLeader);
        Assert.Equal(RaftRole.Candidate, node.Role);
        Assert.Equal(1, node.CurrentTerm);
        Assert.Equal("s1", node.VotedFor);
        Assert.Equal(new RequestVoteRequest(1, "s1", 0, 0), campaign.VoteRequest);
    }

    [Fact]
    public void Single_node_group_wins_at_once_and_commits_once_durable()
    {
        var node = new RaftNode("solo", ["solo"]);

        var campaign = node.ElectionTimeout();
        var start = node.Propose(Of("x"));

        Assert.True(campaign.BecameLeader);
        Assert.Equal(new StartResult(1, 1, true, "solo"), start);
        Assert.Equal(0, node.CommitIndex);
        var delta = node.TakeUnpersisted();
        Assert.True(node.OnLocalPersisted(delta.LastLogIndex, delta.LastLogTerm));
        Assert.Equal(1, node.CommitIndex);
    }

    [Fact]
    public void Majority_of_votes_makes_a_leader_and_resets_leader_state()
    {
        var cluster = new ProtocolCluster(3);

        Assert.True(cluster.Campaign("s1", "s2"));

        var leader = cluster["s1"];
        Assert.Equal(RaftRole.Leader, leader.Role);
        Assert.Equal("s1", leader.LeaderId);
        Assert.All(leader.Peers, peer => Assert.Equal(new PeerProgress(1, 0), leader.ProgressOf(peer)));
        Assert.Equal(0, leader.Log.LastIndex); // no no-op entry appended by the core
    }

    [Fact]
    public void Vote_is_granted_once_per_term_and_repeated_for_the_same_candidate()
    {
        var voter = new RaftNode("s3", Members);

        var first = voter.HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0));
        var other = voter.HandleRequestVote(new RequestVoteRequest(1, "s2", 0, 0));
        var again = voter.HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0));

        Assert.True(first.Response.VoteGranted);
        Assert.True(first.ResetElectionTimer);
        Assert.False(other.Response.VoteGranted);
        Assert.False(other.ResetElectionTimer);
        Assert.True(again.Response.VoteGranted);
        Assert.Equal("s1", voter.VotedFor);
    }

    [Fact]
    public void Vote_is_denied_for_a_stale_term()
    {
        var voter = NodeWithLog("s3", Members, 5);

        var result = voter.HandleRequestVote(new RequestVoteRequest(4, "s1", 10, 4));

        Assert.False(result.Response.VoteGranted);
        Assert.Equal(5, result.Response.Term);
        Assert.Null(voter.VotedFor);
    }

    [Theory]
    [InlineData(3, 2, false)] // same last term, shorter log
    [InlineData(2, 9, false)] // older last term, much longer log: term is compared first
    [InlineData(3, 3, true)]  // same last term, same length
    [InlineData(3, 4, true)]  // same last term, longer
    [InlineData(4, 1, true)]  // newer last term wins even when shorter
    public void Vote_requires_candidate_log_at_least_as_up_to_date(long candidateLastTerm, long candidateLastIndex, bool granted)
    {
        var voter = NodeWithLog("s3", Members, 4, 1, 3, 3); // last index 3, last term 3

        var result = voter.HandleRequestVote(new RequestVoteRequest(5, "s1", candidateLastIndex, candidateLastTerm));

        Assert.Equal(granted, result.Response.VoteGranted);
        Assert.Equal(5, voter.CurrentTerm); // the higher term is adopted whatever the decision
    }

    [Fact]
    public void Higher_term_clears_the_vote_of_the_old_term()
    {
        var voter = new RaftNode("s3", Members);
        voter.HandleRequestVote(new RequestVoteRequest(1, "s1", 0, 0));

        var result = voter.HandleRequestVote(new RequestVoteRequest(2, "s2", 0, 0));

        Assert.True(result.Response.VoteGranted);
        Assert.Equal("s2", voter.VotedFor);
    }

    [Fact]
    public void Duplicate_vote_replies_count_once()
    {
        var candidate = new RaftNode("s1", ["s1", "s2", "s3", "s4", "s5"]);
        var term = candidate.ElectionTimeout().VoteRequest!.Term;

        Assert.Equal(VoteOutcome.Granted, candidate.HandleVoteResponse("s2", term, new RequestVoteResponse(term, true)));
        Assert.Equal(VoteOutcome.Granted, candidate.HandleVoteResponse("s2", term, new RequestVoteResponse(term, true)));
        Assert.Equal(RaftRole.Candidate, candidate.Role);
        Assert.Equal(VoteOutcome.NotGranted, candidate.HandleVoteResponse("s4", term, new RequestVoteResponse(term, false)));
        Assert.Equal(VoteOutcome.BecameLeader, candidate.HandleVoteResponse("s3", term, new RequestVoteResponse(term, true)));
    }

    [Fact]
    public void Vote_reply_from_an_earlier_election_is_stale()
    {
        var candidate = new RaftNode("s1", Members);
        candidate.ElectionTimeout();
        candidate.ElectionTimeout(); // term 2 now

        Assert.Equal(VoteOutcome.Stale, candidate.HandleVoteResponse("s2", 1, new RequestVoteResponse(1, true)));
        Assert.Equal(RaftRole.Candidate, candidate.Role);
    }

    [Fact]
    public void Leader_ignores_election_timeout()
    {
        var cluster = new ProtocolCluster(3);
        cluster.Campaign("s1", "s2");

        var result = cluster["s1"].ElectionTimeout();

        Assert.False(result.Started);
        Assert.Equal(1, cluster["s1"].CurrentTerm);
    }

    [Fact]
    public void Follower_propose_returns_leader_hint()
    {
        var cluster = new ProtocolCluster(3);
        cluster.Campaign("s1", "s2");
        cluster.SendOnce("s1", "s2", withEntries: false);

        var result = cluster["s2"].Propose(Of("x"));

        Assert.Equal(new StartResult(0, 1, false, "s1"), result);
        Assert.Equal(0, cluster["s2"].Log.LastIndex);
    }
}
