namespace Raft.Grains.Protocol;

public enum RaftRole
{
    Follower,
    Candidate,
    Leader,
}
