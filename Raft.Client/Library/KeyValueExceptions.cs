namespace Raft.Client;

/// <summary>A key-value operation did not complete within its deadline; it may or may not have been applied.</summary>
public sealed class KeyValueTimeoutException : TimeoutException
{
    public KeyValueTimeoutException(string message, bool noLeader, Exception? inner = null)
        : base(message, inner) => NoLeader = noLeader;

    /// <summary>True when no peer claimed leadership during the whole deadline.</summary>
    public bool NoLeader { get; }
}

/// <summary>
/// The client's session expired on the servers: the request was not applied this time, but when it was a retry, an
/// earlier attempt may have been applied before the session was evicted (its outcome is unknown). Open a new client.
/// </summary>
public sealed class KeyValueSessionExpiredException : InvalidOperationException
{
    public KeyValueSessionExpiredException(string message)
        : base(message)
    {
    }
}

/// <summary>The request was refused before reaching the log (a key or value over the configured size).</summary>
public sealed class KeyValueRejectedException : ArgumentException
{
    public KeyValueRejectedException(string message)
        : base(message)
    {
    }
}
