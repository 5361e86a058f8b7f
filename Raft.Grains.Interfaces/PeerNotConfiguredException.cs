namespace Raft.Grains.Interfaces;

/// <summary>
/// A call reached a Raft peer id that the silo's RaftOptions.Groups does not list (an unknown group or member), so the
/// peer cannot start. Clients treat it like a peer they cannot reach: another peer may lead, or none does.
/// </summary>
[GenerateSerializer, Alias("raft.peer-not-configured")]
public sealed class PeerNotConfiguredException : InvalidOperationException
{
    public PeerNotConfiguredException(string message) : base(message)
    {
    }
}
