namespace Raft.Runtime;

/// <summary>Messaging settings shared by silos and clients.</summary>
public sealed class MessagingOptions
{
    /// <summary>How long a caller waits for a response unless the method or the call says otherwise.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Frames larger than this are refused and the connection that sent them is closed.</summary>
    public int MaxMessageSize { get; set; } = 64 * 1024 * 1024;
}
